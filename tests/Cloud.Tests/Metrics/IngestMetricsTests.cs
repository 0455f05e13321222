using EdgeSentinel.Cloud.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Metrics;

public sealed class IngestMetricsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void StoredPerSecond_AveragesCompletedSecondsOfTheLastMinute()
    {
        var time = new FakeTimeProvider(T0);
        var metrics = new IngestMetrics(time);
        Assert.Equal(0, metrics.StoredPerSecond);
        for (var s = 0; s < 10; s++)
        {
            time.SetUtcNow(T0.AddSeconds(s));
            for (var i = 0; i < 3; i++)
            {
                metrics.RecordStored("alert", TimeSpan.FromSeconds(s));
            }
        }

        time.SetUtcNow(T0.AddSeconds(10));
        Assert.Equal(3.0, metrics.StoredPerSecond, 12); // 30 messages in the 10 s since start

        time.SetUtcNow(T0.AddSeconds(65));
        Assert.Equal(15.0 / 60, metrics.StoredPerSecond, 12); // seconds 5..9 remain in [5, 65)

        time.SetUtcNow(T0.AddSeconds(200));
        Assert.Equal(0, metrics.StoredPerSecond);
    }

    [Fact]
    public void StageTime_SummedPerStage_NegativeRefused()
    {
        var metrics = new IngestMetrics(new FakeTimeProvider(T0));
        Assert.Empty(metrics.StageSeconds);
        metrics.RecordStageTime("store", TimeSpan.FromMilliseconds(250));
        metrics.RecordStageTime("store", TimeSpan.FromMilliseconds(1500));
        metrics.RecordStageTime("verify", TimeSpan.FromTicks(1));
        metrics.RecordStageTime("acknowledge", TimeSpan.Zero);

        var stages = metrics.StageSeconds;
        Assert.Equal(3, stages.Count);
        Assert.Equal(1.75, stages["store"], 12);
        Assert.Equal(1e-7, stages["verify"], 12);
        Assert.Equal(0.0, stages["acknowledge"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => metrics.RecordStageTime("store", TimeSpan.FromTicks(-1)));
        Assert.Equal(1.75, metrics.StageSeconds["store"], 12); // unchanged by the refused value
    }

    [Fact]
    public void Counters_CountPerKeyAndLagKeepsSumLastAndMax()
    {
        var metrics = new IngestMetrics(new FakeTimeProvider(T0));
        metrics.RecordReceived("alert");
        metrics.RecordReceived("alert");
        metrics.RecordReceived("status");
        metrics.RecordRejected("bad-signature");
        metrics.RecordDuplicate("alert");
        metrics.RecordStored("alert", TimeSpan.FromSeconds(2));
        metrics.RecordStored("alert", TimeSpan.FromSeconds(0.5));
        metrics.RecordStored("status", TimeSpan.FromSeconds(-1)); // device clock ahead: counted as 0
        Assert.Equal(2, metrics.Received["alert"]);
        Assert.Equal(1, metrics.Received["status"]);
        Assert.Equal(1, metrics.Rejected["bad-signature"]);
        Assert.Equal(1, metrics.Duplicates["alert"]);
        Assert.Equal((2.5, 3L, 0.0, 2.0), metrics.Lag);
    }

    [Fact]
    public void PrometheusText_EscapesLabelValues()
    {
        var text = new PrometheusText().Family("m", "gauge", "help").Sample("m", 1.5, ("l", "a\"b\\c\nd")).ToString();
        Assert.Equal("# HELP m help\n# TYPE m gauge\nm{l=\"a\\\"b\\\\c\\nd\"} 1.5\n", text);
    }
}
