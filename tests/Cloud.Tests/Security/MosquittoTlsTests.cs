using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol.Topics;
using EdgeSentinel.Runtime.Reporting;
using MQTTnet;

namespace EdgeSentinel.Cloud.Tests.Security;

/// <summary>
/// MQTT over TLS through a real Mosquitto whose only listener requires a client certificate from the
/// fleet CA (<c>require_certificate</c>, <c>use_identity_as_username</c>): the device reporter and the
/// aggregator connect with their certificates and the reporting path works end to end; plain TCP, a
/// missing client certificate, a certificate from another CA and a broker certificate the client does
/// not trust are all refused; the certificate's identity is confined to its own topics by the ACL.
/// Real time: the reporter stamps its messages with the clock the aggregator checks them against.
/// </summary>
#pragma warning disable CA1001 // disposed in DisposeAsync (xunit IAsyncLifetime)
public sealed class MosquittoTlsTests(TlsFleet pki) : IClassFixture<TlsFleet>, IAsyncLifetime
#pragma warning restore CA1001
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-tls-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<IAsyncDisposable> _cleanup = [];
    private MosquittoBroker _broker = null!;
    private IAggregatorStore _store = null!;
    private ProvisionedFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        (_store, _fleet) = await TlsFleet.OpenStoreAsync(_folder);
        _broker = await pki.StartBrokerAsync();
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

    private async Task<(MqttIngestor Ingest, IngestMetrics Metrics)> StartIngestAsync()
    {
        var metrics = new IngestMetrics(TimeProvider.System);
        var ingest = new MqttIngestor(TlsFleet.IngestOptions(_broker.Port, pki.ClientTls(pki.Aggregator)), _store, _fleet.Keys, metrics);
        _cleanup.Add(ingest);
        await ingest.StartAsync();
        return (ingest, metrics);
    }

    private ReporterOptions ReporterOptions(string device, PemPair? certificate, bool tls = true) => new()
    {
        Fleet = TlsFleet.Fleet,
        Device = device,
        DeviceKey = _fleet[device].Credentials.Key,
        BrokerHost = "127.0.0.1",
        BrokerPort = _broker.Port,
        Tls = tls ? pki.ClientTls(certificate) : null,
        OutboxPath = Path.Combine(_folder, device + ".outbox.db"),
        HoldUntilSubscribed = true,
        InitialReconnectDelay = TimeSpan.FromMilliseconds(100),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
    };

    private async Task<TestDevice> ConnectDeviceAsync(string device, PemPair certificate) =>
        await TestDevice.ConnectAsync(TlsFleet.ClientOptions(_broker.Port, $"{TlsFleet.Fleet}:{device}", pki.ClientTls(certificate)), TlsFleet.Fleet, device, _fleet[device].Credentials.Key);

    [Fact]
    public async Task DeviceReporter_MutualTls_AlertReachesTheStoreThroughTheAggregatorOnTls()
    {
        var (_, metrics) = await StartIngestAsync();
        var reporter = new DeviceReporter(ReporterOptions("d1", pki.D1));
        using var stop = new CancellationTokenSource();
        var run = reporter.RunAsync(stop.Token);
        try
        {
            reporter.EnqueueAlert(TestDevice.Alert("d1-tls-1", "d1", DateTimeOffset.UnixEpoch));
            await Eventually.TrueAsync(async () => await _store.GetAlertAsync("d1-tls-1") is not null, "the alert sent over TLS stored", TimeSpan.FromSeconds(20));
            await Eventually.TrueAsync(async () => (await _store.GetDeviceAsync(TlsFleet.Fleet, "d1"))?.Status == "online", "d1 online");
            Assert.True(reporter.IsConnected);
            Assert.Equal(0, reporter.Statistics.FailedConnects);
            Assert.Empty(metrics.Rejected);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
            await reporter.DisposeAsync();
        }
    }

    [Fact]
    public async Task PlainTcp_ToTheTlsListener_IsRefused_ByTheBrokerForTestClientReporterAndAggregator()
    {
        Assert.StartsWith("failed", await TlsFleet.TryConnectAsync(TlsFleet.ClientOptions(_broker.Port, "plain", tls: null)), StringComparison.Ordinal);

        await using var ingest = new MqttIngestor(TlsFleet.IngestOptions(_broker.Port, tls: null), _store, _fleet.Keys, new IngestMetrics(TimeProvider.System));
        await Assert.ThrowsAnyAsync<Exception>(() => ingest.StartAsync());

        // A reporter without TLS never gets a session on the TLS listener: it keeps trying (and keeps its outbox), it does not downgrade anything.
        var reporter = new DeviceReporter(ReporterOptions("d1", certificate: null, tls: false));
        using var stop = new CancellationTokenSource();
        var run = reporter.RunAsync(stop.Token);
        try
        {
            reporter.EnqueueAlert(TestDevice.Alert("d1-plain", "d1", DateTimeOffset.UnixEpoch));
            await Eventually.TrueAsync(() => Task.FromResult(reporter.Statistics.FailedConnects >= 2), "two refused connection attempts");
            Assert.Equal(0, reporter.Statistics.Sessions);
            Assert.Equal(1, reporter.Counts.PendingAlerts);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
            await reporter.DisposeAsync();
        }
    }

    [Fact]
    public async Task ClientWithoutCertificate_IsRefused()
    {
        Assert.Equal("Success", await TlsFleet.TryConnectAsync(TlsFleet.ClientOptions(_broker.Port, "f1:d1", pki.ClientTls(pki.D1)))); // the control: same options with the certificate
        Assert.StartsWith("failed", await TlsFleet.TryConnectAsync(TlsFleet.ClientOptions(_broker.Port, "f1:d1", pki.ClientTls(certificate: null))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCertificateFromAnUnknownCa_IsRefused_EvenWithTheRightCommonName()
    {
        Assert.StartsWith("failed", await TlsFleet.TryConnectAsync(TlsFleet.ClientOptions(_broker.Port, "f1:d1", pki.ClientTls(pki.RogueD1))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokerCertificateNotFromTheTrustedCa_ClientRefusesIt()
    {
        // The client trusts only the rogue CA: the broker's genuine certificate does not chain to it.
        Assert.StartsWith("failed", await TlsFleet.TryConnectAsync(TlsFleet.ClientOptions(_broker.Port, "f1:d1", pki.ClientTls(pki.D1, caFile: pki.Rogue.CaFile))), StringComparison.Ordinal);

        var wrongName = pki.ClientTls(pki.D1);
        wrongName.TargetHost = "broker.example";
        Assert.StartsWith("failed", await TlsFleet.TryConnectAsync(TlsFleet.ClientOptions(_broker.Port, "f1:d1", wrongName)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeviceCertificate_PublishesOnlyOnItsOwnTopics()
    {
        var (_, metrics) = await StartIngestAsync();
        await using var d1 = await ConnectDeviceAsync("d1", pki.D1);
        var wire = d1.Seal(TopicKind.Alert, 1, TimeProvider.System.GetUtcNow(), Protocol.Payloads.AlertCodec.Encode(TestDevice.Alert("d1-on-d2", "d1", DateTimeOffset.UnixEpoch)));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await d1.PublishForReasonAsync(EdgeTopics.Build(TlsFleet.Fleet, "d2", TopicKind.Alert), wire, TopicKind.Alert));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await d1.PublishForReasonAsync(EdgeTopics.Build(TlsFleet.Fleet, "d2", TopicKind.Status), wire, TopicKind.Status));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await d1.PublishForReasonAsync(EdgeTopics.Build(TlsFleet.Fleet, "d1", TopicKind.Command), wire, TopicKind.Command));

        await d1.PublishAlertAsync(TestDevice.Alert("d1-own", "d1", DateTimeOffset.UnixEpoch), 2, TimeProvider.System.GetUtcNow());
        await Eventually.TrueAsync(async () => await _store.GetAlertAsync("d1-own") is not null, "d1's own alert stored");
        Assert.Null(await _store.GetAlertAsync("d1-on-d2"));
        Assert.Equal(1, metrics.Received.GetValueOrDefault("alert")); // the refused publishes never reached the aggregator
    }

    [Fact]
    public Task DeviceCertificate_ReadsOnlyItsOwnCommands_NotAnotherDevicesTopicsOrCommands() =>
        SubscriptionProbe.AssertDeviceReadsOnlyItsOwnTopicsAsync(
            TlsFleet.ClientOptions(_broker.Port, "f1:d1", pki.ClientTls(pki.D1)),
            TlsFleet.ClientOptions(_broker.Port, "f1:d2", pki.ClientTls(pki.D2)),
            TlsFleet.ClientOptions(_broker.Port, "operator", pki.ClientTls(pki.Aggregator)),
            TlsFleet.Fleet,
            "d1",
            "d2");
}
