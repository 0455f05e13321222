namespace EdgeSentinel.Runtime.Reporting;

/// <summary>Counters of the reporter's connection loop since it was created.</summary>
/// <param name="ConnectAttempts">Connection attempts made (the circuit breaker's refusals are not attempts).</param>
/// <param name="FailedConnects">Attempts that failed (network error or refusal with its result code).</param>
/// <param name="Sessions">Connections that succeeded.</param>
/// <param name="Acknowledged">Outbox entries the broker acknowledged and that left the outbox.</param>
/// <param name="LinkLosses">Sessions that ended because the link died (failed ping, publish or disconnect).</param>
/// <param name="PingFailures">Sessions the ping loop ended because the broker stopped answering (also in the middle of a publish).</param>
/// <param name="CommandsAccepted">Commands that passed every check and were handed to <see cref="DeviceReporter.CommandHandler"/>.</param>
/// <param name="CommandsRejected">Messages on the command topic that were rejected (see <see cref="DeviceReporter.LastCommandRejection"/>).</param>
/// <param name="LastError">The last connection or link error, or null.</param>
public readonly record struct ReporterStatistics(long ConnectAttempts, long FailedConnects, long Sessions, long Acknowledged, long LinkLosses, long PingFailures, long CommandsAccepted, long CommandsRejected, string? LastError);
