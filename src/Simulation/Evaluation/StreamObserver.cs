using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>Collects the detections of one stream: detector alarms by family, window drift scores and raised alerts by kind.</summary>
internal sealed class StreamObserver(long changePoint)
{
    private readonly List<(DetectorFamily Family, long Sample)> _alarms = [];
    private readonly List<(AlertKind Kind, long Sample)> _raised = [];
    private readonly List<WindowScore> _windows = [];

    public long ChangePoint { get; } = changePoint;

    public IReadOnlyList<(DetectorFamily Family, long Sample)> Alarms => _alarms;

    public IReadOnlyList<(AlertKind Kind, long Sample)> Raised => _raised;

    public IReadOnlyList<WindowScore> Windows => _windows;

    /// <summary>A detector of <paramref name="family"/> alarmed at <paramref name="sample"/>.</summary>
    public void DetectorAlarm(DetectorFamily family, long sample) => _alarms.Add((family, sample));

    /// <summary>A window was tested; <paramref name="driftScore"/> is −log10 of its smallest Holm-adjusted p-value.</summary>
    public void Window(long firstSample, long lastSample, double driftScore) => _windows.Add(new WindowScore(firstSample, lastSample, driftScore));

    /// <summary>An alert of <paramref name="kind"/> was raised when sample <paramref name="sample"/> had been seen.</summary>
    public void AlertRaised(AlertKind kind, long sample) => _raised.Add((kind, sample));
}
