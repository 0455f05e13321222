using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace EdgeSentinel.Cloud.Tests.Ingest;

/// <summary>MQTT packets as MQTTnet's MQTT 5 encoder writes them, and MQTTnet's adapter over a channel: the wire of the ingest's channel tests.</summary>
internal static class MqttWire
{
    /// <summary>The packets encoded one after another, and each one's length.</summary>
    public static (byte[] Wire, List<int> Sizes) Encode(IReadOnlyList<MqttPacket> packets)
    {
        var formatter = new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(4096, 1 << 20));
        var wire = new List<byte>();
        var sizes = new List<int>();
        foreach (var packet in packets)
        {
            var bytes = formatter.Encode(packet).ToArray();
            formatter.Cleanup();
            wire.AddRange(bytes);
            sizes.Add(bytes.Length);
        }

        return ([.. wire], sizes);
    }

    /// <summary>MQTTnet's MQTT 5 channel adapter (its packet reader and writer) over <paramref name="channel"/>.</summary>
    public static MqttChannelAdapter Adapter(IMqttChannel channel) =>
        new(channel, new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(4096, 1 << 20)), MqttNetNullLogger.Instance);
}

/// <summary>Serves a byte array in random chunks (at most what is asked and <c>maxChunk</c>); 0 at the end or once closed.</summary>
internal sealed class ChunkedChannel(byte[] wire, Random random, int maxChunk) : IMqttChannel
{
    private int _position;
    private bool _closed;

    public X509Certificate2 ClientCertificate => null!;

    public EndPoint RemoteEndPoint => null!;

    public EndPoint LocalEndPoint => null!;

    public bool IsSecureConnection => false;

    public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DisconnectAsync(CancellationToken cancellationToken)
    {
        _closed = true;
        return Task.CompletedTask;
    }

    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_closed || _position == wire.Length)
        {
            return Task.FromResult(0);
        }

        var n = Math.Min(random.Next(1, maxChunk + 1), Math.Min(count, wire.Length - _position));
        Array.Copy(wire, _position, buffer, offset, n);
        _position += n;
        return Task.FromResult(n);
    }

    /// <summary>Every write, as one array each.</summary>
    public List<byte[]> Writes { get; } = [];

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        lock (Writes)
        {
            Writes.Add(buffer.ToArray());
        }

        return Task.CompletedTask;
    }

    public void Dispose() => _closed = true;
}
