using System.Net;
using System.Net.Sockets;

namespace EdgeSentinel.Runtime.Tests.Reporting.Support;

/// <summary>A loopback TCP proxy to a broker whose current connections can be frozen: bytes are swallowed in both directions but the sockets stay open — a dead link that no socket error reveals.</summary>
internal sealed class FreezingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Link> _links = [];
    private readonly Lock _lock = new();
    private readonly Task _accept;

    public FreezingProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>Freezes every connection open now; later connections pass normally.</summary>
    public void FreezeAll()
    {
        lock (_lock)
        {
            foreach (var link in _links)
            {
                link.Frozen = true;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_lock)
        {
            foreach (var link in _links)
            {
                link.Client.Dispose();
                link.Server.Dispose();
            }
        }

        try
        {
            await _accept;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var server = new TcpClient();
            await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            var link = new Link(client, server);
            lock (_lock)
            {
                _links.Add(link);
            }

            _ = PumpAsync(link, client.GetStream(), server.GetStream());
            _ = PumpAsync(link, server.GetStream(), client.GetStream());
        }
    }

    private async Task PumpAsync(Link link, NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                if (!link.Frozen)
                {
                    await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Link closed.
        }

        if (!link.Frozen)
        {
            link.Client.Dispose();
            link.Server.Dispose();
        }
    }

    private sealed class Link(TcpClient client, TcpClient server)
    {
        public TcpClient Client { get; } = client;

        public TcpClient Server { get; } = server;

        public volatile bool Frozen;
    }
}
