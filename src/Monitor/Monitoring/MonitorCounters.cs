namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>Running counts of a <see cref="DriftMonitor"/>; a snapshot, safe to read from any thread.</summary>
/// <param name="Observations">Observations seen.</param>
/// <param name="NonFiniteObservations">Observations with at least one NaN or ±∞ value.</param>
/// <param name="SequentialAlarms">Sequential alarms raised.</param>
/// <param name="ActivationAnomalies">Activation anomalies raised.</param>
/// <param name="CompletedWindows">Windows completed.</param>
/// <param name="DroppedWindows">Completed windows dropped because no buffer was free (the analysis fell behind).</param>
/// <param name="DroppedEvents">Alarms or anomalies dropped because their queue was full.</param>
public readonly record struct MonitorCounters(
    long Observations,
    long NonFiniteObservations,
    long SequentialAlarms,
    long ActivationAnomalies,
    long CompletedWindows,
    long DroppedWindows,
    long DroppedEvents);
