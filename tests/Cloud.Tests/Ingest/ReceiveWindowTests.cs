using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Ingest;

/// <summary>
/// The ingest's receive window against real Mosquitto 2.0.11 (which sends up to its <c>max_inflight_messages</c> of
/// 1000, and at times more than the receive maximum): with the store held, a flood of messages stops at the
/// window's bound in the aggregator — the rest stays in the broker — and once the store goes on, every message is
/// stored exactly once, on the same connection.
/// </summary>
#pragma warning disable CA1001 // disposed in DisposeAsync (xunit IAsyncLifetime)
public sealed class ReceiveWindowTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 22, 0, 0, TimeSpan.Zero);
    private static readonly SigningKey Key = SigningKey.FromBytes(Enumerable.Range(3, 32).Select(i => (byte)i).ToArray());

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-window-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(T0.AddSeconds(1)); // the supervisor waits on it: it never reconnects in these tests
    private readonly DeviceKeyRegistry _keys = new();
    private readonly IngestMetrics _metrics;
    private readonly List<IAsyncDisposable> _cleanup = [];
    private FlakyStore _store = null!;
    private MosquittoBroker _broker = null!;

    public ReceiveWindowTests() => _metrics = new IngestMetrics(_time);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _store = new FlakyStore(await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(_folder, "s.db") }, _time));
        _broker = await MosquittoBroker.StartAsync();
        _keys.Register("f1", "d1", Key);
    }

    public async Task DisposeAsync()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            await _cleanup[i].DisposeAsync();
        }

        await _broker.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Flood_StoreHeld_HoldsAtMostTheMessageBound_ThenStoresEverythingOnce()
    {
        const int messages = 1500;
        const int bound = 25;
        var ingestor = await StartAsync(new MqttIngestOptions { Port = _broker.Port, ClientId = "agg-w1", MaxQueuedMessages = bound });
        var hold = _store.HoldNextBatch();
        var device = await DeviceAsync();
        var (_, largest) = await PublishAlertsAsync(device, messages);

        // Mosquitto has every message (it acknowledged each to the device) and may send 1000 at once; the aggregator
        // holds the window's 25 — the writer's first batch (at most half) and the rest queued — and reads no more.
        await Eventually.TrueAsync(() => Task.FromResult(ingestor.Window.Messages == bound && ingestor.Window.Pauses >= 1 && ReceivedCount() == bound), "the window full, handled, and the reader stopped");
        Assert.Equal(bound, ingestor.Window.PeakMessages);
        Assert.Equal(0, await _store.CountMessagesAsync());

        hold.SetResult();
        await Eventually.TrueAsync(async () => await _store.CountMessagesAsync() == messages, $"{messages} stored", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => Task.FromResult(ingestor.Window.Messages == 0), "the window empty again");
        Assert.Equal(messages, _metrics.Stored.GetValueOrDefault("alert"));
        Assert.Equal(messages, ReceivedCount()); // each read once: no redelivery, no reconnect
        Assert.Empty(_metrics.Duplicates);
        Assert.Equal(0, _metrics.Reconnects);
        Assert.InRange(ingestor.Window.PeakMessages, 1, bound);
        Assert.InRange(ingestor.Window.PeakBytes, 1, bound * largest);
        Assert.Equal(0, ingestor.Window.Bytes);
    }

    [Fact]
    public async Task Flood_StoreHeld_HoldsAtMostTheByteBoundPlusOnePacket_ThenStoresEverythingOnce()
    {
        const int messages = 600;
        const long bound = 20_000;
        var ingestor = await StartAsync(new MqttIngestOptions { Port = _broker.Port, ClientId = "agg-w2", MaxQueuedBytes = bound });
        var hold = _store.HoldNextBatch();
        var device = await DeviceAsync();
        var (smallest, largest) = await PublishAlertsAsync(device, messages);

        await Eventually.TrueAsync(() => Task.FromResult(ingestor.Window.Pauses >= 1 && ingestor.Window.Bytes >= bound && ReceivedCount() == ingestor.Window.Messages), "the byte bound reached, handled, and the reader stopped");
        // The bound is checked before each packet is begun: at most one packet beyond it.
        Assert.InRange(ingestor.Window.Bytes, bound, bound + largest);
        Assert.InRange(ReceivedCount(), (int)(bound / largest), (int)(bound / smallest) + 1);

        hold.SetResult();
        await Eventually.TrueAsync(async () => await _store.CountMessagesAsync() == messages, $"{messages} stored", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => Task.FromResult(ingestor.Window.Messages == 0), "the window empty again");
        Assert.Equal(messages, ReceivedCount());
        Assert.Equal(0, _metrics.Reconnects);
        Assert.InRange(ingestor.Window.PeakBytes, bound, bound + largest);
        Assert.Equal(0, ingestor.Window.Bytes);
    }

    [Fact]
    public async Task ReaderStopped_LongerThanTwiceTheKeepAlive_ConnectionKept()
    {
        // Keep-alive 1 s: MQTTnet pings after 1 s without sending and gives up on the answer after 0.5 s; Mosquitto
        // drops a client silent for 1.5 s. With the store held, nothing is acknowledged and the PINGRESP would sit
        // behind unread messages. The reader's stall pings (every third of the keep-alive) must keep both satisfied.
        const int messages = 200;
        var ingestor = await StartAsync(new MqttIngestOptions { Port = _broker.Port, ClientId = "agg-w3", MaxQueuedMessages = 20, KeepAlive = TimeSpan.FromSeconds(1) });
        var hold = _store.HoldNextBatch();
        var device = await DeviceAsync();
        await PublishAlertsAsync(device, messages);

        await Eventually.TrueAsync(() => Task.FromResult(ingestor.Window.Pauses >= 1), "the reader stopped");
        var pings = ingestor.StallPings;
        await Eventually.TrueAsync(() => Task.FromResult(ingestor.StallPings >= pings + 7), "seven stall pings (≥ 2.3 s stopped)", TimeSpan.FromSeconds(20));
        Assert.True(ingestor.IsConnected);
        Assert.Equal(0, await _store.CountMessagesAsync());

        hold.SetResult();
        await Eventually.TrueAsync(async () => await _store.CountMessagesAsync() == messages, $"{messages} stored", TimeSpan.FromSeconds(30));
        Assert.True(ingestor.IsConnected);
        Assert.Equal(messages, ReceivedCount()); // nothing redelivered: the connection was never replaced
        Assert.Equal(0, _metrics.Reconnects);
        Assert.Empty(_metrics.Duplicates);
    }

    private long ReceivedCount() => _metrics.Received.Values.Sum();

    private async Task<MqttIngestor> StartAsync(MqttIngestOptions options)
    {
        options.SharedGroup = null;
        var ingestor = new MqttIngestor(options, _store, _keys, _metrics, _time);
        _cleanup.Add(ingestor);
        await ingestor.StartAsync();
        return ingestor;
    }

    private async Task<TestDevice> DeviceAsync()
    {
        var device = await TestDevice.ConnectAsync(_broker.Port, "f1", "d1", Key);
        _cleanup.Add(device);
        return device;
    }

    /// <summary>Publishes alerts 1..count (QoS 1, each acknowledged by the broker); returns a lower and an upper bound of one PUBLISH's size on the wire.</summary>
    private static async Task<(int Smallest, int Largest)> PublishAlertsAsync(TestDevice device, int count)
    {
        var (smallest, largest) = (int.MaxValue, 0);
        for (var i = 1; i <= count; i++)
        {
            var message = device.Seal(TopicKind.Alert, i, T0, AlertCodec.Encode(TestDevice.Alert($"d1-a{i}", "d1", T0)));
            (smallest, largest) = (Math.Min(smallest, message.Length), Math.Max(largest, message.Length));
            await device.PublishAsync(TopicKind.Alert, message);
        }

        // Topic (< 64 bytes), packet id, properties (content type and two user properties, < 128 bytes) and the fixed header.
        return (smallest, largest + 256);
    }
}
