using System.Net;
using EdgeSentinel.Cloud;
using EdgeSentinel.Cloud.Broker;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Protocol.Transport;

namespace EdgeSentinel.Cli;

/// <summary>The cloud side: the store, the MQTT broker (an embedded authenticated one, or an external one) and the aggregator (ingest, HTTP API, dashboard), started and stopped together.</summary>
internal sealed class FleetServer : IAsyncDisposable
{
    private FleetServer(IAggregatorStore store, EmbeddedBroker? broker, Aggregator aggregator, DeviceKeyRegistry keys, int devices, string brokerDescription, string brokerHost, int brokerPort)
    {
        Store = store;
        Broker = broker;
        Aggregator = aggregator;
        Keys = keys;
        ProvisionedDevices = devices;
        BrokerDescription = brokerDescription;
        BrokerHost = brokerHost;
        BrokerPort = brokerPort;
    }

    public IAggregatorStore Store { get; }

    /// <summary>The embedded broker; null when the aggregator ingests from an external one.</summary>
    public EmbeddedBroker? Broker { get; }

    public Aggregator Aggregator { get; }

    public DeviceKeyRegistry Keys { get; }

    /// <summary>Devices provisioned in the store when the server started.</summary>
    public int ProvisionedDevices { get; }

    /// <summary>One line saying which broker the aggregator ingests from.</summary>
    public string BrokerDescription { get; }

    /// <summary>The host devices connect to (the embedded broker's; the external broker's otherwise).</summary>
    public string BrokerHost { get; }

    /// <summary>The port devices connect to.</summary>
    public int BrokerPort { get; }

    /// <summary>Opens the store and starts the embedded broker (port 0 = a free one) and the aggregator (HTTP port 0 = a free one); <paramref name="apiToken"/> null makes the HTTP API read-only.</summary>
    public static Task<FleetServer> StartEmbeddedAsync(StoreLocation location, string bind, int httpPort, int mqttPort, string clientId, string? apiToken, CancellationToken cancellationToken) =>
        StartAsync(location, bind, httpPort, mqttPort, clientId, externalBroker: null, username: null, password: null, tls: null, apiToken, cancellationToken);

    /// <summary>
    /// Opens the store and starts the aggregator on <paramref name="externalBroker"/> (mqtt://host:port, or mqtts://host:port
    /// with <paramref name="tls"/>) with the given credentials, or on an embedded broker when it is null; <paramref name="apiToken"/>
    /// null makes the HTTP API read-only.
    /// </summary>
    public static async Task<FleetServer> StartAsync(StoreLocation location, string bind, int httpPort, int mqttPort, string clientId,
        Uri? externalBroker, string? username, string? password, TlsClientOptions? tls, string? apiToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        var address = IPAddress.Parse(bind);
        var options = new AggregatorOptions
        {
            HttpUrl = $"http://{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString())}:{httpPort}",
            ApiToken = apiToken,
        };
        location.ApplyTo(options);
        options.Mqtt.ClientId = clientId;

        IAggregatorStore? store = null;
        EmbeddedBroker? broker = null;
        try
        {
            store = await location.OpenAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var keys = new DeviceKeyRegistry();
            var devices = await DeviceProvisioning.LoadKeysAsync(store, keys, cancellationToken).ConfigureAwait(false);
            string description;
            if (externalBroker is null)
            {
                var brokerOptions = new EmbeddedBrokerOptions { BindAddress = bind, Port = mqttPort, AggregatorPassword = DeviceProvisioning.GeneratePassword() };
                broker = await EmbeddedBroker.StartAsync(brokerOptions, store, cancellationToken).ConfigureAwait(false);
                options.Mqtt.Host = IPAddress.IsLoopback(broker.Address) || broker.Address.Equals(IPAddress.Any) ? "127.0.0.1" : broker.Address.ToString();
                options.Mqtt.Port = broker.Port;
                options.Mqtt.Username = brokerOptions.AggregatorUsername;
                options.Mqtt.Password = brokerOptions.AggregatorPassword;
                description = $"embedded MQTT 5 broker (authenticated, per-device topic ACL, persistent sessions) on mqtt://{bind}:{broker.Port}";
            }
            else
            {
                options.Mqtt.Host = externalBroker.Host;
                options.Mqtt.Port = BrokerAddress.Port(externalBroker);
                options.Mqtt.Username = username;
                options.Mqtt.Password = password;
                options.Mqtt.Tls = tls;
                description = $"external broker {(tls is null ? "mqtt" : "mqtts")}://{options.Mqtt.Host}:{options.Mqtt.Port}" +
                    (tls is null ? string.Empty : $" (TLS{(tls.ClientCertificateFile is null ? string.Empty : ", client certificate")}{(tls.CaCertificateFile is null ? ", system CAs" : ", CA " + tls.CaCertificateFile)})");
            }

            var aggregator = await Aggregator.StartAsync(options, keys, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new FleetServer(store, broker, aggregator, keys, devices, description, options.Mqtt.Host, options.Mqtt.Port);
        }
        catch
        {
            if (broker is not null)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
            }

            if (store is not null)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Re-reads the device keys from the store (after provisioning).</summary>
    public Task<int> ReloadKeysAsync(CancellationToken cancellationToken) => DeviceProvisioning.LoadKeysAsync(Store, Keys, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Aggregator.DisposeAsync().ConfigureAwait(false);
        if (Broker is not null)
        {
            await Broker.DisposeAsync().ConfigureAwait(false);
        }

        await Store.DisposeAsync().ConfigureAwait(false);
    }
}
