using EdgeSentinel.Cloud.Broker;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;

namespace EdgeSentinel.Cloud.Tests.Broker;

/// <summary>The embedded broker of <c>edgesentinel aggregate</c>: authentication from the store, per-device topic ACL, persistent sessions.</summary>
#pragma warning disable CA1001 // disposed in DisposeAsync (xunit IAsyncLifetime)
public sealed class EmbeddedBrokerTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 30, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-embedded-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(T0.AddSeconds(1));
    private readonly List<IAsyncDisposable> _cleanup = [];
    private IAggregatorStore _store = null!;
    private ProvisionedFleet _fleet = null!;
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(_folder, "s.db") }, _time);
        _fleet = await ProvisionedFleet.CreateAsync(_store, "f1", "d1", "d2");
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0, AggregatorUsername = ProvisionedFleet.AggregatorUser, AggregatorPassword = _fleet.AggregatorPassword }, _store);
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

    private async Task<MqttIngestor> StartIngestAsync(IngestMetrics? metrics = null, bool track = true)
    {
        var ingest = new MqttIngestor(_fleet.IngestOptions(_broker.Port, "agg-1"), _store, _fleet.Keys, metrics ?? new IngestMetrics(_time), _time);
        if (track)
        {
            _cleanup.Add(ingest);
        }

        await ingest.StartAsync();
        return ingest;
    }

    private async Task<TestDevice> DeviceAsync(string device)
    {
        var d = await _fleet.ConnectAsync(_broker.Port, device);
        _cleanup.Add(d);
        return d;
    }

    [Fact]
    public async Task ProvisionedDevice_PublishesAlert_StoredThroughTheEmbeddedBroker()
    {
        var ingest = await StartIngestAsync();
        Assert.Equal(SubscriptionMode.Plain, ingest.Mode); // MQTTnet offers no shared subscriptions
        var d1 = await DeviceAsync("d1");
        await d1.PublishAlertAsync(TestDevice.Alert("d1-a1", "d1", T0), 1, T0);
        await d1.PublishStatusAsync(new StatusReport(DeviceState.Online, 1, 0, 0, 0, 0), 2, T0);
        await Eventually.TrueAsync(async () => await _store.CountMessagesAsync() == 2, "alert and status stored");
        Assert.NotNull(await _store.GetAlertAsync("d1-a1"));
    }

    [Fact]
    public async Task Device_OutsideItsOwnTopics_PublishAndSubscribeRefusedNotAuthorized()
    {
        var metrics = new IngestMetrics(_time);
        await StartIngestAsync(metrics);
        var d1 = await DeviceAsync("d1");
        var d2Key = _fleet["d2"].Credentials.Key;
        var wire = d1.Seal(TopicKind.Alert, 1, T0, AlertCodec.Encode(TestDevice.Alert("d2-forged", "d2", T0)), d2Key);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await d1.PublishForReasonAsync(EdgeTopics.Build("f1", "d2", TopicKind.Alert), wire, TopicKind.Alert));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await d1.PublishForReasonAsync(EdgeTopics.Build("f1", "d1", TopicKind.Command), wire, TopicKind.Alert));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await d1.PublishForReasonAsync("elsewhere/x", wire, TopicKind.Alert));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await d1.SubscribeForResultAsync(EdgeTopics.Build("f1", "d2", TopicKind.Command)));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await d1.SubscribeForResultAsync(EdgeTopics.AllDevicesFilter()));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await d1.SubscribeForResultAsync(EdgeTopics.Build("f1", "d1", TopicKind.Command)));

        await d1.PublishAlertAsync(TestDevice.Alert("d1-a1", "d1", T0), 1, T0);
        await Eventually.TrueAsync(async () => await _store.CountMessagesAsync() == 1, "d1's own alert stored");
        Assert.Equal(1, metrics.Received.GetValueOrDefault("alert"));
        Assert.Null(await _store.GetAlertAsync("d2-forged"));
        Assert.Equal((3L, 2L), (_broker.DeniedPublishes, _broker.DeniedSubscriptions));
    }

    [Fact]
    public async Task WrongCredentials_OrAnotherClientId_Refused()
    {
        var d1 = _fleet["d1"];
        var port = _broker.Port;
        Assert.Equal(MqttClientConnectResultCode.Success, await TestDevice.TryConnectAsync(port, "f1:d1", d1.MqttUsername, d1.MqttPassword));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await TestDevice.TryConnectAsync(port, "f1:d1", d1.MqttUsername, "wrong"));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await TestDevice.TryConnectAsync(port, "f1:d2", "f1/d2", d1.MqttPassword));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await TestDevice.TryConnectAsync(port, "f1:d9", "f1/d9", d1.MqttPassword));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await TestDevice.TryConnectAsync(port, "anon", null, null));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await TestDevice.TryConnectAsync(port, "agg-x", ProvisionedFleet.AggregatorUser, "wrong-password-of-16+"));
        // Right password, but the client id of the aggregator: would take over its session.
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, await TestDevice.TryConnectAsync(port, "agg-1", d1.MqttUsername, d1.MqttPassword));
        Assert.Equal(6, _broker.RefusedConnections);
    }

    [Fact]
    public async Task ClientIds_DottedIdsCannotPassForAnotherDevice()
    {
        // With a '.' separator both devices below would own the client id "f.a.b".
        var dotted = await DeviceProvisioning.ProvisionAsync(_store, "f", "a.b");
        var other = await DeviceProvisioning.ProvisionAsync(_store, "f.a", "b");
        Assert.Equal(("f:a.b", "f.a:b"), (DeviceProvisioning.MqttClientId("f", "a.b"), DeviceProvisioning.MqttClientId("f.a", "b")));
        var port = _broker.Port;
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, await TestDevice.TryConnectAsync(port, "f.a.b", dotted.MqttUsername, dotted.MqttPassword));
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, await TestDevice.TryConnectAsync(port, "f.a:b", dotted.MqttUsername, dotted.MqttPassword));
        Assert.Equal(MqttClientConnectResultCode.Success, await TestDevice.TryConnectAsync(port, "f:a.b", dotted.MqttUsername, dotted.MqttPassword));
        Assert.Equal(MqttClientConnectResultCode.Success, await TestDevice.TryConnectAsync(port, "f.a:b", other.MqttUsername, other.MqttPassword));
    }

    [Fact]
    public async Task DeviceConnectionLost_ItsLastWillIsPublishedAndStoredAsOffline()
    {
        await StartIngestAsync();
        var d1 = _fleet["d1"];
        var will = EdgeSentinel.Protocol.Envelopes.EnvelopeCodec.Encode(EdgeSentinel.Protocol.Envelopes.Envelope.Seal(
            d1.Credentials.Key, EdgeTopics.Address("f1", "d1", TopicKind.Status), 1, T0, StatusCodec.Encode(new StatusReport(DeviceState.Offline, 1, 0, 0, 0, 0, "last will"))));
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _broker.Port)
            .WithClientId("f1:d1")
            .WithCredentials(d1.MqttUsername, d1.MqttPassword)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithWillTopic(EdgeTopics.Build("f1", "d1", TopicKind.Status))
            .WithWillPayload(will)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillContentType(EdgeSentinel.Protocol.Envelopes.WireFormat.ContentTypeJson)
            .WithWillUserProperty(EdgeSentinel.Protocol.Envelopes.WireFormat.VersionProperty, "1"u8.ToArray())
            .WithWillUserProperty(EdgeSentinel.Protocol.Envelopes.WireFormat.EncodingProperty, System.Text.Encoding.UTF8.GetBytes(EdgeSentinel.Protocol.Envelopes.WireFormat.EncodingJson))
            .Build();
        Assert.Equal(MqttClientConnectResultCode.Success, (await client.ConnectAsync(options)).ResultCode);
        client.Dispose(); // the socket closes without DISCONNECT: the broker publishes the will

        await Eventually.TrueAsync(async () => (await _store.GetDeviceAsync("f1", "d1"))?.Status == "offline", "the last will stored as offline");
        Assert.Equal(0, _broker.DeniedPublishes);
    }

    [Fact]
    public async Task NewlyProvisionedDevice_ConnectsWithoutRestartingTheBroker()
    {
        var late = await EdgeSentinel.Cloud.Provisioning.DeviceProvisioning.ProvisionAsync(_store, "f1", "late");
        Assert.Equal(MqttClientConnectResultCode.Success, await TestDevice.TryConnectAsync(_broker.Port, "f1:late", late.MqttUsername, late.MqttPassword));
    }

    [Fact]
    public async Task PersistentSession_AggregatorOffline_QueuedAlertsDeliveredOnReconnect()
    {
        var first = await StartIngestAsync(track: false);
        await first.DisposeAsync(); // a clean disconnect; the session (clean start false, expiry 1 h) stays on the broker
        var d1 = await DeviceAsync("d1");
        for (var seq = 1; seq <= 5; seq++)
        {
            await d1.PublishAlertAsync(TestDevice.Alert($"d1-a{seq}", "d1", T0), seq, T0);
        }

        Assert.Equal(0, await _store.CountMessagesAsync());
        await StartIngestAsync();
        await Eventually.TrueAsync(async () => await _store.CountMessagesAsync() == 5, "the 5 alerts queued for the offline session stored");
    }
}
