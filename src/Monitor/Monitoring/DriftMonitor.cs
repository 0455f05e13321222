using System.Runtime.CompilerServices;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Detection.Sequential;
using EdgeSentinel.Monitor.Fingerprints;

namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>
/// Watches one model against its <see cref="Baseline"/>: <see cref="Observe"/> is called once per
/// inference on the hot path; completed windows and events are taken and analyzed elsewhere.
/// </summary>
/// <remarks>
/// Threading: <see cref="Observe"/> must be called from one thread (the inference thread); it
/// allocates nothing, takes no lock and never waits. <see cref="TryTakeWindow"/>,
/// <see cref="ReturnWindow"/>, <see cref="TryTakeSequentialAlarm"/> and
/// <see cref="TryTakeActivationAnomaly"/> must be called from one other thread (or the same one).
/// <see cref="AnalyzeWindow"/> and the signal conversions are thread-safe.
/// When the analysis falls behind, completed windows and events are dropped and counted, never
/// blocking inference.
/// </remarks>
public sealed class DriftMonitor
{
    private readonly Baseline _baseline;
    private readonly FingerprintSchema _schema;
    private readonly ObservationProjector _projector;
    private readonly ScoringModel _scoring;
    private readonly SequentialDetectorBank _bank;
    private readonly double[] _row;
    private readonly double[] _scores;
    private readonly double[] _tapDistances;
    private readonly double[] _anomalyThresholds;
    private readonly long[] _lastExceedance;
    private readonly SupportLimits? _support;
    private readonly double[] _supportLower;
    private readonly double[] _supportUpper;
    private readonly long[] _lastSupportAlarm;
    private readonly int _episodeGap;
    private readonly int _inputStreams;
    private readonly int _windowSize;
    private readonly SingleProducerSingleConsumerRing<ObservationWindow> _free;
    private readonly SingleProducerSingleConsumerRing<ObservationWindow> _ready;
    private readonly SingleProducerSingleConsumerRing<SequentialAlarm> _alarms;
    private readonly SingleProducerSingleConsumerRing<ActivationAnomaly> _anomalies;
    private readonly WindowAnalyzer _analyzer;
    private readonly string[] _streamNames;
    private readonly ChannelRole[] _streamRoles;
    private ObservationWindow? _current;
    private long _observations;
    private long _nonFinite;
    private long _sequentialAlarms;
    private long _supportLimitAlarms;
    private long _activationAnomalies;
    private long _activationEpisodes;
    private long _completedWindows;
    private long _droppedWindows;
    private long _droppedEvents;
    private long _lastInputAlarm = long.MinValue / 2;

    /// <summary>Creates a monitor for <paramref name="baseline"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    public DriftMonitor(Baseline baseline, DriftMonitorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        options ??= new DriftMonitorOptions();
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid monitor options:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", problems), nameof(options));
        }

        _baseline = baseline;
        _schema = baseline.Schema;
        _projector = new ObservationProjector(_schema);
        _scoring = baseline.Scoring.Clone();
        var calibration = baseline.Calibration.Sequential;
        _bank = new SequentialDetectorBank(calibration);
        _row = new double[_schema.Channels.Count];
        _scores = new double[_scoring.StreamCount];
        _tapDistances = new double[_schema.Taps.Count];
        _anomalyThresholds = [.. baseline.Calibration.ActivationAnomalyThresholds];
        _episodeGap = baseline.Calibration.ActivationEpisodeGap;
        _lastExceedance = new long[_anomalyThresholds.Length];
        _lastExceedance.AsSpan().Fill(long.MinValue / 2);
        _windowSize = options.WindowSize == 0 ? baseline.Calibration.WindowSize : options.WindowSize;
        _support = baseline.Calibration.Support;

        _streamNames = new string[_scoring.StreamCount];
        _streamRoles = new ChannelRole[_scoring.StreamCount];
        for (var s = 0; s < _scoring.StreamChannels.Length; s++)
        {
            var channel = _schema.Channels[_scoring.StreamChannels[s]];
            _streamNames[s] = channel.Name;
            _streamRoles[s] = channel.Role;
            if (channel.Role == ChannelRole.Input)
            {
                _inputStreams = s + 1;
            }
        }

        _lastSupportAlarm = new long[_inputStreams];
        _lastSupportAlarm.AsSpan().Fill(long.MinValue / 2);

        // Per input stream, its channel's limits in flat arrays for the hot path (±∞: unlimited, never crossed).
        _supportLower = new double[_support is null ? 0 : _inputStreams];
        _supportUpper = new double[_supportLower.Length];
        for (var s = 0; s < _supportLower.Length; s++)
        {
            var c = _scoring.StreamChannels[s];
            _supportLower[s] = _support!.Lower[c];
            _supportUpper[s] = _support.Upper[c];
        }

        var k = _scoring.StreamChannels.Length;
        for (var t = 0; t < _schema.Taps.Count; t++)
        {
            if (_scoring.TapStreams[t])
            {
                _streamNames[k] = $"tap.{_schema.Taps[t].Name}.mahalanobis";
                _streamRoles[k++] = ChannelRole.Activation;
            }
        }

        _free = new SingleProducerSingleConsumerRing<ObservationWindow>(options.WindowBuffers);
        _ready = new SingleProducerSingleConsumerRing<ObservationWindow>(options.WindowBuffers);
        for (var i = 0; i < options.WindowBuffers - 1; i++)
        {
            _free.TryEnqueue(new ObservationWindow(_row.Length, _windowSize));
        }

        _current = new ObservationWindow(_row.Length, _windowSize);
        _alarms = new SingleProducerSingleConsumerRing<SequentialAlarm>(options.EventQueueCapacity);
        _anomalies = new SingleProducerSingleConsumerRing<ActivationAnomaly>(options.EventQueueCapacity);
        _analyzer = new WindowAnalyzer(baseline);
    }

    /// <summary>The baseline watched against.</summary>
    public Baseline Baseline => _baseline;

    /// <summary>Observations per window.</summary>
    public int WindowSize => _windowSize;

    /// <summary>Number of sequential score streams.</summary>
    public int StreamCount => _scores.Length;

    /// <summary>Current sequential detector statistics, one per stream (read on the inference thread).</summary>
    public ReadOnlySpan<double> SequentialStatistics => _bank.Statistics;

    /// <summary>Counts so far.</summary>
    public MonitorCounters Counters => new(
        Volatile.Read(ref _observations),
        Volatile.Read(ref _nonFinite),
        Volatile.Read(ref _sequentialAlarms),
        Volatile.Read(ref _activationAnomalies),
        Volatile.Read(ref _completedWindows),
        Volatile.Read(ref _droppedWindows),
        Volatile.Read(ref _droppedEvents),
        Volatile.Read(ref _activationEpisodes),
        Volatile.Read(ref _supportLimitAlarms));

    /// <summary>Name of score stream <paramref name="stream"/> (a channel name, or <c>tap.NAME.mahalanobis</c>).</summary>
    public string StreamName(int stream) => _streamNames[stream];

    /// <summary>
    /// Observes one inference: its flattened inputs, outputs, tapped activations (all taps
    /// concatenated in schema order) and latency. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not fit the schema.</exception>
    public ObserveResult Observe(ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputs, ReadOnlySpan<float> taps, double latencyMs)
    {
        _projector.CheckLengths(inputs.Length, outputs.Length, taps.Length);
        var sample = _observations;
        var result = ObserveResult.None;
        var row = _row.AsSpan();
        _projector.Project(inputs, outputs, taps, latencyMs, row);

        _scoring.Score(row, _schema.TapStarts, _scores, _tapDistances);
        if (!AllFinite(_scores))
        {
            // Non-finite values carry no score: the detectors skip this observation; windows keep and count it.
            result |= ObserveResult.NonFiniteValues;
            Volatile.Write(ref _nonFinite, _nonFinite + 1);
        }
        else
        {
            var channels = _scoring.StreamChannels;
            for (var s = 0; s < _supportLower.Length; s++)
            {
                var v = row[channels[s]];
                if (v > _supportUpper[s] || v < _supportLower[s])
                {
                    result |= RecordSupportAlarm(sample, s, v, v > _supportUpper[s] ? _supportUpper[s] : _supportLower[s]);
                }
            }

            var alarmed = _bank.Update(_scores);
            if (alarmed >= 0)
            {
                result |= RecordAlarm(sample, alarmed);
            }

            for (var t = 0; t < _tapDistances.Length; t++)
            {
                if (_tapDistances[t] > _anomalyThresholds[t])
                {
                    result |= RecordAnomaly(sample, t);
                }
            }
        }

        result |= Append(sample, row);
        Volatile.Write(ref _observations, sample + 1);
        return result;
    }

    /// <summary>Takes the next sequential alarm, if any.</summary>
    public bool TryTakeSequentialAlarm(out SequentialAlarm alarm) => _alarms.TryDequeue(out alarm);

    /// <summary>
    /// Takes the next activation anomaly alarm, if any: the onset of an episode (the first exceedance of a tap's
    /// threshold after at least <see cref="BaselineCalibration.ActivationEpisodeGap"/> samples without one on that tap).
    /// </summary>
    public bool TryTakeActivationAnomaly(out ActivationAnomaly anomaly) => _anomalies.TryDequeue(out anomaly);

    /// <summary>Takes the next completed window, if any; give it back with <see cref="ReturnWindow"/> after analysis.</summary>
    public bool TryTakeWindow(out ObservationWindow window) => _ready.TryDequeue(out window!);

    /// <summary>Gives a window back for reuse.</summary>
    public void ReturnWindow(ObservationWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.Channels != _row.Length || window.Capacity != _windowSize)
        {
            throw new ArgumentException("This window does not belong to this monitor.", nameof(window));
        }

        window.Count = 0;
        _free.TryEnqueue(window);
    }

    /// <summary>Runs the window tests on a completed window: per-channel statistics, decisions, window fingerprint.</summary>
    public WindowReport AnalyzeWindow(ObservationWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return _analyzer.Analyze(window);
    }

    /// <summary>The alert signal for a sequential alarm (input-drift, behavior-divergence).</summary>
    /// <remarks>
    /// An alarm on an output, derived or activation stream is behavior-divergence only while the
    /// inputs look unchanged: no input stream alarmed within the last window and every input
    /// stream's statistic is below half the threshold. Otherwise the inputs explain it and it is
    /// input-drift.
    /// </remarks>
    public DetectionSignal ToSignal(SequentialAlarm alarm)
    {
        if (alarm.Source == SequentialAlarmSource.SupportLimit)
        {
            return SupportSignal(alarm);
        }

        var role = _streamRoles[alarm.Stream];
        var inputs = role == ChannelRole.Input || alarm.InputStatisticRatio >= 0.5;
        var calibration = _baseline.Calibration.Sequential;
        var evidence = new AlertEvidence(
            $"{calibration.Kind} statistic",
            alarm.Statistic,
            alarm.Threshold,
            1.0 / calibration.TargetArl,
            "per sample",
            [new ChannelContribution(_streamNames[alarm.Stream], $"{calibration.Kind} statistic", alarm.Statistic, alarm.Statistic / alarm.Threshold)]);
        return new DetectionSignal(
            inputs ? AlertKind.InputDrift : AlertKind.BehaviorDivergence,
            inputs ? DriftDecision.InputsSubject : DriftDecision.BehaviorSubject,
            alarm.Statistic,
            alarm.Threshold,
            alarm.Sample,
            alarm.Sample,
            evidence);
    }

    /// <summary>
    /// An input-drift signal for a reading beyond its channel's support. Its score is 1 + the distance beyond the limit in
    /// training standard deviations, against a threshold of 1 (the limit; escalation by size then means far beyond it); the
    /// evidence holds the reading and the limit.
    /// </summary>
    private DetectionSignal SupportSignal(SequentialAlarm alarm)
    {
        var name = _streamNames[alarm.Stream];
        var beyond = Math.Abs(alarm.Statistic - alarm.Threshold) / _scoring.Scales[alarm.Stream];
        var evidence = new AlertEvidence(
            alarm.Statistic > alarm.Threshold ? "reading above the training support" : "reading below the training support",
            alarm.Statistic,
            alarm.Threshold,
            _support!.RatePerSide,
            "per sample",
            [new ChannelContribution(name, "reading", alarm.Statistic, beyond)]);
        return new DetectionSignal(AlertKind.InputDrift, DriftDecision.InputsSubject, 1.0 + beyond, 1.0, alarm.Sample, alarm.Sample, evidence);
    }

    /// <summary>The alert signal for an activation anomaly.</summary>
    public DetectionSignal ToSignal(ActivationAnomaly anomaly)
    {
        var name = "tap." + _schema.Taps[anomaly.Tap].Name;
        var evidence = new AlertEvidence(
            "squared Mahalanobis distance",
            anomaly.DistanceSquared,
            anomaly.Threshold,
            _baseline.Calibration.ActivationAnomalyRate,
            "per sample",
            [new ChannelContribution(name, "squared Mahalanobis distance", anomaly.DistanceSquared, Math.Sqrt(anomaly.DistanceSquared / anomaly.Threshold))]);
        return new DetectionSignal(AlertKind.ActivationAnomaly, name, anomaly.DistanceSquared, anomaly.Threshold, anomaly.Sample, anomaly.Sample, evidence);
    }

    private ObserveResult RecordAlarm(long sample, int stream)
    {
        var statistics = _bank.Statistics;
        var threshold = _bank.StreamStatisticThreshold(stream);
        var inputRatio = 0.0; // the input streams' largest statistic relative to its own threshold
        for (var s = 0; s < _inputStreams; s++)
        {
            inputRatio = Math.Max(inputRatio, statistics[s] / _bank.StreamStatisticThreshold(s));
        }

        if (stream < _inputStreams)
        {
            _lastInputAlarm = sample;
        }
        else if (sample - _lastInputAlarm <= _windowSize)
        {
            // An input stream alarmed (and was re-armed) moments ago: the inputs explain this alarm.
            inputRatio = Math.Max(inputRatio, 1.0);
        }

        var alarm = new SequentialAlarm(sample, stream, statistics[stream], threshold, inputRatio);
        // Restart every stream, as the calibration did: the run length to the next alarm then has the calibrated mean.
        _bank.Reset();
        Volatile.Write(ref _sequentialAlarms, _sequentialAlarms + 1);
        if (_alarms.TryEnqueue(alarm))
        {
            return ObserveResult.SequentialAlarm;
        }

        Volatile.Write(ref _droppedEvents, _droppedEvents + 1);
        return ObserveResult.Dropped;
    }

    /// <summary>
    /// A reading beyond its channel's support: alarms unless this stream's support limit alarmed within the last window
    /// (a sensor that stays beyond its limits alarms once per window, not once per reading). The bank is not restarted.
    /// </summary>
    private ObserveResult RecordSupportAlarm(long sample, int stream, double value, double limit)
    {
        if (sample - _lastSupportAlarm[stream] <= _windowSize)
        {
            return ObserveResult.None;
        }

        _lastSupportAlarm[stream] = sample;
        _lastInputAlarm = sample;
        Volatile.Write(ref _sequentialAlarms, _sequentialAlarms + 1);
        Volatile.Write(ref _supportLimitAlarms, _supportLimitAlarms + 1);
        if (_alarms.TryEnqueue(new SequentialAlarm(sample, stream, value, limit, 1.0, SequentialAlarmSource.SupportLimit)))
        {
            return ObserveResult.SequentialAlarm;
        }

        Volatile.Write(ref _droppedEvents, _droppedEvents + 1);
        return ObserveResult.Dropped;
    }

    private ObserveResult RecordAnomaly(long sample, int tap)
    {
        // Every exceedance is counted; only an episode's onset is queued as an alarm.
        Volatile.Write(ref _activationAnomalies, _activationAnomalies + 1);
        var onset = sample - _lastExceedance[tap] > _episodeGap;
        _lastExceedance[tap] = sample;
        if (!onset)
        {
            return ObserveResult.None;
        }

        Volatile.Write(ref _activationEpisodes, _activationEpisodes + 1);
        if (_anomalies.TryEnqueue(new ActivationAnomaly(sample, tap, _tapDistances[tap], _anomalyThresholds[tap])))
        {
            return ObserveResult.ActivationAnomaly;
        }

        Volatile.Write(ref _droppedEvents, _droppedEvents + 1);
        return ObserveResult.Dropped;
    }

    private ObserveResult Append(long sample, ReadOnlySpan<double> row)
    {
        var window = _current!;
        if (window.Count == 0)
        {
            window.FirstSample = sample;
        }

        window.Write(window.Count, row);
        window.Count++;
        if (window.Count < _windowSize)
        {
            return ObserveResult.None;
        }

        Volatile.Write(ref _completedWindows, _completedWindows + 1);
        if (_free.TryDequeue(out var next))
        {
            _ready.TryEnqueue(window);
            _current = next;
            return ObserveResult.WindowReady;
        }

        // No free buffer: the analysis is behind. Drop this window and reuse its buffer.
        Volatile.Write(ref _droppedWindows, _droppedWindows + 1);
        window.Count = 0;
        return ObserveResult.Dropped;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AllFinite(ReadOnlySpan<double> values)
    {
        var ok = true;
        for (var i = 0; i < values.Length; i++)
        {
            ok &= double.IsFinite(values[i]);
        }

        return ok;
    }
}
