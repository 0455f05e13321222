using System.Net;
using System.Text.Json;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol.Envelopes;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests;

/// <summary>The composed aggregator end to end: a device publishes over a real broker, the HTTP API shows it.</summary>
public sealed class AggregatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task Start_DevicePublishes_AlertVisibleOverHttpAndCountedInMetrics()
    {
        var folder = Path.Combine(Path.GetTempPath(), "es-agg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var time = new FakeTimeProvider(T0.AddSeconds(2));
        var key = SigningKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var keys = new DeviceKeyRegistry();
        keys.Register("f1", "d1", key);
        try
        {
            await using var broker = await InProcessBroker.StartAsync();
            var options = new AggregatorOptions { HttpUrl = "http://127.0.0.1:0" };
            options.Sqlite.Path = Path.Combine(folder, "s.db");
            options.Mqtt.Port = broker.Port;
            await using var aggregator = await Aggregator.StartAsync(options, keys, time);
            await using var device = await TestDevice.ConnectAsync(broker.Port, "f1", "d1", key);
            await device.PublishAlertAsync(TestDevice.Alert("d1-a1", "d1", T0), 1, T0);
            await device.PublishAlertAsync(TestDevice.Alert("d1-forged", "d1", T0), 2, T0, key: SigningKey.FromBytes(new byte[32]));
            await Eventually.TrueAsync(async () => (await aggregator.Store.CountRejectionsByReasonAsync()).Count == 1 && await aggregator.Store.CountMessagesAsync() == 1, "one stored, one rejected");

            using var http = new HttpClient { BaseAddress = aggregator.Http.Address };
            var alerts = JsonDocument.Parse(await http.GetStringAsync("/api/alerts?fleet=f1&device=d1")).RootElement;
            Assert.Equal(["d1-a1"], alerts.EnumerateArray().Select(a => a.GetProperty("id").GetString()));
            var metrics = await http.GetStringAsync("/metrics");
            Assert.Contains("edgesentinel_ingest_stored_total{kind=\"alert\"} 1\n", metrics, StringComparison.Ordinal);
            Assert.Contains("edgesentinel_ingest_rejected_total{reason=\"bad-signature\"} 1\n", metrics, StringComparison.Ordinal);
            Assert.Contains("edgesentinel_ingest_lag_seconds_sum 2\n", metrics, StringComparison.Ordinal); // received at T0 + 2 s, signed at T0
            using var health = await http.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Start_InvalidOptions_ListsEveryProblemWithItsPath()
    {
        var options = new AggregatorOptions { HttpUrl = "ftp://x", PostgresConnectionString = " " };
        options.Mqtt.Port = 0;
        options.Fleet.OfflineAfterKeepAlives = 0;
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Aggregator.StartAsync(options, new DeviceKeyRegistry()));
        Assert.Contains("PostgresConnectionString:", error.Message, StringComparison.Ordinal);
        Assert.Contains("Mqtt.Port: 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fleet.OfflineAfterKeepAlives: 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("HttpUrl: 'ftp://x'", error.Message, StringComparison.Ordinal);
    }
}
