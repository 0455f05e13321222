using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Monitor.Tests.Alerts;

public sealed class WireNameTests
{
    [Fact]
    public void AlertKinds_AllKinds_RoundTripThroughWireNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kind in Enum.GetValues<AlertKind>())
        {
            var name = AlertKinds.ToWireName(kind);
            Assert.True(names.Add(name), $"duplicate wire name {name}");
            Assert.True(AlertKinds.TryParse(name, out var parsed));
            Assert.Equal(kind, parsed);
        }

        Assert.Equal(7, names.Count);
    }

    [Theory]
    [InlineData(AlertKind.InputDrift, "input-drift")]
    [InlineData(AlertKind.BehaviorDivergence, "behavior-divergence")]
    [InlineData(AlertKind.ActivationAnomaly, "activation-anomaly")]
    [InlineData(AlertKind.CueSensitivity, "cue-sensitivity")]
    [InlineData(AlertKind.CanaryMismatch, "canary-mismatch")]
    [InlineData(AlertKind.ModelIdentity, "model-identity")]
    [InlineData(AlertKind.RuntimeHealth, "runtime-health")]
    public void AlertKinds_ToWireName_MatchesDesign(AlertKind kind, string expected)
    {
        Assert.Equal(expected, AlertKinds.ToWireName(kind));
    }

    [Fact]
    public void AlertSeveritiesAndStates_AllValues_RoundTripThroughWireNames()
    {
        foreach (var severity in Enum.GetValues<AlertSeverity>())
        {
            Assert.True(AlertSeverities.TryParse(AlertSeverities.ToWireName(severity), out var parsed));
            Assert.Equal(severity, parsed);
        }

        foreach (var state in Enum.GetValues<AlertState>())
        {
            Assert.True(AlertStates.TryParse(AlertStates.ToWireName(state), out var parsed));
            Assert.Equal(state, parsed);
        }

        Assert.Equal(["info", "warning", "critical"], Enum.GetValues<AlertSeverity>().Select(AlertSeverities.ToWireName));
        Assert.Equal(["raised", "escalated", "cleared"], Enum.GetValues<AlertState>().Select(AlertStates.ToWireName));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Input-Drift")]
    [InlineData("input_drift")]
    [InlineData(" input-drift")]
    [InlineData("acknowledged")]
    public void TryParse_UnknownOrMiscasedName_ReturnsFalse(string? name)
    {
        Assert.False(AlertKinds.TryParse(name, out _));
        Assert.False(AlertSeverities.TryParse(name, out _));
        Assert.False(AlertStates.TryParse(name, out _));
    }

    [Fact]
    public void ToWireName_UndefinedValue_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AlertKinds.ToWireName((AlertKind)99));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlertSeverities.ToWireName((AlertSeverity)99));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlertStates.ToWireName((AlertState)99));
    }
}
