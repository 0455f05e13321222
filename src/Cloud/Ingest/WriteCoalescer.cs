namespace EdgeSentinel.Cloud.Ingest;

/// <summary>
/// Gathers what MQTTnet writes to the ingest's current connection during a stretch of work — a batch's PUBACKs and stored
/// acknowledgements — into one socket write: MQTTnet 5.2 sends every PUBACK as a packet of its own, one send call (and one
/// wake-up of the broker) each.
/// </summary>
/// <remarks>Thread-safe. The connection is the latest <see cref="WindowedChannel"/> the adapter factory made.</remarks>
internal sealed class WriteCoalescer
{
    private volatile WindowedChannel? _channel;

    /// <summary>Makes <paramref name="channel"/> the connection whose writes are gathered from now on.</summary>
    public void Attach(WindowedChannel channel) => _channel = channel;

    /// <summary>Starts gathering the current connection's writes; the caller must end with <see cref="WindowedChannel.FlushGatheredAsync"/> on the channel returned (null: no connection yet).</summary>
    public WindowedChannel? Begin()
    {
        var channel = _channel;
        channel?.BeginGathering();
        return channel;
    }
}
