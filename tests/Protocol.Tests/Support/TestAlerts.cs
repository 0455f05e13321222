using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Protocol.Tests.Support;

internal static class TestAlerts
{
    public static readonly DateTimeOffset Raised = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);

    /// <summary>An alert with every kind of awkward value: ±∞ statistics, ticks-precision times, non-ASCII text.</summary>
    public static Alert Sample(string device = "dev-7", long first = 1000) => new(
        id: $"{device}-input-drift-0123456789abcdef",
        deviceId: device,
        modelHash: new string('a', 64),
        kind: AlertKind.InputDrift,
        subject: "inputs",
        severity: AlertSeverity.Warning,
        state: AlertState.Escalated,
        firstSample: first,
        lastSample: first + 255,
        raisedAt: Raised.AddTicks(1234567),
        updatedAt: Raised.AddSeconds(90).AddTicks(7),
        evidence: new AlertEvidence(
            "min-holm-adjusted-p",
            double.PositiveInfinity,
            9.75,
            1e-6,
            "per window",
            [
                new ChannelContribution("input.speed", "ks", 0.3125, double.NegativeInfinity),
                new ChannelContribution("input.load°", "psi", 1.5e-300, 2.220446049250313e-16),
            ]));
}
