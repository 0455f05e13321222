using Microsoft.Extensions.Logging;

namespace EdgeSentinel.Cloud.Ingest;

/// <summary>What the MQTT ingest tells the operator about its link and its store (warnings unless noted).</summary>
internal static partial class IngestLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Ingest: reconnecting to {Host}:{Port} after a failed store or acknowledgement, so that the broker redelivers the unacknowledged messages")]
    public static partial void ReconnectingToRedeliver(ILogger logger, string host, int port);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Ingest: the broker at {Host}:{Port} did not answer a ping within {KeepAlive}; closing the connection and reconnecting")]
    public static partial void PingUnanswered(ILogger logger, string host, int port, TimeSpan keepAlive);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Ingest: not connected to the broker at {Host}:{Port}; trying again every {Interval}")]
    public static partial void Disconnected(ILogger logger, string host, int port, TimeSpan interval);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Ingest: reconnected to {Host}:{Port} ({Mode} subscription)")]
    public static partial void Reconnected(ILogger logger, string host, int port, SubscriptionMode mode);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Ingest: reconnecting to {Host}:{Port} failed")]
    public static partial void ReconnectFailed(ILogger logger, Exception exception, string host, int port);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Ingest: storing a batch of {Count} message(s) failed; they stay unacknowledged and the broker redelivers them")]
    public static partial void StoreFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Ingest: storing a batch of {Count} message(s) failed; trying once more before leaving it to redelivery")]
    public static partial void StoreRetried(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Ingest: acknowledging a stored batch of {Count} message(s) failed; the rest of it is redelivered after a reconnect")]
    public static partial void AcknowledgeFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Ingest: {Count} message(s) reached the idle ingest more than {Threshold} later than their devices' usual delay: the broker at {Host}:{Port} may be holding deliveries back (or devices are sending an outage's backlog); replacing the connection so that it sends whatever it holds")]
    public static partial void DeliveriesHeldBack(ILogger logger, int count, TimeSpan threshold, string host, int port);
}
