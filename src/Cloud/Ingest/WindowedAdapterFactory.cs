using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;

namespace EdgeSentinel.Cloud.Ingest;

/// <summary>
/// MQTTnet's TCP client adapter (as <see cref="MqttClientAdapterFactory"/> makes it: socket, TLS, packet formatter)
/// with the connection wrapped in a <see cref="WindowedChannel"/> over one <see cref="ReceiveWindow"/> shared by all
/// connections of the ingest; the newest connection is the one <paramref name="writes"/> gathers writes on. With
/// <paramref name="publishes"/>, the connection reads PUBLISH packets itself and hands them there (see <see cref="WindowedChannel"/>).
/// </summary>
internal sealed class WindowedAdapterFactory(ReceiveWindow window, Action onStalled, TimeSpan stallInterval, TimeProvider timeProvider, Action<TimeSpan>? onResumed = null, WriteCoalescer? writes = null, IPublishReceiver? publishes = null) : IMqttClientAdapterFactory
{
    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ChannelOptions is not MqttClientTcpOptions)
        {
            throw new NotSupportedException("The ingest connects over TCP (with or without TLS) only.");
        }

        // MQTTnet calls this from ConnectAsync, after the previous connection's reader and handler have stopped.
        window.StartConnection();
        var channel = new WindowedChannel(new MqttTcpChannel(options), window, onStalled, stallInterval, timeProvider, onResumed: onResumed, publishes: publishes);
        writes?.Attach(channel);
        var formatter = new MqttPacketFormatterAdapter(options.ProtocolVersion, new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
        return new MqttChannelAdapter(channel, formatter, logger)
        {
            AllowPacketFragmentation = options.AllowPacketFragmentation,
            PacketInspector = packetInspector,
        };
    }
}
