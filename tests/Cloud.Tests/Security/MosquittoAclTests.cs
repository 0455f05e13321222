using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeSentinel.Cloud.Tests.Security;

/// <summary>
/// Per-device confinement with password logins (the provisioning's password file and pattern ACL) through a real
/// Mosquitto, and the aggregator's own check behind the broker: a message on one device's topic signed with another
/// device's key is rejected even where the broker enforces nothing.
/// </summary>
#pragma warning disable CA1001 // disposed in DisposeAsync (xunit IAsyncLifetime)
public sealed class MosquittoAclTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-acl-" + Guid.NewGuid().ToString("N")[..12]);
    private IAggregatorStore _store = null!;
    private ProvisionedFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        (_store, _fleet) = await TlsFleet.OpenStoreAsync(_folder);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private static MqttClientOptions Login(int port, string clientId, string username, string password) =>
        new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithProtocolVersion(MqttProtocolVersion.V500).WithCredentials(username, password).Build();

    [Fact]
    public async Task DevicePassword_ReadsOnlyItsOwnCommands_NotAnotherDevicesTopicsOrCommands()
    {
        await using var broker = await MosquittoBroker.StartAsync(_fleet.MosquittoSecurity);
        await SubscriptionProbe.AssertDeviceReadsOnlyItsOwnTopicsAsync(
            Login(broker.Port, "f1:d1", _fleet["d1"].MqttUsername, _fleet["d1"].MqttPassword),
            Login(broker.Port, "f1:d2", _fleet["d2"].MqttUsername, _fleet["d2"].MqttPassword),
            Login(broker.Port, "operator", ProvisionedFleet.AggregatorUser, _fleet.AggregatorPassword),
            TlsFleet.Fleet,
            "d1",
            "d2");
    }

    [Fact]
    public async Task Aggregator_BrokerWithoutAcl_MessageOnAnotherDevicesTopic_RejectedNotStored()
    {
        // An open broker (anonymous, no ACL): only the aggregator's checks stand between d1 and d2's history.
        await using var broker = await MosquittoBroker.StartAsync();
        var metrics = new IngestMetrics(TimeProvider.System);
        await using var ingest = new MqttIngestor(new MqttIngestOptions { Port = broker.Port, ClientId = "agg-open" }, _store, _fleet.Keys, metrics);
        await ingest.StartAsync();
        await using var d1 = await TestDevice.ConnectAsync(broker.Port, TlsFleet.Fleet, "d1", _fleet["d1"].Credentials.Key);
        var now = TimeProvider.System.GetUtcNow();
        var d1Key = _fleet["d1"].Credentials.Key;
        var d2Alert = EdgeTopics.Address(TlsFleet.Fleet, "d2", TopicKind.Alert);

        // Addressed to d2 (topic and envelope agree) but signed with d1's key: the signature is checked with the key of the topic's device.
        await d1.PublishAsync(TopicKind.Alert, EnvelopeCodec.Encode(Envelope.Seal(d1Key, d2Alert, 1, now, AlertCodec.Encode(TestDevice.Alert("d2-by-d1", "d2", now)))), topic: d2Alert.Topic);
        await Eventually.TrueAsync(() => Task.FromResult(metrics.Rejected.GetValueOrDefault("bad-signature") == 1), "bad-signature counted");

        // d1's own genuine envelope replayed onto d2's topic: the envelope's device differs from the topic's.
        await d1.PublishAsync(TopicKind.Alert, d1.Seal(TopicKind.Alert, 2, now, AlertCodec.Encode(TestDevice.Alert("d1-on-d2", "d1", now))), topic: d2Alert.Topic);
        await Eventually.TrueAsync(() => Task.FromResult(metrics.Rejected.GetValueOrDefault("topic-mismatch") == 1), "topic-mismatch counted");

        // The next valid message of d1 is stored: the aggregator kept running.
        await d1.PublishAlertAsync(TestDevice.Alert("d1-own", "d1", now), 3, now);
        await Eventually.TrueAsync(async () => await _store.GetAlertAsync("d1-own") is not null, "d1's own alert stored");
        Assert.Null(await _store.GetAlertAsync("d2-by-d1"));
        Assert.Null(await _store.GetAlertAsync("d1-on-d2"));
        Assert.Equal(0, await _store.CountMessagesAsync(TlsFleet.Fleet, "d2"));
        Assert.Equal(new Dictionary<string, long> { ["bad-signature"] = 1, ["topic-mismatch"] = 1 }, (await _store.CountRejectionsByReasonAsync()).ToDictionary(kv => kv.Key, kv => kv.Value));
    }
}
