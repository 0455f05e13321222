namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>Running counts of a <see cref="DriftMonitor"/>; a snapshot, safe to read from any thread.</summary>
/// <param name="Observations">Observations seen.</param>
/// <param name="NonFiniteObservations">Observations with at least one NaN or ±∞ value.</param>
/// <param name="SequentialAlarms">Sequential alarms raised (by the statistic or by a support limit).</param>
/// <param name="ActivationAnomalies">Activation exceedances: observations whose distance on a tap exceeded its threshold, counted per tap (alarmed or not).</param>
/// <param name="CompletedWindows">Windows completed.</param>
/// <param name="DroppedWindows">Completed windows dropped because no buffer was free (the analysis fell behind).</param>
/// <param name="DroppedEvents">Alarms or anomalies dropped because their queue was full.</param>
/// <param name="ActivationEpisodes">Activation-anomaly alarms raised: episode onsets, the first exceedance on a tap after at least the baseline's episode gap without one.</param>
/// <param name="SupportLimitAlarms">Of <paramref name="SequentialAlarms"/>, those raised by an input channel's support limit.</param>
public readonly record struct MonitorCounters(
    long Observations,
    long NonFiniteObservations,
    long SequentialAlarms,
    long ActivationAnomalies,
    long CompletedWindows,
    long DroppedWindows,
    long DroppedEvents,
    long ActivationEpisodes,
    long SupportLimitAlarms = 0);
