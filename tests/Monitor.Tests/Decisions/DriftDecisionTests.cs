using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Decisions;

namespace EdgeSentinel.Monitor.Tests.Decisions;

public sealed class DriftDecisionTests
{
    private static readonly DriftDecisionOptions Defaults = new();

    private static ChannelTestOutcome Outcome(string channel, ChannelRole role, double p, double effect = 0.1) =>
        new(channel, role, "ks", 0.05, p, effect);

    // 3 inputs, 2 outputs, 1 derived, 1 activation, 1 latency: 8 tests in the family.
    private static List<ChannelTestOutcome> Window(
        double input = 0.5, double output = 0.5, double latency = 0.5) =>
    [
        Outcome("in.x", ChannelRole.Input, input, 0.9),
        Outcome("in.y", ChannelRole.Input, 0.6),
        Outcome("in.z", ChannelRole.Input, 0.7),
        Outcome("out.steer", ChannelRole.Output, output, 0.8),
        Outcome("out.speed", ChannelRole.Output, 0.8),
        Outcome("derived.entropy", ChannelRole.Derived, 0.9),
        Outcome("act.block3", ChannelRole.Activation, 0.95),
        Outcome("latency", ChannelRole.Latency, latency, 2.0),
    ];

    private static DetectionSignal SignalFor(IReadOnlyList<DetectionSignal> signals, AlertKind kind) =>
        Assert.Single(signals, s => s.Kind == kind);

    [Fact]
    public void Evaluate_InputsMoved_RaisesInputDriftOnly()
    {
        var signals = DriftDecision.Evaluate(Window(input: 1e-6), 0, 999, Defaults);

        var input = SignalFor(signals, AlertKind.InputDrift);
        Assert.True(input.IsAboveThreshold);
        Assert.Equal(DriftDecision.InputsSubject, input.Subject);
        Assert.Equal("in.x", input.Evidence.TopChannels[0].Channel);
        Assert.False(SignalFor(signals, AlertKind.BehaviorDivergence).IsAboveThreshold);
        Assert.False(SignalFor(signals, AlertKind.RuntimeHealth).IsAboveThreshold);
    }

    [Fact]
    public void Evaluate_OnlyOutputsMoved_RaisesBehaviorDivergence()
    {
        var signals = DriftDecision.Evaluate(Window(output: 1e-6), 0, 999, Defaults);

        var behavior = SignalFor(signals, AlertKind.BehaviorDivergence);
        Assert.True(behavior.IsAboveThreshold);
        Assert.Equal(DriftDecision.BehaviorSubject, behavior.Subject);
        Assert.Equal("out.steer", behavior.Evidence.TopChannels[0].Channel);
        Assert.False(SignalFor(signals, AlertKind.InputDrift).IsAboveThreshold);
    }

    [Fact]
    public void Evaluate_InputsAndOutputsMoved_RaisesInputDriftOnlyWithOutputsInEvidence()
    {
        var signals = DriftDecision.Evaluate(Window(input: 1e-6, output: 1e-7), 0, 999, Defaults);

        var input = SignalFor(signals, AlertKind.InputDrift);
        var behavior = SignalFor(signals, AlertKind.BehaviorDivergence);
        Assert.True(input.IsAboveThreshold);
        Assert.False(behavior.IsAboveThreshold);
        Assert.Equal(0.0, behavior.Score);
        Assert.Contains(input.Evidence.TopChannels, c => c.Channel == "out.steer");
        Assert.DoesNotContain(input.Evidence.TopChannels, c => c.Channel == "out.speed"); // did not move
        Assert.Equal(["in.x", "in.y", "in.z", "out.steer"], input.Evidence.TopChannels.Select(c => c.Channel));
    }

    [Fact]
    public void Evaluate_InputsMovedBelowAlphaButWithinInputStableAlpha_SuppressesBehaviorDivergence()
    {
        // Holm over 8 tests: input 0.005 * 7 = 0.035 (second smallest), in (Alpha 0.01, InputStableAlpha 0.10].
        var signals = DriftDecision.Evaluate(Window(input: 0.005, output: 1e-7), 0, 999, Defaults);

        Assert.False(SignalFor(signals, AlertKind.InputDrift).IsAboveThreshold);
        Assert.False(SignalFor(signals, AlertKind.BehaviorDivergence).IsAboveThreshold);
    }

    [Fact]
    public void Evaluate_LatencyMoved_RaisesRuntimeHealth()
    {
        var signals = DriftDecision.Evaluate(Window(latency: 1e-9), 0, 999, Defaults);

        var health = SignalFor(signals, AlertKind.RuntimeHealth);
        Assert.True(health.IsAboveThreshold);
        Assert.Equal(DriftDecision.LatencySubject, health.Subject);
        Assert.False(SignalFor(signals, AlertKind.InputDrift).IsAboveThreshold);
        Assert.False(SignalFor(signals, AlertKind.BehaviorDivergence).IsAboveThreshold);
    }

    [Fact]
    public void Evaluate_NothingMoved_EmitsOneBelowThresholdSignalPerSubject()
    {
        var signals = DriftDecision.Evaluate(Window(), 100, 199, Defaults);

        Assert.Equal(
            [AlertKind.InputDrift, AlertKind.BehaviorDivergence, AlertKind.RuntimeHealth],
            signals.Select(s => s.Kind));
        Assert.All(signals, s =>
        {
            Assert.False(s.IsAboveThreshold);
            Assert.Equal(2.0, s.Threshold, 12); // -log10(0.01)
            Assert.Equal(100, s.FirstSample);
            Assert.Equal(199, s.LastSample);
            Assert.Equal(0.01, s.Evidence.FalseAlarmRate);
            Assert.Equal(0.01, s.Evidence.Threshold);
            Assert.Equal("per window", s.Evidence.FalseAlarmUnit);
            Assert.Equal("min-holm-adjusted-p", s.Evidence.Statistic);
        });
    }

    [Fact]
    public void Evaluate_ScoreIsMinusLog10OfMinAdjustedP()
    {
        // Holm over 8 tests: the smallest p 1e-5 becomes 8e-5.
        var signals = DriftDecision.Evaluate(Window(input: 1e-5), 0, 9, Defaults);

        var input = SignalFor(signals, AlertKind.InputDrift);
        Assert.Equal(-Math.Log10(8e-5), input.Score, 9);
        Assert.Equal(8e-5, input.Evidence.Value, 15);
    }

    [Fact]
    public void Evaluate_ZeroPValue_GivesFiniteScore()
    {
        var signals = DriftDecision.Evaluate(Window(latency: 0), 0, 9, Defaults);

        var health = SignalFor(signals, AlertKind.RuntimeHealth);
        Assert.True(double.IsFinite(health.Score));
        Assert.Equal(-Math.Log10(double.Epsilon), health.Score, 9);
    }

    [Fact]
    public void Evaluate_ManyChannels_ControlsErrorAcrossTheWholeFamily()
    {
        // One input at raw p = 0.002 < alpha, among 20 channels: Holm-adjusted 0.04 > 0.01, no drift.
        var outcomes = new List<ChannelTestOutcome> { Outcome("in.0", ChannelRole.Input, 0.002) };
        for (var i = 1; i < 20; i++)
        {
            outcomes.Add(Outcome($"out.{i}", ChannelRole.Output, 0.5));
        }

        var holm = DriftDecision.Evaluate(outcomes, 0, 9, Defaults);
        Assert.False(SignalFor(holm, AlertKind.InputDrift).IsAboveThreshold);
        Assert.Equal(0.04, SignalFor(holm, AlertKind.InputDrift).Evidence.Value, 12);
    }

    [Fact]
    public void Evaluate_BenjaminiHochberg_FindsMoreThanHolmOnBh1995Example()
    {
        double[] p =
        [
            0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
            0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0000,
        ];
        var outcomes = p.Select((x, i) => Outcome($"out.{i}", ChannelRole.Output, x)).ToList();

        var holm = DriftDecision.Evaluate(outcomes, 0, 9, new DriftDecisionOptions { Alpha = 0.05, TopChannelCount = 15 });
        var bh = DriftDecision.Evaluate(outcomes, 0, 9, new DriftDecisionOptions
        {
            Alpha = 0.05, TopChannelCount = 15, MultipleTestingMethod = MultipleTestingMethod.BenjaminiHochberg,
        });

        var holmSignal = Assert.Single(holm);
        var bhSignal = Assert.Single(bh);
        Assert.True(holmSignal.IsAboveThreshold);
        Assert.True(bhSignal.IsAboveThreshold);
        Assert.Equal("min-bh-adjusted-p", bhSignal.Evidence.Statistic);
        Assert.Equal(0.0015, bhSignal.Evidence.Value, 12);
    }

    [Fact]
    public void Evaluate_TopChannels_SortedByAdjustedPThenEffectSizeAndLimited()
    {
        var outcomes = new List<ChannelTestOutcome>
        {
            Outcome("a", ChannelRole.Input, 0.5, effect: 0.1),
            Outcome("b", ChannelRole.Input, 1e-6, effect: 0.2),
            Outcome("c", ChannelRole.Input, 0.5, effect: -3.0),
            Outcome("d", ChannelRole.Input, 1e-8, effect: 0.1),
            Outcome("e", ChannelRole.Input, 0.5, effect: 1.0),
        };

        var signals = DriftDecision.Evaluate(outcomes, 0, 9, new DriftDecisionOptions { TopChannelCount = 4 });

        var input = Assert.Single(signals);
        Assert.Equal(["d", "b", "c", "e"], input.Evidence.TopChannels.Select(c => c.Channel));
    }

    [Fact]
    public void Evaluate_NoOutcomes_ReturnsNoSignals()
    {
        Assert.Empty(DriftDecision.Evaluate([], 0, 0, Defaults));
    }

    [Fact]
    public void Evaluate_OnlyGroupsWithChannels_EmitSignals()
    {
        var signals = DriftDecision.Evaluate([Outcome("latency", ChannelRole.Latency, 0.3)], 0, 0, Defaults);

        Assert.Equal(AlertKind.RuntimeHealth, Assert.Single(signals).Kind);
    }

    [Fact]
    public void ChannelTestOutcome_NaNPValue_ThrowsNamingChannel()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ChannelTestOutcome("in.x", ChannelRole.Input, "ks", 0.2, double.NaN, 0.1));

        Assert.Equal("PValue", ex.ParamName);
        Assert.Contains("in.x", ex.Message, StringComparison.Ordinal);
        Assert.Contains("NaN", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChannelTestOutcome_NaNPValueThroughWith_Throws()
    {
        var outcome = Outcome("in.x", ChannelRole.Input, 0.5);

        Assert.Throws<ArgumentOutOfRangeException>(() => outcome with { PValue = double.NaN });
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    public void ChannelTestOutcome_PValueOutsideUnitInterval_Throws(double p)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelTestOutcome("c", ChannelRole.Output, "ks", 0.2, p, 0.1));
    }

    [Fact]
    public void ChannelTestOutcome_NaNStatisticOrEffect_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelTestOutcome("c", ChannelRole.Output, "ks", double.NaN, 0.5, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelTestOutcome("c", ChannelRole.Output, "ks", 0.1, 0.5, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelTestOutcome("c", (ChannelRole)42, "ks", 0.1, 0.5, 0.1));
        Assert.Throws<ArgumentException>(() => new ChannelTestOutcome(" ", ChannelRole.Output, "ks", 0.1, 0.5, 0.1));
    }

    [Fact]
    public void Options_Defaults_AreValidAndDocumentedValues()
    {
        var options = new DriftDecisionOptions();

        Assert.Empty(options.Validate());
        Assert.Equal(0.01, options.Alpha);
        Assert.Equal(MultipleTestingMethod.Holm, options.MultipleTestingMethod);
        Assert.Equal(0.10, options.InputStableAlpha);
        Assert.Equal(5, options.TopChannelCount);
    }

    [Fact]
    public void Options_Validate_ListsEveryProblem()
    {
        var options = new DriftDecisionOptions
        {
            Alpha = double.NaN,
            MultipleTestingMethod = (MultipleTestingMethod)9,
            InputStableAlpha = 1.0,
            TopChannelCount = 0,
        };

        var problems = options.Validate();

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Alpha", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("MultipleTestingMethod", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("InputStableAlpha", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("TopChannelCount", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_InputStableAlphaBelowAlpha_IsAProblem()
    {
        var problems = new DriftDecisionOptions { Alpha = 0.05, InputStableAlpha = 0.01 }.Validate();

        Assert.Contains("InputStableAlpha", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_InvalidOptions_ThrowsListingProblems()
    {
        var options = new DriftDecisionOptions { Alpha = 2, TopChannelCount = -1 };

        var ex = Assert.Throws<ArgumentException>(() => DriftDecision.Evaluate(Window(), 0, 9, options));

        Assert.Contains("Alpha", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TopChannelCount", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_InvalidSampleRangeOrNullOutcome_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DriftDecision.Evaluate(Window(), 10, 9, Defaults));
        Assert.Throws<ArgumentOutOfRangeException>(() => DriftDecision.Evaluate(Window(), -1, 9, Defaults));
        Assert.Throws<ArgumentException>(() => DriftDecision.Evaluate([null!], 0, 9, Defaults));
    }

    [Fact]
    public void EvaluateThenTrack_PersistentInputDrift_RaisesOneAlertAndClearsAfterRecovery()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var tracker = new AlertTracker("dev-1", "abc123", new AlertPolicy(), time);
        var transitions = new List<AlertTransition>();
        for (var window = 0; window < 20; window++)
        {
            var drifting = window is >= 5 and < 12;
            // Adjusted p 7e-4: score 3.2, above the threshold 2 but below the default escalation level 4 (p <= 1e-4).
            var signals = DriftDecision.Evaluate(Window(input: drifting ? 1e-4 : 0.5), window * 100L, (window * 100L) + 99, Defaults);
            transitions.AddRange(tracker.Process(signals));
            time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(
            [(AlertKind.InputDrift, AlertState.Raised), (AlertKind.InputDrift, AlertState.Cleared)],
            transitions.Select(t => (t.Alert.Kind, t.Current)));
        Assert.Equal(500, transitions[0].Alert.FirstSample);
        Assert.Equal(1199, transitions[1].Alert.LastSample);
    }

    [Fact]
    public void EvaluateThenTrack_StrongBehaviorDivergence_EscalatesToCritical()
    {
        // Score = -log10(adjusted p), so the default EscalateRatio 2 escalates at adjusted p <= Alpha^2.
        var tracker = new AlertTracker("dev-1", "abc123", new AlertPolicy(), new Microsoft.Extensions.Time.Testing.FakeTimeProvider());

        var transitions = tracker.Process(DriftDecision.Evaluate(Window(output: 1e-6), 0, 99, Defaults));

        Assert.Equal([AlertState.Raised, AlertState.Escalated], transitions.Select(t => t.Current));
        Assert.Equal(AlertSeverity.Critical, transitions[1].Alert.Severity);
    }
}
