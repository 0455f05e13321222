using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Monitor.Decisions;

/// <summary>Turns the per-channel test outcomes of one window into detection signals: input-drift, behavior-divergence and runtime-health.</summary>
/// <remarks>
/// <para>
/// All outcomes of the window form one family: their p-values are adjusted together
/// (<see cref="DriftDecisionOptions.MultipleTestingMethod"/>), and a channel moved when its adjusted
/// p-value is ≤ <see cref="DriftDecisionOptions.Alpha"/>. Channels are grouped by role: inputs
/// (subject <see cref="InputsSubject"/>), behavior = output, derived and activation channels
/// (<see cref="BehaviorSubject"/>), latency (<see cref="LatencySubject"/>).
/// </para>
/// <para>
/// Each group with at least one channel yields exactly one signal per window, below the threshold
/// too, with Score = −log10(min adjusted p of the group) and Threshold = −log10(Alpha), so the
/// signal alarms exactly when some channel of the group moved; p = 0 is scored as
/// −log10(<see cref="double.Epsilon"/>) ≈ 323.3 to keep scores finite. Behavior counts only while
/// the inputs are within the baseline (every input's adjusted p &gt;
/// <see cref="DriftDecisionOptions.InputStableAlpha"/>; a window without input channels counts as
/// within the baseline); otherwise the outputs are explained by the
/// inputs, the behavior signal gets Score 0, and when inputs moved the input-drift evidence lists
/// the moved behavior channels after the top input channels. A score of 0 counts towards clearing
/// an open behavior-divergence alert. The evidence states FalseAlarmRate = Alpha "per window".
/// </para>
/// </remarks>
public static class DriftDecision
{
    /// <summary>Subject of the input-drift signal.</summary>
    public const string InputsSubject = "inputs";

    /// <summary>Subject of the behavior-divergence signal.</summary>
    public const string BehaviorSubject = "behavior";

    /// <summary>Subject of the runtime-health signal for latency channels.</summary>
    public const string LatencySubject = "latency";

    /// <summary>Unit of the false-alarm rate stated in the evidence.</summary>
    public const string FalseAlarmUnit = "per window";

    /// <summary>Evaluates one window's outcomes; throws <see cref="ArgumentException"/> listing every problem of <paramref name="options"/>.</summary>
    /// <param name="outcomes">One outcome per channel test of the window (a channel may have several tests).</param>
    /// <param name="firstSample">First sample (inclusive, ≥ 0) of the window.</param>
    /// <param name="lastSample">Last sample (inclusive, ≥ <paramref name="firstSample"/>) of the window.</param>
    /// <param name="options">Error control; validated on every call.</param>
    /// <returns>One signal per non-empty group, in the order input-drift, behavior-divergence, runtime-health.</returns>
    public static IReadOnlyList<DetectionSignal> Evaluate(
        IReadOnlyList<ChannelTestOutcome> outcomes, long firstSample, long lastSample, DriftDecisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(firstSample);
        ArgumentOutOfRangeException.ThrowIfLessThan(lastSample, firstSample);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid DriftDecisionOptions: " + string.Join(" ", problems), nameof(options));
        }

        var m = outcomes.Count;
        if (m == 0)
        {
            return [];
        }

        var pValues = new double[m];
        for (var i = 0; i < m; i++)
        {
            var outcome = outcomes[i] ?? throw new ArgumentException($"outcomes[{i}] is null.", nameof(outcomes));
            pValues[i] = outcome.PValue;
        }

        var adjusted = PValueAdjustment.Adjust(pValues, options.MultipleTestingMethod);
        var inputs = Group(outcomes, adjusted, static role => role == ChannelRole.Input);
        var behavior = Group(outcomes, adjusted, static role => role is ChannelRole.Output or ChannelRole.Derived or ChannelRole.Activation);
        var latency = Group(outcomes, adjusted, static role => role == ChannelRole.Latency);

        var alpha = options.Alpha;
        var threshold = -Math.Log10(alpha);
        var statistic = options.MultipleTestingMethod == MultipleTestingMethod.Holm ? "min-holm-adjusted-p" : "min-bh-adjusted-p";
        var minInput = MinAdjusted(inputs);
        var inputsMoved = minInput <= alpha;
        var inputsStable = !(minInput <= options.InputStableAlpha);
        var top = options.TopChannelCount;

        var signals = new List<DetectionSignal>(3);
        if (inputs.Count > 0)
        {
            var channels = TopChannels(inputs, top);
            if (inputsMoved)
            {
                channels.AddRange(TopChannels(behavior.FindAll(c => c.Adjusted <= alpha), top));
            }

            signals.Add(Signal(AlertKind.InputDrift, InputsSubject, ScoreOf(minInput), minInput, channels));
        }

        if (behavior.Count > 0)
        {
            var minBehavior = MinAdjusted(behavior);
            var score = inputsStable ? ScoreOf(minBehavior) : 0.0;
            var behaviorStatistic = inputsStable ? statistic : statistic + " (explained by inputs)";
            signals.Add(Signal(AlertKind.BehaviorDivergence, BehaviorSubject, score, minBehavior, TopChannels(behavior, top), behaviorStatistic));
        }

        if (latency.Count > 0)
        {
            var minLatency = MinAdjusted(latency);
            signals.Add(Signal(AlertKind.RuntimeHealth, LatencySubject, ScoreOf(minLatency), minLatency, TopChannels(latency, top)));
        }

        return signals;

        DetectionSignal Signal(AlertKind kind, string subject, double score, double minAdjusted, List<ChannelContribution> channels, string? evidenceStatistic = null) =>
            new(kind, subject, score, threshold, firstSample, lastSample,
                new AlertEvidence(evidenceStatistic ?? statistic, minAdjusted, alpha, alpha, FalseAlarmUnit, channels));
    }

    private static double ScoreOf(double minAdjusted) => -Math.Log10(Math.Max(minAdjusted, double.Epsilon));

    private static double MinAdjusted(List<RankedOutcome> group)
    {
        var min = double.PositiveInfinity;
        foreach (var c in group)
        {
            min = Math.Min(min, c.Adjusted);
        }

        return min;
    }

    private static List<RankedOutcome> Group(IReadOnlyList<ChannelTestOutcome> outcomes, double[] adjusted, Func<ChannelRole, bool> member)
    {
        var group = new List<RankedOutcome>();
        for (var i = 0; i < outcomes.Count; i++)
        {
            if (member(outcomes[i].Role))
            {
                group.Add(new RankedOutcome(outcomes[i], adjusted[i], i));
            }
        }

        return group;
    }

    // Most important first: smallest adjusted p, then largest |effect size|, then channel name and input order (deterministic).
    private static List<ChannelContribution> TopChannels(List<RankedOutcome> group, int count)
    {
        var ranked = group.ToArray();
        Array.Sort(ranked, static (a, b) =>
        {
            var c = a.Adjusted.CompareTo(b.Adjusted);
            if (c != 0)
            {
                return c;
            }

            c = Math.Abs(b.Outcome.EffectSize).CompareTo(Math.Abs(a.Outcome.EffectSize));
            if (c != 0)
            {
                return c;
            }

            c = string.CompareOrdinal(a.Outcome.Channel, b.Outcome.Channel);
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        });
        var n = Math.Min(count, ranked.Length);
        var channels = new List<ChannelContribution>(n);
        for (var i = 0; i < n; i++)
        {
            var o = ranked[i].Outcome;
            channels.Add(new ChannelContribution(o.Channel, o.Statistic, o.Value, o.EffectSize));
        }

        return channels;
    }

    private readonly record struct RankedOutcome(ChannelTestOutcome Outcome, double Adjusted, int Index);
}
