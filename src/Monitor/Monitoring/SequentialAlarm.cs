namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>A sequential detector on one score stream crossed its calibrated threshold.</summary>
/// <param name="Sample">Index of the observation (0-based, since the monitor started).</param>
/// <param name="Stream">Score stream index (see <see cref="DriftMonitor.StreamName"/>).</param>
/// <param name="Statistic">Detector statistic at the alarm.</param>
/// <param name="Threshold">Calibrated threshold.</param>
/// <param name="InputStatisticRatio">Largest input-stream statistic divided by the threshold at that moment.</param>
public readonly record struct SequentialAlarm(long Sample, int Stream, double Statistic, double Threshold, double InputStatisticRatio);
