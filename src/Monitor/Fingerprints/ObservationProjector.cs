using System.Diagnostics;
using System.Runtime.CompilerServices;
using EdgeSentinel.Monitor.Sketches;

namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>
/// Turns one inference (inputs, outputs, tapped activations, latency) into one value per schema
/// channel: copies inputs and outputs, derives argmax / max probability / entropy, projects taps.
/// </summary>
/// <remarks>
/// Allocation-free per call; holds scratch buffers, so one instance serves one thread.
/// Non-finite inputs and outputs pass through unchanged (the consumer counts them); derived
/// channels become NaN when any output is NaN, and argmax becomes -1.
/// </remarks>
internal sealed class ObservationProjector
{
    private readonly FingerprintSchema _schema;
    private readonly RandomProjection[] _projections;
    private readonly float[] _projected;
    private readonly double[] _probabilities;

    public ObservationProjector(FingerprintSchema schema)
    {
        _schema = schema;
        _projections = new RandomProjection[schema.Taps.Count];
        var maxDim = 0;
        for (var t = 0; t < schema.Taps.Count; t++)
        {
            var tap = schema.Taps[t];
            _projections[t] = RandomProjection.Create(tap.Width, tap.ProjectedDimension, tap.ProjectionSeed);
            maxDim = Math.Max(maxDim, tap.ProjectedDimension);
        }

        _projected = new float[Math.Max(1, maxDim)];
        _probabilities = new double[schema.OutputCount];
        TotalTapWidth = schema.TotalTapWidth;
    }

    public FingerprintSchema Schema => _schema;

    public int TotalTapWidth { get; }

    /// <summary>Checks span lengths; throws a specific <see cref="ArgumentException"/> on mismatch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CheckLengths(int inputs, int outputs, int taps)
    {
        if (inputs != _schema.InputCount || outputs != _schema.OutputCount || taps != TotalTapWidth)
        {
            ThrowLengthMismatch(inputs, outputs, taps);
        }
    }

    /// <summary>Fills <paramref name="channelValues"/> (one per schema channel) from one inference.</summary>
    public void Project(ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputs, ReadOnlySpan<float> taps, double latencyMs, Span<double> channelValues)
    {
        Debug.Assert(channelValues.Length == _schema.Channels.Count, "one value per channel");
        var k = 0;
        for (var i = 0; i < inputs.Length; i++)
        {
            channelValues[k++] = inputs[i];
        }

        for (var i = 0; i < outputs.Length; i++)
        {
            channelValues[k++] = outputs[i];
        }

        if (_schema.HasDerivedOutputs)
        {
            Derive(outputs, out var argMax, out var maxProbability, out var entropy);
            channelValues[k++] = argMax;
            channelValues[k++] = maxProbability;
            channelValues[k++] = entropy;
        }

        var offset = 0;
        for (var t = 0; t < _projections.Length; t++)
        {
            var projection = _projections[t];
            var projected = _projected.AsSpan(0, projection.OutputDimension);
            projection.Project(taps.Slice(offset, projection.InputDimension), projected);
            offset += projection.InputDimension;
            for (var j = 0; j < projected.Length; j++)
            {
                channelValues[k++] = projected[j];
            }
        }

        if (_schema.HasLatency)
        {
            channelValues[k++] = latencyMs;
        }

        Debug.Assert(k == channelValues.Length, "every channel written");
    }

    private void Derive(ReadOnlySpan<float> outputs, out double argMax, out double maxProbability, out double entropy)
    {
        var p = _probabilities.AsSpan();
        var best = -1;
        var bestValue = double.NegativeInfinity;
        for (var i = 0; i < outputs.Length; i++)
        {
            double v = outputs[i];
            if (double.IsNaN(v))
            {
                argMax = -1;
                maxProbability = double.NaN;
                entropy = double.NaN;
                return;
            }

            if (v > bestValue)
            {
                bestValue = v;
                best = i;
            }
        }

        if (_schema.OutputKind == OutputKind.Logits)
        {
            // Softmax, shifted by the maximum for stability.
            var sum = 0.0;
            for (var i = 0; i < outputs.Length; i++)
            {
                p[i] = Math.Exp(outputs[i] - bestValue);
                sum += p[i];
            }

            for (var i = 0; i < p.Length; i++)
            {
                p[i] /= sum;
            }
        }
        else
        {
            // Probabilities: renormalize what the model gave (clamped at zero) so entropy is defined.
            var sum = 0.0;
            for (var i = 0; i < outputs.Length; i++)
            {
                p[i] = Math.Max(0.0, outputs[i]);
                sum += p[i];
            }

            if (!(sum > 0) || double.IsInfinity(sum))
            {
                argMax = best;
                maxProbability = double.NaN;
                entropy = double.NaN;
                return;
            }

            for (var i = 0; i < p.Length; i++)
            {
                p[i] /= sum;
            }
        }

        var h = 0.0;
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] > 0)
            {
                h -= p[i] * Math.Log(p[i]);
            }
        }

        argMax = best;
        maxProbability = p[best];
        entropy = h;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowLengthMismatch(int inputs, int outputs, int taps) =>
        throw new ArgumentException(
            $"Observation does not fit schema {_schema.Id[..12]}: got {inputs} inputs, {outputs} outputs, {taps} tap values; " +
            $"expected {_schema.InputCount}, {_schema.OutputCount}, {TotalTapWidth}.");
}
