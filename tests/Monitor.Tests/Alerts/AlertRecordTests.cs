using EdgeSentinel.Monitor.Alerts;
using static EdgeSentinel.Monitor.Tests.Alerts.AlertTestData;

namespace EdgeSentinel.Monitor.Tests.Alerts;

public sealed class AlertRecordTests
{
    private static Alert SampleAlert() => new(
        "robot-7-input-drift-0011223344556677", "robot-7", "sha256", AlertKind.InputDrift, "inputs",
        AlertSeverity.Warning, AlertState.Raised, 10, 20, Start, Start.AddSeconds(1), Evidence());

    [Fact]
    public void DetectionSignal_InvalidValues_Throw()
    {
        var evidence = Evidence();
        Assert.Throws<ArgumentOutOfRangeException>(() => new DetectionSignal(AlertKind.InputDrift, "s", double.NaN, 1, 0, 0, evidence));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DetectionSignal(AlertKind.InputDrift, "s", 1, 0, 0, 0, evidence));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DetectionSignal(AlertKind.InputDrift, "s", 1, double.PositiveInfinity, 0, 0, evidence));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DetectionSignal(AlertKind.InputDrift, "s", 1, 1, 5, 4, evidence));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DetectionSignal(AlertKind.InputDrift, "s", 1, 1, -1, 4, evidence));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DetectionSignal((AlertKind)99, "s", 1, 1, 0, 0, evidence));
        Assert.Throws<ArgumentException>(() => new DetectionSignal(AlertKind.InputDrift, "", 1, 1, 0, 0, evidence));
        Assert.Throws<ArgumentNullException>(() => new DetectionSignal(AlertKind.InputDrift, "s", 1, 1, 0, 0, null!));
    }

    [Fact]
    public void DetectionSignal_WithNaNScore_Throws()
    {
        var signal = Signal(1);

        Assert.Throws<ArgumentOutOfRangeException>(() => signal with { Score = double.NaN });
    }

    [Fact]
    public void DetectionSignal_ScoreEqualToThreshold_IsAboveThreshold()
    {
        Assert.True(Signal(10, threshold: 10).IsAboveThreshold);
        Assert.False(Signal(Math.BitDecrement(10.0), threshold: 10).IsAboveThreshold);
    }

    [Fact]
    public void AlertEvidence_CopiesTopChannels()
    {
        var channels = new List<ChannelContribution> { new("a", "ks", 0.2, 0.3) };
        var evidence = new AlertEvidence("ks", 0.2, 0.1, 0.01, "per window", channels);

        channels.Add(new ChannelContribution("b", "ks", 0.1, 0.1));

        Assert.Single(evidence.TopChannels);
        Assert.IsNotType<List<ChannelContribution>>(evidence.TopChannels);
    }

    [Fact]
    public void AlertEvidence_EqualContents_AreEqual()
    {
        var a = new AlertEvidence("ks", 0.2, 0.1, 0.01, "per window", [new ChannelContribution("a", "ks", 0.2, 0.3)]);
        var b = new AlertEvidence("ks", 0.2, 0.1, 0.01, "per window", [new ChannelContribution("a", "ks", 0.2, 0.3)]);
        var c = new AlertEvidence("ks", 0.2, 0.1, 0.01, "per window", [new ChannelContribution("b", "ks", 0.2, 0.3)]);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void AlertEvidence_InvalidValues_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlertEvidence("ks", double.NaN, 0.1, 0.01, "per window", []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlertEvidence("ks", 0.2, double.NaN, 0.01, "per window", []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlertEvidence("ks", 0.2, 0.1, 0, "per window", []));
        Assert.Throws<ArgumentException>(() => new AlertEvidence("ks", 0.2, 0.1, 0.01, " ", []));
        Assert.Throws<ArgumentNullException>(() => new AlertEvidence("ks", 0.2, 0.1, 0.01, "per window", null!));
        Assert.Throws<ArgumentException>(() => new AlertEvidence("ks", 0.2, 0.1, 0.01, "per window", [null!]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelContribution("a", "ks", double.NaN, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelContribution("a", "ks", 0, double.NaN));
    }

    [Fact]
    public void Alert_DeduplicationKey_IsDeviceKindSubject()
    {
        var alert = SampleAlert();

        Assert.Equal(new AlertDeduplicationKey("robot-7", AlertKind.InputDrift, "inputs"), alert.DeduplicationKey);
        Assert.Equal("robot-7/input-drift/inputs", alert.DeduplicationKey.ToString());
        Assert.Equal(alert.DeduplicationKey, (alert with { Severity = AlertSeverity.Critical, Id = "other" }).DeduplicationKey);
    }

    [Fact]
    public void Alert_InvalidValues_Throw()
    {
        var alert = SampleAlert();

        Assert.Throws<ArgumentOutOfRangeException>(() => new Alert(
            "id", "d", "m", AlertKind.InputDrift, "s", AlertSeverity.Info, AlertState.Raised, 5, 4, Start, Start, Evidence()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Alert(
            "id", "d", "m", AlertKind.InputDrift, "s", AlertSeverity.Info, AlertState.Raised, 0, 4, Start, Start.AddTicks(-1), Evidence()));
        Assert.Throws<ArgumentOutOfRangeException>(() => alert with { State = (AlertState)9 });
        Assert.Throws<ArgumentOutOfRangeException>(() => alert with { Severity = (AlertSeverity)9 });
        Assert.Throws<ArgumentException>(() => alert with { ModelHash = "" });
    }

    [Fact]
    public void AlertTransition_CurrentMustMatchAlertState()
    {
        var alert = SampleAlert();

        Assert.Throws<ArgumentException>(() => new AlertTransition(alert, null, AlertState.Cleared));
        var transition = new AlertTransition(alert, null, AlertState.Raised);
        var (a, previous, current) = transition;
        Assert.Same(alert, a);
        Assert.Null(previous);
        Assert.Equal(AlertState.Raised, current);
    }
}
