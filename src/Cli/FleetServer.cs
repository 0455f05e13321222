using System.Net;
using EdgeSentinel.Cloud;
using EdgeSentinel.Cloud.Broker;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cli;

/// <summary>The cloud side on one machine: the store, an embedded authenticated MQTT broker and the aggregator (ingest, HTTP API, dashboard), started and stopped together.</summary>
internal sealed class FleetServer : IAsyncDisposable
{
    private FleetServer(IAggregatorStore store, EmbeddedBroker broker, Aggregator aggregator, DeviceKeyRegistry keys)
    {
        Store = store;
        Broker = broker;
        Aggregator = aggregator;
        Keys = keys;
    }

    public IAggregatorStore Store { get; }

    public EmbeddedBroker Broker { get; }

    public Aggregator Aggregator { get; }

    public DeviceKeyRegistry Keys { get; }

    /// <summary>The address devices connect to.</summary>
    public string BrokerHost => IPAddress.IsLoopback(Broker.Address) || Broker.Address.Equals(IPAddress.Any) ? "127.0.0.1" : Broker.Address.ToString();

    /// <summary>Opens the store and starts the embedded broker (port 0 = a free one) and the aggregator (HTTP port 0 = a free one).</summary>
    public static async Task<FleetServer> StartEmbeddedAsync(StoreLocation location, string bind, int httpPort, int mqttPort, string clientId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        var address = IPAddress.Parse(bind);
        var options = new AggregatorOptions
        {
            HttpUrl = $"http://{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString())}:{httpPort}",
        };
        location.ApplyTo(options);
        options.Mqtt.ClientId = clientId;

        IAggregatorStore? store = null;
        EmbeddedBroker? broker = null;
        try
        {
            store = await location.OpenAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var keys = new DeviceKeyRegistry();
            await DeviceProvisioning.LoadKeysAsync(store, keys, cancellationToken).ConfigureAwait(false);
            var brokerOptions = new EmbeddedBrokerOptions { BindAddress = bind, Port = mqttPort, AggregatorPassword = DeviceProvisioning.GeneratePassword() };
            broker = await EmbeddedBroker.StartAsync(brokerOptions, store, cancellationToken).ConfigureAwait(false);
            options.Mqtt.Host = IPAddress.IsLoopback(broker.Address) || broker.Address.Equals(IPAddress.Any) ? "127.0.0.1" : broker.Address.ToString();
            options.Mqtt.Port = broker.Port;
            options.Mqtt.Username = brokerOptions.AggregatorUsername;
            options.Mqtt.Password = brokerOptions.AggregatorPassword;
            var aggregator = await Aggregator.StartAsync(options, keys, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new FleetServer(store, broker, aggregator, keys);
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
        await Broker.DisposeAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
    }
}
