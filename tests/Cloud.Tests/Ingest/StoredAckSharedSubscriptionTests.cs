using System.Buffers;
using System.Collections.Concurrent;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeSentinel.Cloud.Tests.Ingest;

/// <summary>
/// Stored acknowledgements (on by default) with two aggregators on one shared subscription: each member's
/// acknowledgement names only what it settled, so one member's ack never covers a message another member
/// still holds unstored (the "stored through N" mark did: a device then let go of an alert nobody had stored).
/// </summary>
public sealed class StoredAckSharedSubscriptionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Defaults_PublishStoredAcks()
    {
        Assert.True(new MqttIngestOptions().PublishStoredAcks);
    }

    [Fact]
    public async Task OneMemberHoldsAMessageUnstored_TheOtherMembersAcksNeverNameIt_EveryNamedMessageWasStoredWhenNamed()
    {
        var folder = Path.Combine(Path.GetTempPath(), "es-ackshare-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var time = new FakeTimeProvider(T0.AddSeconds(1));
        var key = SigningKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var keys = new DeviceKeyRegistry();
        keys.Register("f1", "d1", key);
        try
        {
            await using var broker = await MosquittoBroker.StartAsync();
            await using var store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "s.db") }, time);
            var held = new HeldStore(store);
            var metricsA = new IngestMetrics(time);
            var metricsB = new IngestMetrics(time);
            await using var a = new MqttIngestor(new MqttIngestOptions { Port = broker.Port, ClientId = "agg-a" }, held, keys, metricsA, time);
            await using var b = new MqttIngestor(new MqttIngestOptions { Port = broker.Port, ClientId = "agg-b" }, store, keys, metricsB, time);
            await a.StartAsync();
            await b.StartAsync();

            // What a device sees on its ack topic; each named sequence is checked against the store on arrival.
            var named = new ConcurrentQueue<long>();
            var namedUnstored = new ConcurrentQueue<long>();
            using var listener = await ListenForAcksAsync(broker.Port, key, async s =>
            {
                named.Enqueue(s);
                if (!await store.ContainsMessageAsync(new MessageKey("f1", "d1", s)))
                {
                    namedUnstored.Enqueue(s);
                }
            }, () => namedUnstored.Enqueue(-1)); // an ack the device would refuse

            // Member A's first group commit waits; member B goes on storing the rest of its share.
            var gate = held.HoldNextBatch();
            await using var device = await TestDevice.ConnectAsync(broker.Port, "f1", "d1", key);
            const int alerts = 12;
            for (var seq = 1; seq <= alerts; seq++)
            {
                await device.PublishAlertAsync(TestDevice.Alert($"d1-a{seq}", "d1", T0), seq, T0);
            }

            await Eventually.TrueAsync(() => Task.FromResult(held.HeldKeys is not null), "member A holds a batch");
            var heldSequences = held.HeldKeys!.Select(k => k.Sequence).ToList();
            var heldBelow = heldSequences.Min();
            await Eventually.TrueAsync(() => Task.FromResult(named.Any(s => s > heldBelow)), $"member B named a sequence above the held {heldBelow}");
            Assert.DoesNotContain(named, heldSequences.Contains); // a "stored through N" mark from B would have named them
            Assert.Empty(namedUnstored);

            // Released, A stores its share and names it.
            gate.SetResult();
            await Eventually.TrueAsync(async () => await store.CountMessagesAsync() == alerts, $"{alerts} alerts stored");
            await Eventually.TrueAsync(() => Task.FromResult(Enumerable.Range(1, alerts).All(s => named.Contains(s))), "every alert named by some member");
            Assert.Empty(namedUnstored);
            Assert.True(metricsA.Received.GetValueOrDefault("alert") > 0 && metricsB.Received.GetValueOrDefault("alert") > 0, "both members took a share");
            Assert.Equal(alerts, metricsA.Received.GetValueOrDefault("alert") + metricsB.Received.GetValueOrDefault("alert")); // own acks are not delivered back to the group
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task RefusedForGood_IsNamedOnceRecorded_ForgedOrOnlyAheadOfTheClock_IsNot()
    {
        var folder = Path.Combine(Path.GetTempPath(), "es-acksettle-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var time = new FakeTimeProvider(T0.AddSeconds(1));
        var key = SigningKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var forger = SigningKey.FromBytes(Enumerable.Range(2, 32).Select(i => (byte)i).ToArray());
        var keys = new DeviceKeyRegistry();
        keys.Register("f1", "d1", key);
        try
        {
            await using var broker = await MosquittoBroker.StartAsync();
            await using var store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "s.db") }, time);
            await using var ingest = new MqttIngestor(new MqttIngestOptions { Port = broker.Port }, store, keys, new IngestMetrics(time), time);
            await ingest.StartAsync();
            var named = new ConcurrentQueue<long>();
            using var listener = await ListenForAcksAsync(broker.Port, key, s =>
            {
                named.Enqueue(s);
                return Task.CompletedTask;
            }, () => named.Enqueue(-1));

            await using var device = await TestDevice.ConnectAsync(broker.Port, "f1", "d1", key);
            await device.PublishAlertAsync(TestDevice.Alert("d1-old", "d1", T0), 1, T0.AddDays(-8)); // older than the 7-day limit: never storable
            await device.PublishAlertAsync(TestDevice.Alert("d1-forged", "d1", T0), 2, T0, forger); // not the device's
            await device.PublishAlertAsync(TestDevice.Alert("d1-ahead", "d1", T0), 3, T0.AddHours(1)); // ahead of our clock: may be accepted later
            await device.PublishAlertAsync(TestDevice.Alert("d1-ok", "d1", T0), 4, T0);
            await Eventually.TrueAsync(() => Task.FromResult(named.Contains(4)), "the stored alert named");
            await Eventually.TrueAsync(async () => (await store.CountRejectionsByReasonAsync()).Values.Sum() == 3, "three refusals recorded");

            Assert.Equal([1L, 4L], named.Distinct().Order());
            var rejections = await store.CountRejectionsByReasonAsync();
            Assert.Equal(2, rejections["stale"]);
            Assert.Equal(1, rejections["bad-signature"]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Subscribes to d1's ack topic as its device would: every sequence a valid ack names goes to <paramref name="named"/>; an ack d1 would refuse calls <paramref name="refused"/>.</summary>
    private static async Task<IMqttClient> ListenForAcksAsync(int port, SigningKey key, Func<long, Task> named, Action refused)
    {
        var listener = new MqttClientFactory().CreateMqttClient();
        listener.ApplicationMessageReceivedAsync += async e =>
        {
            if (!StoredAck.TryDecode(key, "f1", "d1", e.ApplicationMessage.Payload.ToArray(), out var ranges, out _))
            {
                refused();
                return;
            }

            foreach (var range in ranges)
            {
                for (var s = range.From; s <= range.To; s++)
                {
                    await named(s);
                }
            }
        };
        await listener.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("d1-ack-listener").WithProtocolVersion(MqttProtocolVersion.V500).Build());
        await listener.SubscribeAsync(StoredAck.Topic("f1", "d1"));
        return listener;
    }

    /// <summary>Holds the next group commit (recording its keys) until released.</summary>
    private sealed class HeldStore(IAggregatorStore inner) : ForwardingStore(inner)
    {
        private TaskCompletionSource? _gate;

        public IReadOnlyList<MessageKey>? HeldKeys { get; private set; }

        public TaskCompletionSource HoldNextBatch() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _gate, null) is { } gate)
            {
                HeldKeys = [.. messages.Select(m => m.Key)];
                await gate.Task.WaitAsync(cancellationToken);
            }

            return await Inner.StoreBatchAsync(messages, cancellationToken);
        }
    }
}
