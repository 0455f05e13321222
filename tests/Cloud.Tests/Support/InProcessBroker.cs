using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>An MQTTnet broker on a free loopback port (no shared subscriptions, in-memory sessions).</summary>
public sealed class InProcessBroker : IAsyncDisposable
{
    private InProcessBroker(MqttServer server, int port)
    {
        Server = server;
        Port = port;
    }

    public MqttServer Server { get; }

    public int Port { get; }

    public static async Task<InProcessBroker> StartAsync()
    {
        var port = FreePort();
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions(true)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        await server.StartAsync();
        return new InProcessBroker(server, port);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync();
        Server.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
