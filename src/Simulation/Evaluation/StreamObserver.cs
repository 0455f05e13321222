using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Monitoring;

namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>Collects the detections of one stream: detector alarms by family, window drift scores and raised alerts by kind.</summary>
internal sealed class StreamObserver(long changePoint)
{
    private readonly List<(DetectorFamily Family, long Sample)> _alarms = [];
    private readonly List<long> _supportLimitAlarms = [];
    private readonly List<(AlertKind Kind, long Sample)> _raised = [];
    private readonly List<WindowScore> _windows = [];

    public long ChangePoint { get; } = changePoint;

    public IReadOnlyList<(DetectorFamily Family, long Sample)> Alarms => _alarms;

    /// <summary>Samples of the sequential alarms raised by a support limit (a reading beyond the training support), also in <see cref="Alarms"/>.</summary>
    public IReadOnlyList<long> SupportLimitAlarms => _supportLimitAlarms;

    public IReadOnlyList<(AlertKind Kind, long Sample)> Raised => _raised;

    public IReadOnlyList<WindowScore> Windows => _windows;

    /// <summary>Per-row activation exceedances (the monitor's counter, per tap, alarmed or not); the alarms are episode onsets.</summary>
    public long ActivationExceedances { get; set; }

    /// <summary>A detector of <paramref name="family"/> alarmed at <paramref name="sample"/>.</summary>
    public void DetectorAlarm(DetectorFamily family, long sample) => _alarms.Add((family, sample));

    /// <summary>A sequential alarm, raised by the statistic or by a support limit.</summary>
    public void SequentialAlarm(SequentialAlarm alarm)
    {
        DetectorAlarm(DetectorFamily.Sequential, alarm.Sample);
        if (alarm.Source == SequentialAlarmSource.SupportLimit)
        {
            SupportLimitAlarm(alarm.Sample);
        }
    }

    /// <summary>Marks a sequential alarm at <paramref name="sample"/> (already passed to <see cref="DetectorAlarm"/>) as a support limit's.</summary>
    public void SupportLimitAlarm(long sample) => _supportLimitAlarms.Add(sample);

    /// <summary>A window was tested; <paramref name="driftScore"/> is −log10 of its smallest Holm-adjusted p-value.</summary>
    public void Window(long firstSample, long lastSample, double driftScore) => _windows.Add(new WindowScore(firstSample, lastSample, driftScore));

    /// <summary>
    /// An analyzed window: its drift score is the largest input-drift or behavior-divergence score, and a
    /// <see cref="DetectorFamily.Window"/> alarm is counted at its last sample when one of those signals is above threshold.
    /// </summary>
    public void WindowAnalyzed(WindowReport report)
    {
        var score = 0.0;
        var alarmed = false;
        foreach (var signal in report.Signals)
        {
            if (signal.Kind is AlertKind.InputDrift or AlertKind.BehaviorDivergence)
            {
                score = Math.Max(score, signal.Score);
                alarmed |= signal.IsAboveThreshold;
            }
        }

        Window(report.FirstSample, report.LastSample, score);
        if (alarmed)
        {
            DetectorAlarm(DetectorFamily.Window, report.LastSample);
        }
    }

    /// <summary>An alert of <paramref name="kind"/> was raised when sample <paramref name="sample"/> had been seen.</summary>
    public void AlertRaised(AlertKind kind, long sample) => _raised.Add((kind, sample));
}
