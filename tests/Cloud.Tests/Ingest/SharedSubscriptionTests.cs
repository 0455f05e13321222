using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol.Envelopes;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Ingest;

/// <summary>Two aggregator instances on one Mosquitto (which grants shared subscriptions) and one store.</summary>
public sealed class SharedSubscriptionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task TwoInstances_SharedSubscription_SplitTheLoadAndStoreEachAlertOnce()
    {
        var folder = Path.Combine(Path.GetTempPath(), "es-shared-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var time = new FakeTimeProvider(T0.AddSeconds(1));
        var key = SigningKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var keys = new DeviceKeyRegistry();
        keys.Register("f1", "d1", key);
        try
        {
            await using var broker = await MosquittoBroker.StartAsync();
            await using var store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "s.db") }, time);
            var metricsA = new IngestMetrics(time);
            var metricsB = new IngestMetrics(time);
            await using var a = new MqttIngestor(new MqttIngestOptions { Port = broker.Port, ClientId = "agg-a" }, store, keys, metricsA, time);
            await using var b = new MqttIngestor(new MqttIngestOptions { Port = broker.Port, ClientId = "agg-b" }, store, keys, metricsB, time);
            await a.StartAsync();
            await b.StartAsync();
            Assert.Equal(SubscriptionMode.Shared, a.Mode);
            Assert.Equal(SubscriptionMode.Shared, b.Mode);

            await using var device = await TestDevice.ConnectAsync(broker.Port, "f1", "d1", key);
            const int alerts = 40;
            for (var seq = 1; seq <= alerts; seq++)
            {
                await device.PublishAlertAsync(TestDevice.Alert($"d1-a{seq}", "d1", T0), seq, T0);
            }

            await Eventually.TrueAsync(async () => await store.CountMessagesAsync() == alerts, $"{alerts} alerts stored");
            var receivedA = metricsA.Received.GetValueOrDefault("alert");
            var receivedB = metricsB.Received.GetValueOrDefault("alert");
            Assert.Equal(alerts, receivedA + receivedB); // each message went to exactly one instance
            Assert.True(receivedA > 0 && receivedB > 0, $"load not split: {receivedA} / {receivedB}");
            Assert.Equal(alerts, (await store.QueryAlertsAsync(new AlertQuery())).Count);
            Assert.Empty(await store.CountRejectionsByReasonAsync());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
