using EdgeSentinel.Cloud.Broker;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol.Transport;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeSentinel.Cloud.Tests.Security;

/// <summary>
/// Shared by the TLS tests: a fleet CA with a broker certificate for 127.0.0.1 and client certificates
/// whose common names are the provisioned MQTT user names (f1/d1, f1/d2, the aggregator's), plus a
/// rogue CA that issued a certificate for f1/d1 too. Made once per test class with openssl.
/// </summary>
public sealed class TlsFleet : IAsyncLifetime
{
    public const string Fleet = "f1";

    public TestCertificates Ca { get; private set; } = null!;

    public TestCertificates Rogue { get; private set; } = null!;

    public PemPair Server { get; private set; } = null!;

    public PemPair D1 { get; private set; } = null!;

    public PemPair D2 { get; private set; } = null!;

    public PemPair Aggregator { get; private set; } = null!;

    public PemPair RogueD1 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Ca = await TestCertificates.CreateAsync();
        Rogue = await TestCertificates.CreateAsync("Rogue CA");
        Server = await Ca.IssueServerAsync();
        D1 = await Ca.IssueClientAsync(DeviceProvisioning.MqttUsername(Fleet, "d1"));
        D2 = await Ca.IssueClientAsync(DeviceProvisioning.MqttUsername(Fleet, "d2"));
        Aggregator = await Ca.IssueClientAsync(ProvisionedFleet.AggregatorUser);
        RogueD1 = await Rogue.IssueClientAsync(DeviceProvisioning.MqttUsername(Fleet, "d1"));
    }

    public Task DisposeAsync()
    {
        Ca.Dispose();
        Rogue.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Mutual TLS, no password file: the certificate's common name is the user name the provisioning ACL patterns confine.</summary>
    public Task<MosquittoBroker> StartBrokerAsync() => MosquittoBroker.StartAsync(
        new MosquittoSecurity([], [.. DeviceProvisioning.MosquittoDevicePatterns, .. DeviceProvisioning.MosquittoAggregatorAcl(ProvisionedFleet.AggregatorUser)]),
        tls: new MosquittoTls(Ca.CaFile, Server));

    public TlsClientOptions ClientTls(PemPair? certificate, string? caFile = null) => new()
    {
        CaCertificateFile = caFile ?? Ca.CaFile,
        ClientCertificateFile = certificate?.CertificateFile,
        ClientKeyFile = certificate?.KeyFile,
    };

    /// <summary>Ingest options for the aggregator presenting its own certificate.</summary>
    public static MqttIngestOptions IngestOptions(int port, TlsClientOptions? tls) => new()
    {
        Port = port,
        ClientId = "agg-tls",
        Tls = tls,
        ReconnectInterval = TimeSpan.FromMilliseconds(100),
    };

    /// <summary>MQTTnet options of a test client, with TLS when <paramref name="tls"/> is given.</summary>
    public static MqttClientOptions ClientOptions(int port, string clientId, TlsClientOptions? tls) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithTls(tls)
            .Build();

    /// <summary>Tries to connect; a refusal at the TLS layer is an exception, at the MQTT layer a result code.</summary>
    public static async Task<string> TryConnectAsync(MqttClientOptions options)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await client.ConnectAsync(options);
            if (client.IsConnected)
            {
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
            }

            return result.ResultCode.ToString();
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or IOException)
        {
            return "failed: " + e.GetType().Name;
        }
    }

    /// <summary>A store with f1/d1 and f1/d2 provisioned (their signing keys in <see cref="ProvisionedFleet.Keys"/>).</summary>
    public static async Task<(IAggregatorStore Store, ProvisionedFleet Devices)> OpenStoreAsync(string folder)
    {
        var store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "s.db") });
        return (store, await ProvisionedFleet.CreateAsync(store, Fleet, "d1", "d2"));
    }
}
