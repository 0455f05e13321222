using EdgeSentinel.Monitor.Alerts;
using Microsoft.Extensions.Time.Testing;
using static EdgeSentinel.Monitor.Tests.Alerts.AlertTestData;

namespace EdgeSentinel.Monitor.Tests.Alerts;

public sealed class AlertTrackerTests
{
    private const double Threshold = 10.0;

    private static AlertTracker Tracker(FakeTimeProvider time, AlertPolicy? policy = null, string device = "robot-7") =>
        new(device, "sha256-model", policy ?? new AlertPolicy(), time);

    [Fact]
    public void Process_ScoreOscillatingOnePercentAroundThreshold_RaisesAtMostOneAlert()
    {
        var time = Clock();
        var tracker = Tracker(time);
        var transitions = new List<AlertTransition>();
        for (var k = 0; k < 1000; k++)
        {
            var score = Threshold * (1 + (0.01 * Math.Sin(k * 0.7)));
            transitions.AddRange(tracker.Process(Signal(score, sample: k)));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var raised = Assert.Single(transitions);
        Assert.Equal(AlertState.Raised, raised.Current);
        Assert.Single(tracker.OpenAlerts);
    }

    [Fact]
    public void Process_ScoreJumpingBetweenThresholdAndBelowClearLevel_NeverClearsOrReRaises()
    {
        // Two evaluations below the clear level, then one above the threshold, repeated: the clear
        // count (3) is never reached, so the alert stays open.
        var time = Clock();
        var tracker = Tracker(time);
        var transitions = new List<AlertTransition>();
        for (var k = 0; k < 300; k++)
        {
            var score = k % 3 == 0 ? Threshold * 1.01 : Threshold * 0.5;
            transitions.AddRange(tracker.Process(Signal(score, sample: k)));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(AlertState.Raised, Assert.Single(transitions).Current);
    }

    [Fact]
    public void Process_RaiseEscalateClear_FollowsLifecycleWithOneId()
    {
        var time = Clock();
        var tracker = Tracker(time);

        var raised = Assert.Single(tracker.Process(Signal(12, sample: 10)));
        time.Advance(TimeSpan.FromSeconds(5));
        var escalated = Assert.Single(tracker.Process(Signal(25, sample: 20)));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(tracker.Process(Signal(1, sample: 30)));
        Assert.Empty(tracker.Process(Signal(1, sample: 40)));
        time.Advance(TimeSpan.FromSeconds(5));
        var cleared = Assert.Single(tracker.Process(Signal(1, sample: 50)));

        Assert.Equal((null, AlertState.Raised, AlertSeverity.Warning), (raised.Previous, raised.Current, raised.Alert.Severity));
        Assert.Equal((AlertState.Raised, AlertState.Escalated, AlertSeverity.Critical), (escalated.Previous, escalated.Current, escalated.Alert.Severity));
        Assert.Equal((AlertState.Escalated, AlertState.Cleared, AlertSeverity.Critical), (cleared.Previous, cleared.Current, cleared.Alert.Severity));
        Assert.Equal(raised.Alert.Id, escalated.Alert.Id);
        Assert.Equal(raised.Alert.Id, cleared.Alert.Id);
        Assert.Equal(Start, cleared.Alert.RaisedAt);
        Assert.Equal(Start.AddSeconds(15), cleared.Alert.UpdatedAt);
        Assert.Equal(10, cleared.Alert.FirstSample);
        Assert.Equal(20, cleared.Alert.LastSample);
        Assert.Equal("robot-7", cleared.Alert.DeviceId);
        Assert.Equal("sha256-model", cleared.Alert.ModelHash);
        Assert.Empty(tracker.OpenAlerts);
    }

    [Fact]
    public void Process_FirstSignalAboveEscalationLevel_EmitsRaisedThenEscalated()
    {
        var tracker = Tracker(Clock());

        var transitions = tracker.Process(Signal(Threshold * 2));

        Assert.Equal([AlertState.Raised, AlertState.Escalated], transitions.Select(t => t.Current));
        Assert.Equal(AlertSeverity.Critical, Assert.Single(tracker.OpenAlerts).Severity);
    }

    [Fact]
    public void Process_EscalatedAlert_DoesNotEscalateAgain()
    {
        var tracker = Tracker(Clock());
        tracker.Process(Signal(Threshold * 3));

        Assert.Empty(tracker.Process(Signal(Threshold * 5)));
        Assert.Equal(AlertState.Escalated, Assert.Single(tracker.OpenAlerts).State);
    }

    [Theory]
    [InlineData(AlertKind.InputDrift, AlertSeverity.Warning, AlertSeverity.Warning)]
    [InlineData(AlertKind.BehaviorDivergence, AlertSeverity.Warning, AlertSeverity.Critical)]
    [InlineData(AlertKind.ActivationAnomaly, AlertSeverity.Warning, AlertSeverity.Critical)]
    [InlineData(AlertKind.CueSensitivity, AlertSeverity.Warning, AlertSeverity.Critical)]
    [InlineData(AlertKind.CanaryMismatch, AlertSeverity.Critical, AlertSeverity.Critical)]
    [InlineData(AlertKind.ModelIdentity, AlertSeverity.Critical, AlertSeverity.Critical)]
    [InlineData(AlertKind.RuntimeHealth, AlertSeverity.Warning, AlertSeverity.Warning)]
    public void Process_DefaultPolicy_UsesSeverityPerKind(AlertKind kind, AlertSeverity raised, AlertSeverity escalated)
    {
        var tracker = Tracker(Clock());

        var raise = Assert.Single(tracker.Process(Signal(11, kind: kind, subject: "s")));
        var escalate = Assert.Single(tracker.Process(Signal(30, kind: kind, subject: "s")));

        Assert.Equal(raised, raise.Alert.Severity);
        Assert.Equal(AlertState.Escalated, escalate.Current);
        Assert.Equal(escalated, escalate.Alert.Severity);
    }

    [Fact]
    public void Process_RepeatedAboveThreshold_UpdatesOpenAlertWithoutNewRaise()
    {
        var time = Clock();
        var tracker = Tracker(time);
        var first = Assert.Single(tracker.Process(Signal(11, sample: 100)));

        for (var k = 1; k <= 10; k++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.Empty(tracker.Process(Signal(11 + (k * 0.1), sample: 100 + k)));
        }

        var open = Assert.Single(tracker.OpenAlerts);
        Assert.Equal(first.Alert.Id, open.Id);
        Assert.Equal(100, open.FirstSample);
        Assert.Equal(110, open.LastSample);
        Assert.Equal(12.0, open.Evidence.Value, 12);
        Assert.Equal(Start, open.RaisedAt);
        Assert.Equal(Start.AddSeconds(10), open.UpdatedAt);
    }

    [Fact]
    public void Process_DifferentKindOrSubject_AreSeparateAlerts()
    {
        var tracker = Tracker(Clock());

        tracker.Process(Signal(11, subject: "behavior"));
        tracker.Process(Signal(11, subject: "act.block3"));
        tracker.Process(Signal(11, kind: AlertKind.ActivationAnomaly, subject: "behavior"));
        tracker.Process(Signal(11, subject: "behavior"));

        var open = tracker.OpenAlerts;
        Assert.Equal(3, open.Count);
        Assert.Equal(3, open.Select(a => a.DeduplicationKey).Distinct().Count());
        Assert.Equal(3, open.Select(a => a.Id).Distinct().Count());
    }

    [Fact]
    public void Process_ClearNeedsConsecutiveEvaluationsBelowClearLevel()
    {
        var tracker = Tracker(Clock());
        tracker.Process(Signal(11));

        Assert.Empty(tracker.Process(Signal(7.9)));   // below clear level 8: 1
        Assert.Empty(tracker.Process(Signal(7.9)));   // 2
        Assert.Empty(tracker.Process(Signal(8.0)));   // at clear level: restarts the count
        Assert.Empty(tracker.Process(Signal(7.9)));   // 1
        Assert.Empty(tracker.Process(Signal(7.9)));   // 2
        Assert.Empty(tracker.Process(Signal(10.5)));  // above threshold: restarts the count
        Assert.Empty(tracker.Process(Signal(0)));     // 1
        Assert.Empty(tracker.Process(Signal(-3)));    // 2
        Assert.Single(tracker.OpenAlerts);

        var cleared = Assert.Single(tracker.Process(Signal(7.99))); // 3

        Assert.Equal(AlertState.Cleared, cleared.Current);
        Assert.Empty(tracker.OpenAlerts);
    }

    [Fact]
    public void Process_CustomClearAfterEvaluations_IsHonoured()
    {
        var tracker = Tracker(Clock(), new AlertPolicy { ClearAfterEvaluations = 5 });
        tracker.Process(Signal(11));

        for (var k = 0; k < 4; k++)
        {
            Assert.Empty(tracker.Process(Signal(1)));
        }

        Assert.Equal(AlertState.Cleared, Assert.Single(tracker.Process(Signal(1))).Current);
    }

    [Fact]
    public void Process_BelowThresholdWithoutOpenAlert_DoesNothing()
    {
        var tracker = Tracker(Clock());

        Assert.Empty(tracker.Process(Signal(9.99)));
        Assert.Empty(tracker.OpenAlerts);
    }

    [Fact]
    public void Process_AboveThresholdDuringCooldown_IsSuppressedAndCountedUntilCooldownEnds()
    {
        var time = Clock();
        var tracker = Tracker(time, new AlertPolicy { Cooldown = TimeSpan.FromMinutes(2) });
        var first = tracker.Process(Signal(11))[0].Alert;
        tracker.Process([Signal(1), Signal(1), Signal(1)]);
        Assert.Empty(tracker.OpenAlerts);

        time.Advance(TimeSpan.FromSeconds(119));
        Assert.Empty(tracker.Process(Signal(50)));
        Assert.Equal(1, tracker.SuppressedDuringCooldown);

        time.Advance(TimeSpan.FromSeconds(1));
        var again = Assert.Single(tracker.Process(Signal(11)));

        Assert.Equal(AlertState.Raised, again.Current);
        Assert.NotEqual(first.Id, again.Alert.Id);
        Assert.Equal(Start.AddMinutes(2), again.Alert.RaisedAt);
        Assert.Equal(1, tracker.SuppressedDuringCooldown);
    }

    [Fact]
    public void Process_CooldownOfOneKey_DoesNotAffectOtherKeys()
    {
        var tracker = Tracker(Clock());
        tracker.Process([Signal(11), Signal(1), Signal(1), Signal(1)]);

        Assert.Single(tracker.Process(Signal(11, subject: "other")));
        Assert.Empty(tracker.Process(Signal(11)));
    }

    [Fact]
    public void Process_EscalateAfterEvaluations_EscalatesOnPersistence()
    {
        var tracker = Tracker(Clock(), new AlertPolicy { EscalateAfterEvaluations = 3, EscalateRatio = double.PositiveInfinity });

        Assert.Single(tracker.Process(Signal(11)));
        Assert.Empty(tracker.Process(Signal(11)));
        Assert.Empty(tracker.Process(Signal(9)));   // in the band: the run restarts
        Assert.Empty(tracker.Process(Signal(11)));
        Assert.Empty(tracker.Process(Signal(11)));
        var escalated = Assert.Single(tracker.Process(Signal(11)));

        Assert.Equal(AlertState.Escalated, escalated.Current);
    }

    [Fact]
    public void Process_EscalateRatioInfinityAndInfiniteScore_DoesNotEscalate()
    {
        var tracker = Tracker(Clock(), new AlertPolicy { EscalateRatio = double.PositiveInfinity });

        Assert.Equal(AlertState.Raised, Assert.Single(tracker.Process(Signal(double.PositiveInfinity))).Current);
    }

    [Fact]
    public void Process_BatchOverload_EqualsProcessingOneByOne()
    {
        var signals = Enumerable.Range(0, 60)
            .Select(k => Signal(Threshold * (k % 20 < 8 ? 1.5 + (k % 3) : 0.3), sample: k, subject: k % 2 == 0 ? "a" : "b"))
            .ToList();
        var one = Tracker(Clock(), new AlertPolicy { Cooldown = TimeSpan.Zero });
        var batch = Tracker(Clock(), new AlertPolicy { Cooldown = TimeSpan.Zero });

        var oneByOne = signals.SelectMany(s => one.Process(s)).ToList();
        var together = batch.Process(signals);

        Assert.NotEmpty(oneByOne);
        Assert.Equal(oneByOne, together);
    }

    [Fact]
    public void Process_SameInputsAndClock_GiveSameIds()
    {
        var a = Tracker(Clock());
        var b = Tracker(Clock());

        Assert.Equal(a.Process(Signal(11, sample: 5))[0].Alert.Id, b.Process(Signal(11, sample: 5))[0].Alert.Id);
    }

    [Fact]
    public void Process_ManyRaiseClearCycles_GiveUniqueIds()
    {
        var time = Clock();
        var tracker = Tracker(time, new AlertPolicy { Cooldown = TimeSpan.Zero, ClearAfterEvaluations = 1 });
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var k = 0; k < 200; k++)
        {
            // Same sample and time every cycle: only the raise sequence tells them apart.
            var raised = Assert.Single(tracker.Process(Signal(11, sample: 1)));
            Assert.Single(tracker.Process(Signal(1, sample: 1)));
            Assert.True(ids.Add(raised.Alert.Id), $"duplicate id {raised.Alert.Id}");
            Assert.StartsWith("robot-7-behavior-divergence-", raised.Alert.Id, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Process_DifferentDevicesSameEverything_GiveDifferentIds()
    {
        var a = Tracker(Clock(), device: "robot-1");
        var b = Tracker(Clock(), device: "robot-2");

        Assert.NotEqual(a.Process(Signal(11))[0].Alert.Id, b.Process(Signal(11))[0].Alert.Id);
    }

    [Fact]
    public void Constructor_InvalidPolicy_ThrowsListingAllProblems()
    {
        var policy = new AlertPolicy { ClearRatio = 1.2, ClearAfterEvaluations = 0 };

        var ex = Assert.Throws<ArgumentException>(() => Tracker(Clock(), policy));

        Assert.Equal("policy", ex.ParamName);
        Assert.Contains("ClearRatio", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ClearAfterEvaluations", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_PolicyChangedAfterwards_DoesNotAffectTracker()
    {
        var policy = new AlertPolicy();
        var tracker = Tracker(Clock(), policy);
        policy.RaisedSeverity[AlertKind.BehaviorDivergence] = AlertSeverity.Info;
        policy.ClearAfterEvaluations = 1;

        Assert.Equal(AlertSeverity.Warning, tracker.Process(Signal(11))[0].Alert.Severity);
        Assert.Empty(tracker.Process(Signal(1)));
    }

    [Fact]
    public void Constructor_NullOrBlankArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => new AlertTracker(" ", "m", new AlertPolicy(), TimeProvider.System));
        Assert.Throws<ArgumentException>(() => new AlertTracker("d", "", new AlertPolicy(), TimeProvider.System));
        Assert.Throws<ArgumentNullException>(() => new AlertTracker("d", "m", null!, TimeProvider.System));
        Assert.Throws<ArgumentNullException>(() => new AlertTracker("d", "m", new AlertPolicy(), null!));
    }

    [Fact]
    public void Process_NullSignal_Throws()
    {
        var tracker = Tracker(Clock());

        Assert.Throws<ArgumentNullException>(() => tracker.Process((DetectionSignal)null!));
        Assert.Throws<ArgumentException>(() => tracker.Process([Signal(11), null!]));
        Assert.Empty(tracker.OpenAlerts); // a bad batch is rejected before any signal is processed
    }
}
