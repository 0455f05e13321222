using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeSentinel.Cloud.Broker;

/// <summary>
/// The in-process MQTT 5 broker of a one-machine setup (MQTTnet): devices authenticate with the
/// credentials provisioned in the store, the aggregator with its own; each device may publish only
/// on its own alert, fingerprint and status topics and subscribe only to its own commands.
/// </summary>
/// <remarks>
/// <para>Sessions are persistent (<c>WithPersistentSessions</c>): QoS 1 messages for a disconnected
/// session that did not start clean are queued and delivered after it reconnects — in memory only, so
/// a broker restart loses them (devices keep everything in their outbox until acknowledged).
/// MQTTnet offers no shared subscriptions: one aggregator instance per embedded broker.</para>
/// <para>Device passwords are checked against the store on every connect (a newly provisioned device
/// can connect at once). Thread-safe.</para>
/// </remarks>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly IAggregatorStore _store;
    private readonly byte[] _aggregatorPassword;
    private readonly string _aggregatorUsername;
    private long _refusedConnections;
    private long _deniedPublishes;
    private long _deniedSubscriptions;

    private EmbeddedBroker(MqttServer server, IAggregatorStore store, EmbeddedBrokerOptions options, IPAddress address, int port)
    {
        _server = server;
        _store = store;
        _aggregatorUsername = options.AggregatorUsername;
        _aggregatorPassword = Encoding.UTF8.GetBytes(options.AggregatorPassword!);
        Address = address;
        Port = port;
        server.ValidatingConnectionAsync += ValidateConnectionAsync;
        server.InterceptingPublishAsync += AuthorizePublishAsync;
        server.InterceptingSubscriptionAsync += AuthorizeSubscriptionAsync;
    }

    /// <summary>The address it listens on.</summary>
    public IPAddress Address { get; }

    /// <summary>The TCP port it listens on.</summary>
    public int Port { get; }

    /// <summary>Connections refused (unknown user, wrong password, device client id not its own).</summary>
    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

    /// <summary>Publishes refused (NotAuthorized): a client wrote outside its own topics.</summary>
    public long DeniedPublishes => Interlocked.Read(ref _deniedPublishes);

    /// <summary>Subscriptions refused (NotAuthorized).</summary>
    public long DeniedSubscriptions => Interlocked.Read(ref _deniedSubscriptions);

    /// <summary>Validates the options and starts listening.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    public static async Task<EmbeddedBroker> StartAsync(EmbeddedBrokerOptions options, IAggregatorStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid embedded broker options: " + string.Join("; ", problems), nameof(options));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var address = IPAddress.Parse(options.BindAddress);
        var port = options.Port == 0 ? FreePort(address) : options.Port;
        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(address)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions(true)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(serverOptions);
        var broker = new EmbeddedBroker(server, store, options, address, port);
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return broker;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync().ConfigureAwait(false);
        _server.Dispose();
    }

    private async Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        var code = await CheckCredentialsAsync(e.UserName, e.Password, e.ClientId, e.CancellationToken).ConfigureAwait(false);
        e.ReasonCode = code;
        if (code != MqttConnectReasonCode.Success)
        {
            Interlocked.Increment(ref _refusedConnections);
        }
    }

    private async Task<MqttConnectReasonCode> CheckCredentialsAsync(string? username, string? password, string? clientId, CancellationToken cancellationToken)
    {
        if (username is null || password is null)
        {
            return MqttConnectReasonCode.BadUserNameOrPassword;
        }

        if (string.Equals(username, _aggregatorUsername, StringComparison.Ordinal))
        {
            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), _aggregatorPassword)
                ? MqttConnectReasonCode.Success
                : MqttConnectReasonCode.BadUserNameOrPassword;
        }

        if (!DeviceProvisioning.TryParseMqttUsername(username, out var fleet, out var device))
        {
            return MqttConnectReasonCode.BadUserNameOrPassword;
        }

        DeviceCredentials? credentials;
        try
        {
            credentials = await _store.FindDeviceCredentialsAsync(fleet, device, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the store is unreachable: refuse for now, the device retries
        catch (Exception)
#pragma warning restore CA1031
        {
            return MqttConnectReasonCode.ServerUnavailable;
        }

        if (credentials is null || !MosquittoPasswordHash.Verify(password, credentials.MqttPasswordHash))
        {
            return MqttConnectReasonCode.BadUserNameOrPassword;
        }

        // A device uses its own client id, so it cannot take over another client's session.
        return string.Equals(clientId, DeviceProvisioning.MqttClientId(fleet, device), StringComparison.Ordinal)
            ? MqttConnectReasonCode.Success
            : MqttConnectReasonCode.ClientIdentifierNotValid;
    }

    private Task AuthorizePublishAsync(InterceptingPublishEventArgs e)
    {
        if (!MayPublish(e.UserName, e.ApplicationMessage.Topic))
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            Interlocked.Increment(ref _deniedPublishes);
        }

        return Task.CompletedTask;
    }

    private Task AuthorizeSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (!MaySubscribe(e.UserName, e.TopicFilter.Topic))
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            Interlocked.Increment(ref _deniedSubscriptions);
        }

        return Task.CompletedTask;
    }

    private bool MayPublish(string? username, string topic)
    {
        if (StoredAck.IsTopic(topic))
        {
            return string.Equals(username, _aggregatorUsername, StringComparison.Ordinal); // stored acknowledgements come from the aggregator only
        }

        if (!EdgeTopics.TryParse(topic, out var address, out _))
        {
            return false;
        }

        if (string.Equals(username, _aggregatorUsername, StringComparison.Ordinal))
        {
            return address.Kind == TopicKind.Command;
        }

        return DeviceProvisioning.TryParseMqttUsername(username, out var fleet, out var device)
            && address.Kind != TopicKind.Command
            && string.Equals(address.Fleet, fleet, StringComparison.Ordinal)
            && string.Equals(address.Device, device, StringComparison.Ordinal);
    }

    private bool MaySubscribe(string? username, string filter)
    {
        if (string.Equals(username, _aggregatorUsername, StringComparison.Ordinal))
        {
            return filter.StartsWith(EdgeTopics.Prefix + "/", StringComparison.Ordinal) || filter.StartsWith("$share/", StringComparison.Ordinal);
        }

        return DeviceProvisioning.TryParseMqttUsername(username, out var fleet, out var device)
            && (string.Equals(filter, EdgeTopics.Build(fleet, device, TopicKind.Command), StringComparison.Ordinal)
                || string.Equals(filter, StoredAck.Topic(fleet, device), StringComparison.Ordinal));
    }

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
