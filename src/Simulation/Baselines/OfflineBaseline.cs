using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Simulation.Baselines;

/// <summary>
/// Builds a baseline offline from rows of training/evaluation data: runs the model over every row,
/// fingerprints the training rows and calibrates on held-out blocks (the recipe of <c>edgesentinel baseline</c>).
/// </summary>
public static class OfflineBaseline
{
    /// <summary>
    /// Marks the held-out rows: <paramref name="fraction"/> of the whole blocks of <paramref name="block"/> rows, drawn at random from <paramref name="seed"/>.
    /// </summary>
    /// <remarks>
    /// Whole blocks drawn at random are exchangeable with the training rows even when the data drifts
    /// slowly over time (a tail split would calibrate to that drift), and in time order within a block,
    /// so the block bootstrap keeps the autocorrelation.
    /// </remarks>
    public static bool[] SelectHeldOut(int rows, int block, double fraction, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        block = Math.Max(1, block);
        var blocks = (rows + block - 1) / block;
        var heldOutBlocks = (int)Math.Round(blocks * fraction);
        var isHeldOut = new bool[rows];
        var order = Enumerable.Range(0, blocks).ToArray();
        new Random(unchecked((int)seed)).Shuffle(order);
        foreach (var b in order.AsSpan(0, heldOutBlocks))
        {
            for (var r = b * block; r < Math.Min(rows, (b + 1) * block); r++)
            {
                isHeldOut[r] = true;
            }
        }

        return isHeldOut;
    }

    /// <summary>The fingerprint schema for <paramref name="host"/>'s inputs (named <paramref name="featureNames"/>), outputs and taps.</summary>
    public static FingerprintSchema CreateSchema(IReadOnlyList<string> featureNames, OnnxModelHost host, OutputKind outputs, bool latency)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(host);
        var builder = FingerprintSchema.CreateBuilder()
            .AddInputs(featureNames)
            .AddOutputs(host.Outputs.SelectMany(o => o.FlattenedNames()), outputs)
            .WithLatency(latency);
        foreach (var tap in host.Taps)
        {
            builder.AddTap(tap.Name, tap.ElementCount);
        }

        return builder.Build();
    }

    /// <summary>
    /// Runs <paramref name="host"/> over <paramref name="rows"/> (held out where <paramref name="isHeldOut"/> says so),
    /// keeps finite held-out rows spread evenly over them as canaries and builds the baseline.
    /// </summary>
    /// <param name="host">The model, loaded with the taps to watch.</param>
    /// <param name="featureNames">Input channel names, one per input element.</param>
    /// <param name="rows">The rows, each <see cref="OnnxModelHost.InputWidth"/> wide.</param>
    /// <param name="isHeldOut">Per row: held out for calibration (see <see cref="SelectHeldOut"/>).</param>
    /// <param name="options">The recipe.</param>
    /// <param name="timeProvider">Source of the baseline's creation time (a <see cref="FixedTimeProvider"/> makes the bytes reproducible).</param>
    /// <param name="rowsRun">Receives the number of rows run so far after each row.</param>
    /// <param name="stages">Receives one line per stage of the build.</param>
    public static OfflineBaselineResult Build(OnnxModelHost host, IReadOnlyList<string> featureNames, IReadOnlyList<float[]> rows, IReadOnlyList<bool> isHeldOut,
        OfflineBaselineOptions options, TimeProvider timeProvider, IProgress<int>? rowsRun = null, IProgress<string>? stages = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(isHeldOut);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid offline baseline options: " + string.Join("; ", problems), nameof(options));
        }

        if (isHeldOut.Count != rows.Count)
        {
            throw new ArgumentException($"{isHeldOut.Count} held-out flags for {rows.Count} rows", nameof(isHeldOut));
        }

        var schema = CreateSchema(featureNames, host, options.Outputs, options.Latency);
        var builder = new BaselineBuilder(schema, host.Identity, options.Monitor);
        var canaries = 0;
        var heldOut = 0;
        // Canaries spread evenly over the held-out rows (every stride-th, the next finite one when that one is not): a canary
        // set from one stretch of a recording would show one place and one situation only.
        var heldOutTotal = isHeldOut.Count(h => h);
        var stride = Math.Max(1, options.Canaries == 0 ? 1 : heldOutTotal / options.Canaries);
        var canaryDue = false;
        for (var r = 0; r < rows.Count; r++)
        {
            host.SetInputs(rows[r]);
            var result = host.Run();
            if (!isHeldOut[r])
            {
                builder.AddTraining(result.Inputs, result.Outputs, result.Taps, result.LatencyMilliseconds);
            }
            else
            {
                canaryDue |= heldOut % stride == 0;
                heldOut++;
                builder.AddHeldOut(result.Inputs, result.Outputs, result.Taps, result.LatencyMilliseconds);
                if (canaryDue && canaries < options.Canaries && AllFinite(result.Inputs) && AllFinite(result.Outputs))
                {
                    builder.AddCanary(result.Inputs, result.Outputs);
                    canaries++;
                    canaryDue = false;
                }
            }

            rowsRun?.Report(r + 1);
        }

        var baseline = builder.Build(timeProvider, stages);
        return new OfflineBaselineResult(baseline, rows.Count - heldOut, heldOut, canaries);
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }
}
