using System.Globalization;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Runtime.Device;

/// <summary>Replays the baseline's canary set through the model host and scores the worst output error against the set's tolerance.</summary>
/// <remarks>
/// Score = max over canaries and outputs of |actual − expected| / (AbsoluteTolerance + RelativeTolerance·|expected|), so the
/// alarm threshold is 1 — exactly <see cref="CanarySet.Matches"/>'s rule; NaN counts as +∞. A check allocates nothing.
/// The comparison is deterministic: the same model on the same runtime reproduces its outputs to ~1e-6, far inside the
/// default tolerance (1e-4 + 1e-3·|expected|), so there is no statistical false-alarm rate to calibrate.
/// </remarks>
internal sealed class CanaryCheck
{
    public const string Subject = "canaries";

    private readonly CanarySet _set;
    private readonly IReadOnlyList<string> _outputNames;

    public CanaryCheck(CanarySet set, IReadOnlyList<string> outputNames)
    {
        _set = set;
        _outputNames = outputNames;
    }

    public int Count => _set.Canaries.Count;

    /// <summary>Runs every canary; returns the score and where the worst error was.</summary>
    public double Run(OnnxModelHost host, out int worstCanary, out int worstOutput, out double worstError)
    {
        var score = 0.0;
        var matched = true;
        worstCanary = 0;
        worstOutput = 0;
        worstError = 0;
        for (var c = 0; c < _set.Canaries.Count; c++)
        {
            var canary = _set.Canaries[c];
            host.SetInputs(canary.Inputs);
            var actual = host.Run().Outputs;
            matched &= _set.Matches(c, actual, out _, out _);
            var expected = canary.ExpectedOutputs;
            for (var j = 0; j < expected.Length; j++)
            {
                var error = Math.Abs((double)actual[j] - expected[j]);
                var ratio = double.IsNaN(error) ? double.PositiveInfinity : error / (_set.AbsoluteTolerance + (_set.RelativeTolerance * Math.Abs(expected[j])));
                if (ratio > score)
                {
                    score = ratio;
                    worstCanary = c;
                    worstOutput = j;
                    worstError = double.IsNaN(error) ? double.PositiveInfinity : error;
                }
            }
        }

        // Keep the score on the same side of 1 as the set's own rule.
        return matched ? Math.Min(score, Math.BitDecrement(1.0)) : Math.Max(score, 1.0);
    }

    public DetectionSignal ToSignal(double score, int worstCanary, int worstOutput, double worstError, long frameIndex)
    {
        var channel = string.Create(CultureInfo.InvariantCulture, $"canary[{worstCanary}].output.{_outputNames[worstOutput]}");
        var evidence = new AlertEvidence(
            "canary error / tolerance",
            score,
            1,
            double.Epsilon,
            "per check (deterministic comparison, no statistical false alarms)",
            [new ChannelContribution(channel, "absolute error", worstError, score)]);
        return new DetectionSignal(AlertKind.CanaryMismatch, Subject, score, 1, frameIndex, frameIndex, evidence);
    }
}
