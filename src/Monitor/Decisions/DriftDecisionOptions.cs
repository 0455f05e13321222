using System.Globalization;

namespace EdgeSentinel.Monitor.Decisions;

/// <summary>How <see cref="DriftDecision"/> controls false alarms across the channel tests of one window.</summary>
/// <remarks>A plain options class: set the properties, then <see cref="Validate"/> lists every problem at once. Not thread-safe.</remarks>
public sealed class DriftDecisionOptions
{
    /// <summary>
    /// The error rate controlled across ALL channel tests of one window (family-wise for Holm,
    /// false discovery rate for Benjamini–Hochberg); a window with no drift alarms with probability
    /// at most Alpha. Must be in (0, 1). Default 0.01.
    /// </summary>
    /// <value>The per-window false-alarm rate.</value>
    public double Alpha { get; set; } = 0.01;

    /// <summary>How p-values are adjusted for testing many channels. Default <see cref="MultipleTestingMethod.Holm"/>.</summary>
    public MultipleTestingMethod MultipleTestingMethod { get; set; } = MultipleTestingMethod.Holm;

    /// <summary>
    /// Inputs count as "within the baseline" for behavior-divergence only when every input channel's
    /// adjusted p-value is above this level. It is looser than <see cref="Alpha"/> on purpose:
    /// behavior-divergence claims the model acts differently on familiar inputs, so even inputs
    /// that moved too little to raise input-drift make the window inconclusive for it.
    /// Must be in [Alpha, 1). Default 0.10.
    /// </summary>
    /// <value>The adjusted p-value at or below which an input channel counts as moved for behavior-divergence.</value>
    public double InputStableAlpha { get; set; } = 0.10;

    /// <summary>How many channels each signal's evidence lists. Must be ≥ 1. Default 5.</summary>
    public int TopChannelCount { get; set; } = 5;

    /// <summary>Checks every property and returns all problems, each naming the property and why; empty when the options are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        var alphaValid = Alpha > 0 && Alpha < 1;
        if (!alphaValid)
        {
            problems.Add(Invariant($"{nameof(Alpha)} must be in (0, 1), but was {Alpha}."));
        }

        if (!Enum.IsDefined(MultipleTestingMethod))
        {
            problems.Add(Invariant($"{nameof(MultipleTestingMethod)} is {(int)MultipleTestingMethod}, which is not a defined method (Holm or BenjaminiHochberg)."));
        }

        if (!(InputStableAlpha > 0 && InputStableAlpha < 1))
        {
            problems.Add(Invariant($"{nameof(InputStableAlpha)} must be in (0, 1), but was {InputStableAlpha}."));
        }
        else if (alphaValid && InputStableAlpha < Alpha)
        {
            problems.Add(Invariant(
                $"{nameof(InputStableAlpha)} ({InputStableAlpha}) must be >= {nameof(Alpha)} ({Alpha}); otherwise inputs could count as moved for input-drift and as stable for behavior-divergence in the same window."));
        }

        if (TopChannelCount < 1)
        {
            problems.Add(Invariant($"{nameof(TopChannelCount)} must be >= 1, but was {TopChannelCount}."));
        }

        return problems;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
