namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>
/// The sequential layer alarmed on one score stream: its CUSUM (or Page–Hinkley, Shiryaev–Roberts) statistic crossed the
/// calibrated threshold, or (<see cref="SequentialAlarmSource.SupportLimit"/>) one reading of an input channel lay beyond
/// the training support (<see cref="Baselines.SupportLimits"/>).
/// </summary>
/// <param name="Sample">Index of the observation (0-based, since the monitor started).</param>
/// <param name="Stream">Score stream index (see <see cref="DriftMonitor.StreamName"/>).</param>
/// <param name="Statistic">Detector statistic at the alarm; for a support limit, the reading.</param>
/// <param name="Threshold">Calibrated threshold; for a support limit, the limit the reading crossed.</param>
/// <param name="InputStatisticRatio">Largest input-stream statistic divided by the threshold at that moment.</param>
/// <param name="Source">Which detector of the layer alarmed.</param>
public readonly record struct SequentialAlarm(long Sample, int Stream, double Statistic, double Threshold, double InputStatisticRatio, SequentialAlarmSource Source = SequentialAlarmSource.Statistic);

/// <summary>Which detector of the sequential layer raised a <see cref="SequentialAlarm"/>.</summary>
public enum SequentialAlarmSource
{
    /// <summary>The stream's sequential statistic crossed the bank's threshold.</summary>
    Statistic = 0,

    /// <summary>A reading lay beyond the input channel's support limits.</summary>
    SupportLimit = 1,
}
