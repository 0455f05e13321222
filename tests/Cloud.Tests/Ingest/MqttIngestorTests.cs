using System.Text;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Ingest;

/// <summary>The ingest against a real in-process MQTTnet broker on loopback, run against every store.</summary>
#pragma warning disable CA1001 // disposed in DisposeAsync (xunit IAsyncLifetime)
public abstract class MqttIngestorTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 30, 0, TimeSpan.Zero);
    private static readonly SigningKey Key1 = SigningKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly SigningKey Forger = SigningKey.FromBytes(Enumerable.Range(50, 32).Select(i => (byte)i).ToArray());

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-ingest-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(T0.AddSeconds(1));
    private readonly DeviceKeyRegistry _keys = new();
    private readonly IngestMetrics _metrics;
    private readonly List<IAsyncDisposable> _cleanup = [];
    private FlakyStore _store = null!;
    private InProcessBroker _broker = null!;

    protected MqttIngestorTests() => _metrics = new IngestMetrics(_time);

    protected FakeTimeProvider Time => _time;

    protected string Folder => _folder;

    /// <summary>Opens a fresh store for the test.</summary>
    protected abstract Task<IAggregatorStore> OpenStoreAsync();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _store = new FlakyStore(await OpenStoreAsync());
        _broker = await InProcessBroker.StartAsync();
        _keys.Register("f1", "d1", Key1);
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

    private async Task<MqttIngestor> StartIngestorAsync(string clientId = "agg-1", int? port = null)
    {
        var ingestor = new MqttIngestor(new MqttIngestOptions { Port = port ?? _broker.Port, ClientId = clientId }, _store, _keys, _metrics, _time);
        _cleanup.Add(ingestor);
        await ingestor.StartAsync();
        return ingestor;
    }

    private async Task<TestDevice> DeviceAsync(string device = "d1", SigningKey? key = null)
    {
        var d = await TestDevice.ConnectAsync(_broker.Port, "f1", device, key ?? Key1);
        _cleanup.Add(d);
        return d;
    }

    private Task WaitStoredAsync(long messages) =>
        Eventually.TrueAsync(async () => await _store.CountMessagesAsync() >= messages, $"{messages} stored message(s)");

    /// <summary>Every message received is stored and acknowledged: the writer is idle (it settles a batch as it finishes it).</summary>
    private static Task WaitSettledAsync(MqttIngestor ingestor) =>
        Eventually.TrueAsync(() => Task.FromResult(ingestor.Window.Messages == 0), "every received message settled");

    /// <summary>The stored counter moves just after the commit that <see cref="WaitStoredAsync"/> sees: wait for it too.</summary>
    private Task WaitCountedAsync(string kind, long count) =>
        Eventually.TrueAsync(() => Task.FromResult(_metrics.Stored.GetValueOrDefault(kind) == count), $"{count} {kind} message(s) counted as stored");

    private Task WaitRejectedAsync(string reason, long count = 1) =>
        Eventually.TrueAsync(async () => (await _store.CountRejectionsByReasonAsync()).GetValueOrDefault(reason) >= count, $"{count} rejection(s) '{reason}'");

    [Fact]
    public async Task Start_InProcessBrokerRefusesSharedSubscriptions_FallsBackToPlain()
    {
        var ingestor = await StartIngestorAsync();
        Assert.True(ingestor.IsConnected);
        Assert.Equal(SubscriptionMode.Plain, ingestor.Mode);
        Assert.Equal("d1", Assert.Single(await _store.GetDevicesAsync("f1")).Device);
        Assert.Equal(DeviceKeyRegistry.KeyIdOf(Key1), (await _store.GetDeviceAsync("f1", "d1"))!.KeyId);
    }

    [Fact]
    public async Task SignedAlert_DeliveredTwice_StoredExactlyOnce()
    {
        await StartIngestorAsync();
        var device = await DeviceAsync();
        var message = device.Seal(TopicKind.Alert, 1, T0, AlertCodec.Encode(TestDevice.Alert("d1-a1", "d1", T0)));
        await device.PublishAsync(TopicKind.Alert, message);
        await device.PublishAsync(TopicKind.Alert, message);

        await Eventually.TrueAsync(() => Task.FromResult(_metrics.Duplicates.GetValueOrDefault("alert") == 1), "the redelivery counted as a duplicate");
        Assert.Equal(1, await _store.CountMessagesAsync());
        Assert.Equal(1, _metrics.Stored["alert"]);
        Assert.Empty(await _store.CountRejectionsByReasonAsync());
        var alert = await _store.GetAlertAsync("d1-a1");
        Assert.NotNull(alert);
        Assert.Equal(("f1", "d1", "input-drift", "warning", "raised"), (alert.Fleet, alert.Device, alert.Kind, alert.Severity, alert.State));
        Assert.Contains("\"statistic\":\"min-holm-adjusted-p\"", alert.EvidenceJson, StringComparison.Ordinal);
        Assert.Contains("\"channel\":\"input.x\"", alert.EvidenceJson, StringComparison.Ordinal);
        Assert.Single(await _store.GetAlertHistoryAsync("d1-a1"));
    }

    [Fact]
    public async Task GroupCommit_MessagesArrivingWhileAStoreIsInProgress_StoredTogetherInOneTransaction()
    {
        await StartIngestorAsync();
        var device = await DeviceAsync();
        var gate = _store.HoldNextBatch();
        await device.PublishAsync(TopicKind.Alert, device.Seal(TopicKind.Alert, 1, T0, AlertCodec.Encode(TestDevice.Alert("d1-a1", "d1", T0))));
        for (var seq = 2; seq <= 31; seq++)
        {
            await device.PublishAsync(TopicKind.Alert, device.Seal(TopicKind.Alert, seq, T0, AlertCodec.Encode(TestDevice.Alert($"d1-a{seq}", "d1", T0))));
        }

        // All 31 received (verified and queued, none stored: the first batch is held).
        await Eventually.TrueAsync(() => Task.FromResult(_metrics.Received.GetValueOrDefault("alert") == 31), "31 alerts received");
        Assert.Equal(0, await _store.CountMessagesAsync());
        gate.SetResult();

        await WaitStoredAsync(31);
        // The batch metrics are recorded after the commit that WaitStoredAsync sees: wait for them too. The held batch (the
        // first message, or the first two if the second was queued before the writer took it), then the rest in one transaction.
        await Eventually.TrueAsync(() => Task.FromResult(_metrics.BatchedMessages == 31), "31 messages counted in batches");
        Assert.Equal(2L, _metrics.Batches);
        await WaitCountedAsync("alert", 31);
        Assert.Equal(31L, (await _store.GetHighestSequencesAsync()).Single().Value);
        Assert.Empty(await _store.CountRejectionsByReasonAsync());
    }

    [Fact]
    public async Task Pipeline_MessagesArrivingWhileABatchIsStored_AuthenticatedMeanwhile_DecidedStoredAndAcknowledgedAfterIt()
    {
        var ingestor = await StartIngestorAsync();
        var device = await DeviceAsync();
        var gate = _store.HoldNextBatch();
        var first = device.Seal(TopicKind.Alert, 1, T0, AlertCodec.Encode(TestDevice.Alert("d1-a1", "d1", T0)));
        await device.PublishAsync(TopicKind.Alert, first);
        await Eventually.TrueAsync(() => Task.FromResult(ingestor.Authenticated == 1), "the first alert authenticated: its batch alone is being stored");

        // While that batch is held in the store: 30 new alerts, a redelivery of the first, and a forged alert arrive.
        for (var seq = 2; seq <= 31; seq++)
        {
            await device.PublishAsync(TopicKind.Alert, device.Seal(TopicKind.Alert, seq, T0, AlertCodec.Encode(TestDevice.Alert($"d1-a{seq}", "d1", T0))));
        }

        await device.PublishAsync(TopicKind.Alert, first);
        await device.PublishAlertAsync(TestDevice.Alert("d1-forged", "d1", T0), 32, T0, key: Forger);

        // All 33 are authenticated before the held batch commits; none is decided, stored or refused yet.
        await Eventually.TrueAsync(() => Task.FromResult(ingestor.Authenticated == 33), "33 messages authenticated while the first batch is held");
        Assert.Equal(0, await _store.CountMessagesAsync());
        Assert.Empty(await _store.CountRejectionsByReasonAsync());
        Assert.Equal(33, ingestor.Window.Messages);
        gate.SetResult();

        // Then, in order: the first batch commits; the next one holds the 30 new alerts and the redelivery (a duplicate, after
        // the first batch's commit), and the forged alert is refused. Every message is settled.
        await WaitStoredAsync(31);
        await WaitCountedAsync("alert", 31);
        await WaitRejectedAsync("bad-signature");
        await WaitSettledAsync(ingestor);
        Assert.Equal(1, _metrics.Duplicates["alert"]);
        Assert.Equal(2L, _metrics.Batches);
        Assert.Equal(32L, _metrics.BatchedMessages);
        Assert.Null(await _store.GetAlertAsync("d1-forged"));
        Assert.Equal(31L, (await _store.GetHighestSequencesAsync()).Single().Value);
    }

    [Fact]
    public async Task AggregatorRestart_RedeliveryOfStoredAlert_IsADuplicateNotAReplay()
    {
        var first = await StartIngestorAsync("agg-a");
        var device = await DeviceAsync();
        var message = device.Seal(TopicKind.Alert, 5, T0, AlertCodec.Encode(TestDevice.Alert("d1-a5", "d1", T0)));
        await device.PublishAsync(TopicKind.Alert, message);
        await WaitStoredAsync(1);
        await first.DisposeAsync();
        _cleanup.Remove(first);

        await StartIngestorAsync("agg-b"); // a new instance: its replay guard is seeded from the store
        await device.PublishAsync(TopicKind.Alert, message);
        await Eventually.TrueAsync(() => Task.FromResult(_metrics.Duplicates.GetValueOrDefault("alert") == 1), "duplicate after restart");
        Assert.Equal(1, await _store.CountMessagesAsync());
        Assert.Empty(await _store.CountRejectionsByReasonAsync());
    }

    [Fact]
    public async Task ForgedAlert_RejectedWithReason_NextValidOneStored()
    {
        await StartIngestorAsync();
        var device = await DeviceAsync();
        await device.PublishAlertAsync(TestDevice.Alert("d1-forged", "d1", T0), 1, T0, key: Forger);
        await WaitRejectedAsync("bad-signature");
        Assert.Null(await _store.GetAlertAsync("d1-forged"));

        await device.PublishAlertAsync(TestDevice.Alert("d1-real", "d1", T0), 1, T0);
        await WaitStoredAsync(1);
        Assert.NotNull(await _store.GetAlertAsync("d1-real"));
        Assert.Equal(1, _metrics.Rejected["bad-signature"]);
        var rejection = Assert.Single(await _store.GetRejectionsAsync());
        Assert.Equal(("f1", "d1", "edgesentinel/v1/f1/d1/alert"), (rejection.Fleet, rejection.Device, rejection.Topic));
        Assert.Contains("signature", rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadMessages_EachRejectedWithItsReason_IngestKeepsStoring()
    {
        await StartIngestorAsync();
        var device = await DeviceAsync();
        var stranger = await DeviceAsync("d9", Forger);
        var alert = AlertCodec.Encode(TestDevice.Alert("d1-ok", "d1", T0));

        // Truncated JSON.
        var whole = device.Seal(TopicKind.Alert, 1, T0, alert);
        await device.PublishAsync(TopicKind.Alert, whole[..(whole.Length / 2)]);
        await WaitRejectedAsync("malformed");

        // Wrong schema version in the MQTT 5 user property.
        await device.PublishAsync(TopicKind.Alert, whole, WireFormat.PropertiesFor(TopicKind.Alert) with { SchemaVersion = "9" });
        await WaitRejectedAsync("unsupported-version");

        // Oversized payload.
        await device.PublishAsync(TopicKind.Alert, Encoding.UTF8.GetBytes(new string(' ', 70_000)));
        await WaitRejectedAsync("oversized");

        // A device nobody registered.
        await stranger.PublishAlertAsync(TestDevice.Alert("d9-a", "d9", T0), 1, T0);
        await WaitRejectedAsync("unknown-device");

        // Stale: signed a day before the allowed age.
        await device.PublishAlertAsync(TestDevice.Alert("d1-old", "d1", T0), 2, T0.AddDays(-8));
        await WaitRejectedAsync("stale");

        // Not an EdgeSentinel topic level: the ingest subscribes to alert, fingerprint and status only (not .../+, which
        // also matched the stored acknowledgements it publishes), so the broker does not deliver it at all.
        await device.PublishAsync(TopicKind.Alert, whole, topic: "edgesentinel/v1/f1/d1/telemetry");

        await device.PublishAsync(TopicKind.Alert, whole);
        await WaitStoredAsync(1); // anything delivered before it on this connection would have been handled first
        Assert.NotNull(await _store.GetAlertAsync("d1-ok"));
        Assert.False(_metrics.Received.ContainsKey("unknown"));
        Assert.False((await _store.CountRejectionsByReasonAsync()).ContainsKey("invalid-topic"));

        // A first delivery that arrives late (sequence 7 after 10 — e.g. held in the session of a restarted member of a
        // shared group while the others stored later ones): authentic and fresh, so it is stored, not lost as a "replay".
        await device.PublishAlertAsync(TestDevice.Alert("d1-next", "d1", T0), 10, T0);
        await WaitStoredAsync(2);
        await device.PublishAlertAsync(TestDevice.Alert("d1-late", "d1", T0), 7, T0);
        await WaitStoredAsync(3);
        Assert.NotNull(await _store.GetAlertAsync("d1-late"));

        // Replaying it changes nothing: a duplicate of a stored message.
        await device.PublishAlertAsync(TestDevice.Alert("d1-late", "d1", T0), 7, T0);
        await Eventually.TrueAsync(() => Task.FromResult(_metrics.Duplicates.GetValueOrDefault("alert") == 1), "the replay counted as a duplicate");
        Assert.Equal(3, await _store.CountMessagesAsync());

        // A status older than what is stored is superseded state: rejected as replayed, not stored.
        await device.PublishStatusAsync(new StatusReport(DeviceState.Online, 1, 3, 4, 2, 5), 5, T0);
        await WaitRejectedAsync("replayed");
        Assert.Equal(3, await _store.CountMessagesAsync());

        var counts = await _store.CountRejectionsByReasonAsync();
        Assert.Equal(6, counts.Values.Sum());
        Assert.Equal(counts.OrderBy(p => p.Key).ToList(), _metrics.Rejected.OrderBy(p => p.Key).ToList());
    }

    [Fact]
    public async Task StoreFailsOnce_RetriedAtOnce_StoredWithoutReconnect()
    {
        await StartIngestorAsync();
        var device = await DeviceAsync();
        _store.FailNext(1); // e.g. a deadlock with another aggregator's group commit
        await device.PublishAlertAsync(TestDevice.Alert("d1-a1", "d1", T0), 1, T0);
        await WaitStoredAsync(1); // the fake clock stands still: no supervisor round, so no reconnect could have done it
        Assert.Equal((1, 1L, 0L), (_store.Failed, _metrics.StoreFailures, _metrics.Reconnects));
        await device.PublishAlertAsync(TestDevice.Alert("d1-a2", "d1", T0), 2, T0);
        await WaitStoredAsync(2);
        await WaitCountedAsync("alert", 2);
    }

    [Fact]
    public async Task StatusAndFingerprint_StoredOnTheDevice()
    {
        await StartIngestorAsync();
        var device = await DeviceAsync();
        await device.PublishStatusAsync(new StatusReport(DeviceState.Online, 1, 3, 4, 2, 5), 2, T0);
        var window = TestFingerprints.Windows(seed: 5, windows: 1)[0];
        await device.PublishFingerprintAsync(new FingerprintReport("model-a", T0, T0.AddMinutes(1), 1, window), 3, T0);
        await WaitStoredAsync(2);

        var record = await _store.GetDeviceAsync("f1", "d1");
        Assert.Equal(("online", 7L, 2L, "model-a"), (record!.Status, record.OutboxDepth, record.DroppedFingerprints, record.ModelHash));
        var stored = Assert.Single(await _store.GetFingerprintsAsync("f1", "d1", T0, T0.AddHours(1)));
        Assert.Equal(window.ToBytes(), Fingerprint.FromBytes(stored.Data.Span).ToBytes());
        Assert.Equal(TestFingerprints.WindowSize, stored.ObservationCount);
        await WaitCountedAsync("fingerprint", 1);
        await WaitCountedAsync("status", 1);
        Assert.Null(record.OutboxFault);

        // A device that cannot write its outbox says so in its status; the fault reaches the device record.
        await device.PublishStatusAsync(new StatusReport(DeviceState.Online, 1, 9, 4, 2, 5, outboxFault: "disk full: No space left on device"), 4, T0);
        await WaitStoredAsync(3);
        Assert.Equal("disk full: No space left on device", (await _store.GetDeviceAsync("f1", "d1"))!.OutboxFault);
    }

    [Fact]
    public async Task LastWill_SignedAtConnectWithAnOlderSequence_MarksTheDeviceOffline()
    {
        await StartIngestorAsync();
        var device = await DeviceAsync();
        var will = device.Seal(TopicKind.Status, 1, T0, StatusCodec.Encode(new StatusReport(DeviceState.Offline, 1, 0, 0, 0, 0)));
        await device.PublishStatusAsync(new StatusReport(DeviceState.Online, 1, 0, 0, 0, 0), 2, T0);
        await device.PublishAlertAsync(TestDevice.Alert("d1-a3", "d1", T0), 3, T0);
        await WaitStoredAsync(2);
        Assert.Equal("online", (await _store.GetDeviceAsync("f1", "d1"))!.Status);

        await device.PublishAsync(TopicKind.Status, will); // as the broker would publish the will
        await WaitStoredAsync(3);
        Assert.Equal("offline", (await _store.GetDeviceAsync("f1", "d1"))!.Status);
        Assert.Empty(await _store.CountRejectionsByReasonAsync());

        await device.PublishAsync(TopicKind.Status, will); // the will only passes once
        await Eventually.TrueAsync(() => Task.FromResult(_metrics.Duplicates.GetValueOrDefault("status") == 1), "the repeated will counted as a duplicate");
    }

    [Fact]
    public async Task DeadLinkWhileConnected_PingUnansweredWithinKeepAlive_ClosedAndReconnected_NextAlertStored()
    {
        // The link to the broker goes silent without any socket error (a blackhole): MQTTnet still reports it connected.
        // The supervisor's ping must give up after the keep-alive (on the ingest's clock) and replace the connection —
        // not hang on it, and not start a new generation on it (that would orphan whatever the old one had queued).
        await using var proxy = new BlackholeProxy(_broker.Port);
        var ingestor = await StartIngestorAsync(port: proxy.Port);
        var device = await DeviceAsync();
        await device.PublishAlertAsync(TestDevice.Alert("d1-a1", "d1", T0), 1, T0);
        await WaitStoredAsync(1);

        proxy.Blackhole();
        await Eventually.TrueAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromSeconds(2));
                return Task.FromResult(!ingestor.IsConnected);
            },
            "the silent connection closed after an unanswered ping",
            TimeSpan.FromSeconds(30));
        Assert.Equal(0, _metrics.Reconnects);

        proxy.Restore();
        await Eventually.TrueAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromSeconds(2));
                return Task.FromResult(ingestor.IsConnected && ingestor.Mode == SubscriptionMode.Plain);
            },
            "reconnected through the restored link",
            TimeSpan.FromSeconds(30));
        await device.PublishAlertAsync(TestDevice.Alert("d1-a2", "d1", T0), 2, T0);
        await WaitStoredAsync(2);

        await WaitCountedAsync("alert", 2);
        Assert.Equal(1, _metrics.Reconnects);
        Assert.Empty(await _store.CountRejectionsByReasonAsync());
    }

    [Fact]
    public async Task DeliveriesHeldBackWhileIdle_ConnectionReplaced_LaterMessagesStoredWithoutAnotherReplacement()
    {
        // Mosquitto 2.0.11 can stop sending to a subscriber that has messages queued; they then trickle in one by one,
        // each far later than its device's usual delay, to an ingest that has been ready for them all along. Three such
        // within the period (30 s) make the ingest replace its connection: the broker resets its in-flight window then.
        var ingestor = await StartIngestorAsync();
        var device = await DeviceAsync();
        await device.PublishAlertAsync(TestDevice.Alert("d1-a1", "d1", T0), 1, T0); // 1 s from device to store: d1's usual delay
        await WaitStoredAsync(1);
        await WaitSettledAsync(ingestor); // committed is not yet idle: the writer still acknowledges

        _time.Advance(TimeSpan.FromSeconds(120)); // the next three were sent at T0 + 2..4 s and arrive now, ≈118 s late, one at a time
        for (var i = 2; i <= 4; i++)
        {
            await device.PublishAlertAsync(TestDevice.Alert($"d1-a{i}", "d1", T0), i, T0.AddSeconds(i));
            await WaitStoredAsync(i);
            await WaitSettledAsync(ingestor);
        }

        Assert.Equal(0, _metrics.HeldBackRecycles); // counted by the writer, acted on by the supervisor at its next look
        await Eventually.TrueAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromSeconds(2));
                return Task.FromResult(_metrics.HeldBackRecycles == 1 && _metrics.Reconnects == 1);
            },
            "the connection replaced once and the ingest reconnected");

        // Once replaced, the released backlog may arrive late by design: nothing more is replaced for a period.
        await device.PublishAlertAsync(TestDevice.Alert("d1-a5", "d1", T0), 5, T0.AddSeconds(5));
        await WaitStoredAsync(5);
        await device.PublishAlertAsync(TestDevice.Alert("d1-a6", "d1", T0), 6, _time.GetUtcNow());
        await WaitStoredAsync(6);
        for (var i = 0; i < 20; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
        }

        await WaitCountedAsync("alert", 6);
        Assert.Equal(1, _metrics.HeldBackRecycles);
        Assert.Empty(await _store.CountRejectionsByReasonAsync());
    }

    [Fact]
    public async Task DeviceClockBehind_EveryMessageEquallyLate_ConnectionKept()
    {
        // A device whose clock runs 10 minutes behind: each message looks 10 minutes late, but no later than the device's
        // least delay, so the broker is not holding anything back.
        await StartIngestorAsync();
        var device = await DeviceAsync();
        _time.Advance(TimeSpan.FromMinutes(10));
        for (var i = 1; i <= 6; i++)
        {
            await device.PublishAlertAsync(TestDevice.Alert($"d1-a{i}", "d1", T0), i, T0.AddSeconds(i));
            await WaitStoredAsync(i);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        for (var i = 0; i < 20; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
        }

        await WaitCountedAsync("alert", 6);
        Assert.Equal(0, _metrics.HeldBackRecycles);
        Assert.Equal(0, _metrics.Reconnects);
    }

    [Fact]
    public async Task StoreOutage_MessageLeftUnacknowledged_RedeliveredAfterReconnectAndStoredOnce()
    {
        var connections = 0;
        _broker.Server.ClientConnectedAsync += e =>
        {
            if (e.ClientId == "agg-1")
            {
                Interlocked.Increment(ref connections);
            }

            return Task.CompletedTask;
        };
        var ingestor = await StartIngestorAsync();
        var device = await DeviceAsync();
        _store.FailNext(2); // the attempt and its immediate retry
        await device.PublishAlertAsync(TestDevice.Alert("d1-a1", "d1", T0), 1, T0);
        await Eventually.TrueAsync(() => Task.FromResult(_metrics.StoreFailures == 2), "the store failures");
        Assert.Equal(0, await _store.CountMessagesAsync());

        // The supervisor drops the connection and reconnects; the broker redelivers the unacknowledged alert.
        await Eventually.TrueAsync(
            async () =>
            {
                _time.Advance(TimeSpan.FromSeconds(2));
                return await _store.CountMessagesAsync() == 1;
            },
            "the redelivered alert stored");
        Assert.Equal(2, Volatile.Read(ref connections));
        // Counted once the subscription is back, which may be just after the redelivered alert (sent right after the CONNACK) is stored.
        await Eventually.TrueAsync(() => Task.FromResult(_metrics.Reconnects == 1), "the reconnect counted");
        Assert.NotNull(await _store.GetAlertAsync("d1-a1"));
        await device.PublishAlertAsync(TestDevice.Alert("d1-a2", "d1", T0), 2, T0);
        await WaitStoredAsync(2);
        Assert.True(ingestor.IsConnected);
        await WaitCountedAsync("alert", 2);
        Assert.Equal(3, _metrics.Received["alert"]); // the failed delivery, its redelivery, and d1-a2
        Assert.Empty(await _store.CountRejectionsByReasonAsync());
    }

    [Fact]
    public async Task Start_BrokerRefusesCredentials_FailsNamingTheReason()
    {
        _broker.Server.ValidatingConnectionAsync += e =>
        {
            if (e.ClientId == "agg-secure" && (e.UserName != "aggregator" || e.Password != "right"))
            {
                e.ReasonCode = MQTTnet.Protocol.MqttConnectReasonCode.BadUserNameOrPassword;
            }

            return Task.CompletedTask;
        };
        var wrong = new MqttIngestor(new MqttIngestOptions { Port = _broker.Port, ClientId = "agg-secure", Username = "aggregator", Password = "wrong" }, _store, _keys, _metrics, _time);
        _cleanup.Add(wrong);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => wrong.StartAsync());
        Assert.Contains("BadUserNameOrPassword", error.Message, StringComparison.Ordinal);
        Assert.False(wrong.IsConnected);

        var right = new MqttIngestor(new MqttIngestOptions { Port = _broker.Port, ClientId = "agg-secure", Username = "aggregator", Password = "right" }, _store, _keys, _metrics, _time);
        _cleanup.Add(right);
        await right.StartAsync();
        Assert.True(right.IsConnected);
    }

    [Fact]
    public void Options_Invalid_EveryProblemListed()
    {
        var options = new MqttIngestOptions
        {
            Host = "", Port = 0, ClientId = "", SharedGroup = "a/b", KeepAlive = TimeSpan.Zero, ReconnectInterval = TimeSpan.Zero, ReceiveMaximum = 0, MaxBatchSize = 0,
            HeldBackDelay = TimeSpan.FromSeconds(-1), HeldBackToRecycle = 0,
        };
        Assert.Equal(10, options.Validate().Count);
        Assert.Contains(options.Validate(), p => p.StartsWith("HeldBackDelay: -00:00:01", StringComparison.Ordinal));
        Assert.Contains(options.Validate(), p => p.StartsWith("HeldBackToRecycle: 0", StringComparison.Ordinal));
        Assert.Contains(options.Validate(), p => p.StartsWith("ReceiveMaximum: 0", StringComparison.Ordinal));
        Assert.Contains(options.Validate(), p => p.StartsWith("MaxBatchSize: 0", StringComparison.Ordinal));
        var error = Assert.Throws<ArgumentException>(() => new MqttIngestor(options, _store, _keys, _metrics, _time));
        Assert.Contains("SharedGroup", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectionCodes_AreKebabCaseOfTheReason()
    {
        Assert.Equal("bad-signature", RejectionCodes.Of(EdgeSentinel.Protocol.RejectionReason.BadSignature));
        Assert.Equal("unsupported-version", RejectionCodes.Of(EdgeSentinel.Protocol.RejectionReason.UnsupportedVersion));
        Assert.Equal("replayed", RejectionCodes.Of(EdgeSentinel.Protocol.RejectionReason.Replayed));
    }
}

public sealed class SqliteMqttIngestorTests : MqttIngestorTests
{
    protected override Task<IAggregatorStore> OpenStoreAsync() =>
        AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(Folder, "s.db") }, Time);
}

[Collection(PostgresServerGroup.Name)]
public sealed class PostgresMqttIngestorTests(PostgresServer server) : MqttIngestorTests
{
    protected override async Task<IAggregatorStore> OpenStoreAsync() =>
        await AggregatorStores.OpenPostgresAsync(await server.CreateDatabaseAsync(), Time);
}
