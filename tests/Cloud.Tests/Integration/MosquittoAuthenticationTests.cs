using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;

namespace EdgeSentinel.Cloud.Tests.Integration;

/// <summary>
/// The reporting path through a real Mosquitto with a password file and the pattern ACL that
/// provisioning prints: devices provisioned into the store, the aggregator authenticated. Runs
/// against every store.
/// </summary>
#pragma warning disable CA1001 // disposed in DisposeAsync (xunit IAsyncLifetime)
public abstract class MosquittoAuthenticationTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 30, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(T0.AddSeconds(1));
    private readonly List<IAsyncDisposable> _cleanup = [];
    private IAggregatorStore _store = null!;
    private ProvisionedFleet _fleet = null!;
    private MosquittoBroker _broker = null!;

    protected string Folder { get; } = Path.Combine(Path.GetTempPath(), "es-auth-" + Guid.NewGuid().ToString("N")[..12]);

    protected FakeTimeProvider Time => _time;

    protected abstract Task<IAggregatorStore> OpenStoreAsync();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        _store = await OpenStoreAsync();
        _fleet = await ProvisionedFleet.CreateAsync(_store, "f1", "d1", "d2");
        _broker = await MosquittoBroker.StartAsync(_fleet.MosquittoSecurity);
    }

    public async Task DisposeAsync()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            await _cleanup[i].DisposeAsync();
        }

        await _broker.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }

    private async Task<(MqttIngestor Ingest, IngestMetrics Metrics)> StartIngestAsync(string clientId = "agg-1")
    {
        var metrics = new IngestMetrics(_time);
        var ingest = new MqttIngestor(_fleet.IngestOptions(_broker.Port, clientId), _store, _fleet.Keys, metrics, _time);
        _cleanup.Add(ingest);
        await ingest.StartAsync();
        return (ingest, metrics);
    }

    private async Task<TestDevice> DeviceAsync(string device)
    {
        var d = await _fleet.ConnectAsync(_broker.Port, device);
        _cleanup.Add(d);
        return d;
    }

    [Fact]
    public async Task Provision_CredentialsRoundTripThroughTheStore()
    {
        var stored = await _store.FindDeviceCredentialsAsync("f1", "d1");
        Assert.NotNull(stored);
        Assert.Equal(_fleet["d1"].Credentials.Key.Bytes.ToArray(), stored.Key.Bytes.ToArray());
        Assert.True(MosquittoPasswordHash.Verify(_fleet["d1"].MqttPassword, stored.MqttPasswordHash));
        Assert.Equal(["d1", "d2"], (await _store.GetDeviceCredentialsAsync()).Select(c => c.Device));
        Assert.Equal(DeviceKeyRegistry.KeyIdOf(stored.Key), (await _store.GetDeviceAsync("f1", "d1"))!.KeyId);
        Assert.Null(await _store.FindDeviceCredentialsAsync("f1", "d9"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DeviceProvisioning.ProvisionAsync(_store, "f1", "d1"));
        Assert.Contains("already provisioned", error.Message, StringComparison.Ordinal);
        var rekeyed = await DeviceProvisioning.ProvisionAsync(_store, "f1", "d1", replace: true);
        Assert.NotEqual(_fleet["d1"].Credentials.Key.Bytes.ToArray(), rekeyed.Credentials.Key.Bytes.ToArray());
        Assert.Equal(rekeyed.Credentials.Key.Bytes.ToArray(), (await _store.FindDeviceCredentialsAsync("f1", "d1"))!.Key.Bytes.ToArray());
        var keys = new DeviceKeyRegistry();
        Assert.Equal(2, await DeviceProvisioning.LoadKeysAsync(_store, keys));
        Assert.Equal(rekeyed.Credentials.Key.Bytes.ToArray(), keys.Find("f1", "d1")!.Bytes.ToArray());
    }

    [Fact]
    public async Task ProvisionedDevice_PublishesAlertsFingerprintsAndStatus_AggregatorStoresThem()
    {
        await StartIngestAsync();
        var device = await DeviceAsync("d1");
        for (var seq = 1; seq <= 3; seq++)
        {
            await device.PublishAlertAsync(TestDevice.Alert($"d1-a{seq}", "d1", T0), seq, T0);
        }

        var windows = TestFingerprints.Windows(seed: 11, windows: 2);
        await device.PublishFingerprintAsync(new FingerprintReport("model-a", T0, T0.AddMinutes(1), 1, windows[0]), 4, T0);
        await device.PublishFingerprintAsync(new FingerprintReport("model-a", T0.AddMinutes(1), T0.AddMinutes(2), 1, windows[1]), 5, T0);
        await device.PublishStatusAsync(new StatusReport(DeviceState.Online, 1, 0, 0, 0, 0), 6, T0);

        await Eventually.TrueAsync(async () => await _store.CountMessagesAsync("f1", "d1") == 6, "6 messages of d1 stored");
        Assert.Equal(["d1-a1", "d1-a2", "d1-a3"], (await _store.QueryAlertsAsync(new AlertQuery { Device = "d1" })).Select(a => a.Id).Order(StringComparer.Ordinal));
        var fingerprints = await _store.GetFingerprintsAsync("f1", "d1", T0, T0.AddHours(1));
        Assert.Equal([windows[0].ToBytes(), windows[1].ToBytes()], fingerprints.Select(f => Fingerprint.FromBytes(f.Data.Span).ToBytes()));
        Assert.Equal("online", (await _store.GetDeviceAsync("f1", "d1"))!.Status);
        Assert.Empty(await _store.CountRejectionsByReasonAsync());
    }

    [Fact]
    public async Task Device_PublishesOnAnotherDevicesTopic_MosquittoRefusesNotAuthorized_NothingStored()
    {
        var (_, metrics) = await StartIngestAsync();
        var d1 = await DeviceAsync("d1");
        var intruder = TestDevice.Alert("d2-forged", "d2", T0);

        // Even signed with d2's real key (a stolen key), d1's login may not write d2's topics.
        var forged = d1.Seal(TopicKind.Alert, 1, T0, AlertCodec.Encode(intruder), _fleet["d2"].Credentials.Key);
        var wire = Protocol.Envelopes.EnvelopeCodec.Encode(Protocol.Envelopes.Envelope.Seal(_fleet["d2"].Credentials.Key, EdgeTopics.Address("f1", "d2", TopicKind.Alert), 1, T0, AlertCodec.Encode(intruder)));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await d1.PublishForReasonAsync(EdgeTopics.Build("f1", "d2", TopicKind.Alert), wire, TopicKind.Alert));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await d1.PublishForReasonAsync(EdgeTopics.Build("f2", "d1", TopicKind.Alert), forged, TopicKind.Alert));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await d1.PublishForReasonAsync(EdgeTopics.Build("f1", "d1", TopicKind.Command), forged, TopicKind.Alert));

        // A valid message after the refused ones: once it is stored, anything before it on this connection would have been too.
        await d1.PublishAlertAsync(TestDevice.Alert("d1-a1", "d1", T0), 1, T0);
        await Eventually.TrueAsync(async () => await _store.CountMessagesAsync() == 1, "d1's own alert stored");
        Assert.Equal(0, await _store.CountMessagesAsync("f1", "d2"));
        Assert.Null(await _store.GetAlertAsync("d2-forged"));
        Assert.Equal(1, metrics.Received.GetValueOrDefault("alert")); // the refused messages never reached the aggregator
        Assert.Empty(await _store.CountRejectionsByReasonAsync());
    }

    [Fact]
    public async Task WrongCredentials_Refused()
    {
        var port = _broker.Port;
        var d1 = _fleet["d1"];
        Assert.Equal(MqttClientConnectResultCode.Success, await TestDevice.TryConnectAsync(port, "f1.d1", d1.MqttUsername, d1.MqttPassword));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await TestDevice.TryConnectAsync(port, "f1.d1", d1.MqttUsername, d1.MqttPassword + "x"));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await TestDevice.TryConnectAsync(port, "f1.d2", "f1/d2", d1.MqttPassword)); // d1's password for d2
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await TestDevice.TryConnectAsync(port, "x", "f1/d9", d1.MqttPassword)); // unknown user
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await TestDevice.TryConnectAsync(port, "anon", null, null)); // anonymous

        var options = _fleet.IngestOptions(port);
        options.Password = "not-the-aggregator-password";
        await using var ingest = new MqttIngestor(options, _store, _fleet.Keys, new IngestMetrics(_time), _time);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ingest.StartAsync());
        Assert.Contains("refused the connection: NotAuthorized", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoAuthenticatedAggregators_SharedSubscription_SplitTheLoadAndStoreEachMessageOnce()
    {
        var (a, metricsA) = await StartIngestAsync("agg-a");
        var (b, metricsB) = await StartIngestAsync("agg-b");
        Assert.Equal((SubscriptionMode.Shared, SubscriptionMode.Shared), (a.Mode, b.Mode));
        var d1 = await DeviceAsync("d1");
        var d2 = await DeviceAsync("d2");
        const int perDevice = 30;
        for (var seq = 1; seq <= perDevice; seq++)
        {
            await d1.PublishAlertAsync(TestDevice.Alert($"d1-a{seq}", "d1", T0), seq, T0);
            await d2.PublishAlertAsync(TestDevice.Alert($"d2-a{seq}", "d2", T0), seq, T0);
        }

        await Eventually.TrueAsync(async () => await _store.CountMessagesAsync() == 2 * perDevice, "all alerts stored");
        var receivedA = metricsA.Received.GetValueOrDefault("alert");
        var receivedB = metricsB.Received.GetValueOrDefault("alert");
        Assert.Equal(2 * perDevice, receivedA + receivedB); // each message delivered to exactly one instance: no duplicate deliveries
        Assert.True(receivedA > 0 && receivedB > 0, $"load not split: {receivedA} / {receivedB}");
        Assert.Equal(0, metricsA.Duplicates.GetValueOrDefault("alert") + metricsB.Duplicates.GetValueOrDefault("alert"));
        Assert.Equal(2 * perDevice, (await _store.QueryAlertsAsync(new AlertQuery())).Count);
        Assert.Empty(await _store.CountRejectionsByReasonAsync());
    }
}

public sealed class SqliteMosquittoAuthenticationTests : MosquittoAuthenticationTests
{
    protected override Task<IAggregatorStore> OpenStoreAsync() =>
        AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(Folder, "s.db") }, Time);
}

[Collection(PostgresServerGroup.Name)]
public sealed class PostgresMosquittoAuthenticationTests(PostgresServer server) : MosquittoAuthenticationTests
{
    protected override async Task<IAggregatorStore> OpenStoreAsync() =>
        await AggregatorStores.OpenPostgresAsync(await server.CreateDatabaseAsync(), Time);
}
