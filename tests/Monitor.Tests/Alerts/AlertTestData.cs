using EdgeSentinel.Monitor.Alerts;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Monitor.Tests.Alerts;

internal static class AlertTestData
{
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider Clock() => new(Start);

    public static AlertEvidence Evidence(double value = 1.0, string channel = "out.steer") =>
        new("cusum", value, 10.0, 1e-6, "per sample", [new ChannelContribution(channel, "cusum", value, 0.5)]);

    public static DetectionSignal Signal(
        double score,
        long sample = 0,
        AlertKind kind = AlertKind.BehaviorDivergence,
        string subject = "behavior",
        double threshold = 10.0) =>
        new(kind, subject, score, threshold, sample, sample, Evidence(score));
}
