using System.Net;
using System.Net.Sockets;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>
/// A TCP proxy on loopback between devices and the broker that the test controls. <see cref="Blackhole"/>
/// cuts the network the way a dead radio link or a pulled cable does: bytes are swallowed in both
/// directions, but no socket is closed and no error reaches either side — only a timeout can reveal it.
/// Connections made during the cut are accepted and swallowed too. <see cref="Restore"/> makes new
/// connections pass again; the connections that lived through the cut stay dead (their bytes are lost).
/// </summary>
public sealed class BlackholeProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Link> _links = [];
    private readonly Lock _lock = new();
    private readonly Task _accept;
    private volatile bool _cut;

    public BlackholeProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = AcceptLoopAsync();
    }

    /// <summary>The port devices connect to.</summary>
    public int Port { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted { get; private set; }

    public bool IsCut => _cut;

    /// <summary>Cuts every connection open now and every one made until <see cref="Restore"/>.</summary>
    public void Blackhole()
    {
        lock (_lock)
        {
            _cut = true;
            foreach (var link in _links)
            {
                link.Dead = true;
            }
        }
    }

    /// <summary>New connections pass again (the cut ones stay dead).</summary>
    public void Restore()
    {
        lock (_lock)
        {
            _cut = false;
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
                link.Dispose();
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
            Link link;
            lock (_lock)
            {
                Accepted++;
                link = new Link(client) { Dead = _cut };
                _links.Add(link);
            }

            if (link.Dead)
            {
                _ = SwallowAsync(link, client.GetStream()); // like SYNs into the void, except that the handshake completes
                continue;
            }

            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            }
            catch (SocketException)
            {
                server.Dispose();
                link.Dispose(); // broker down: refuse, as it would
                continue;
            }

            link.Server = server;
            _ = PumpAsync(link, client.GetStream(), server.GetStream());
            _ = PumpAsync(link, server.GetStream(), client.GetStream());
        }
    }

    private async Task SwallowAsync(Link link, NetworkStream from)
    {
        var buffer = new byte[4096];
        try
        {
            while (await from.ReadAsync(buffer, _stop.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Closed.
        }

        link.Dispose();
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

                if (!link.Dead)
                {
                    await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Closed.
        }

        if (!link.Dead)
        {
            link.Dispose(); // one side closed: close the other (a dead link never closes by itself)
        }
    }

    private sealed class Link(TcpClient client) : IDisposable
    {
        public TcpClient Client { get; } = client;

        public TcpClient? Server { get; set; }

        public volatile bool Dead;

        public void Dispose()
        {
            Client.Dispose();
            Server?.Dispose();
        }
    }
}
