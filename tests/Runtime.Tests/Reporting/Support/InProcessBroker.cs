using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace EdgeSentinel.Runtime.Tests.Reporting.Support;

/// <summary>An MQTTnet broker on loopback and a free port; can be stopped and started again on the same port.</summary>
internal sealed class InProcessBroker : IAsyncDisposable
{
    private readonly Func<ValidatingConnectionEventArgs, Task>? _validate;
    private MqttServer? _server;

    private InProcessBroker(int port, Func<ValidatingConnectionEventArgs, Task>? validate)
    {
        Port = port;
        _validate = validate;
    }

    public int Port { get; }

    /// <summary>Called for every PUBLISH the broker receives, before it acknowledges it (an embedded aggregator's view).</summary>
    public Action<MQTTnet.MqttApplicationMessage>? OnPublish { get; set; }

    /// <summary>The retained message on <paramref name="topic"/>, or null.</summary>
    public async Task<MQTTnet.MqttApplicationMessage?> RetainedAsync(string topic) =>
        _server is { } server ? await server.GetRetainedMessageAsync(topic) : null;

    public static async Task<InProcessBroker> StartAsync(Func<ValidatingConnectionEventArgs, Task>? validate = null)
    {
        var broker = new InProcessBroker(FreePort(), validate);
        await broker.StartAsync();
        return broker;
    }

    public async Task StartAsync()
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(Port)
            .WithDefaultEndpointReuseAddress()
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(options);
        _server.InterceptingPublishAsync += e =>
        {
            OnPublish?.Invoke(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        if (_validate is not null)
        {
            _server.ValidatingConnectionAsync += _validate;
        }

        await _server.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.StopAsync(new MqttServerStopOptions());
            server.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
