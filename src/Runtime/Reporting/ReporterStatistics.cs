namespace EdgeSentinel.Runtime.Reporting;

/// <summary>Counters of the reporter's connection loop since it was created.</summary>
/// <param name="ConnectAttempts">Connection attempts made (the circuit breaker's refusals are not attempts).</param>
/// <param name="FailedConnects">Attempts that failed (network error or refusal with its result code).</param>
/// <param name="Sessions">Connections that succeeded.</param>
/// <param name="Acknowledged">Outbox entries the broker acknowledged (and that left the outbox, or wait for the stored acknowledgement).</param>
/// <param name="LinkLosses">Sessions that ended because the link died (failed ping, publish or disconnect).</param>
/// <param name="PingFailures">Sessions the ping loop ended because the broker stopped answering (also in the middle of a publish).</param>
/// <param name="CommandsAccepted">Commands that passed every check and were handed to <see cref="DeviceReporter.CommandHandler"/>.</param>
/// <param name="CommandsRejected">Messages on the command topic that were rejected (see <see cref="DeviceReporter.LastCommandRejection"/>).</param>
/// <param name="LastError">The last connection or link error, or null.</param>
/// <param name="StoredAcks">Stored acknowledgements from the aggregator accepted (with <see cref="ReporterOptions.AwaitStoredAck"/>).</param>
/// <param name="StoredAcksRejected">Messages on the ack topic rejected (bad signature, malformed, or beyond any sequence sent).</param>
/// <param name="LastLinkLossAt">When (on the reporter's clock) the last session ended because the link died, or null.</param>
/// <param name="ResendPasses">Times the reporter sent uncovered alerts again because no stored acknowledgement came within <see cref="ReporterOptions.StoredAckTimeout"/>.</param>
public readonly record struct ReporterStatistics(long ConnectAttempts, long FailedConnects, long Sessions, long Acknowledged, long LinkLosses, long PingFailures, long CommandsAccepted, long CommandsRejected, string? LastError, long StoredAcks = 0, long StoredAcksRejected = 0, long ResendPasses = 0, DateTimeOffset? LastLinkLossAt = null);
