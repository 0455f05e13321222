using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Runtime.Safety;
using EdgeSentinel.Runtime.Sensors;
using Microsoft.ML.OnnxRuntime;

namespace EdgeSentinel.Runtime.Device;

/// <summary>The device's per-frame pipeline: model host → drift monitor → safety interlock → actuators, with alerts tracked and delivered.</summary>
/// <remarks>
/// <para>One <see cref="Step"/> per frame: the inputs go through the <see cref="OnnxModelHost"/>; the frame goes to
/// <see cref="DriftMonitor.Observe"/>; the frame's own monitoring runs next (sequential alarms and activation anomalies,
/// in <see cref="AnalysisMode.Inline"/> the completed window and health events, the latency block, cue probes and the
/// canary check), every resulting alert reaching the interlock at once; only then does the interlock turn the model's
/// output into the actuator output, so an alert raised by the frame's own monitoring already gives that frame the
/// fallback (same-frame veto); finally the actuator output goes to the action sink (a simulated world in a closed loop).
/// Alerts from the analysis thread (<see cref="AnalysisMode.Background"/> windows and health events) take effect from
/// the first frame actuated after they trip the interlock.</para>
/// <para>Windows: in <see cref="AnalysisMode.Inline"/> a completed window is analyzed inside the <see cref="Step"/> that
/// completed it and alerts reach the sink before <see cref="Step"/> returns (deterministic). In
/// <see cref="AnalysisMode.Background"/> window analysis, health events and alert delivery run on a dedicated analysis
/// thread fed by the monitor's bounded window ring and a bounded alert queue; inference never waits for them
/// (<see cref="Flush"/> waits for the analysis thread to catch up).</para>
/// <para>Steady-state frames allocate nothing and take no lock; frames with an alarm, and the frames that end a cue probe,
/// canary check or latency block without an alarm, take the tracker's lock briefly (uncontended but for the analysis thread).
/// <see cref="Step"/> must be called by one thread at a time. The host and the collaborators in the options are used,
/// not owned.</para>
/// </remarks>
public sealed class DeviceLoop : IDisposable
{
    private const string ModelSubject = "model";
    private const string LatencySubject = "latency";

    private readonly OnnxModelHost _host;
    private readonly DriftMonitor _monitor;
    private readonly AlertTracker _tracker;
    private readonly Lock _trackerGate = new();
    private readonly AnalysisMode _mode;
    private readonly SafetyInterlock? _interlock;
    private readonly IAlertSink? _alertSink;
    private readonly IActionSink? _actionSink;
    private readonly IWindowReportSink? _windowSink;
    private readonly RuntimeHealthInbox? _health;
    private readonly int _clearEvaluations;
    private readonly float[] _actuator;
    private readonly float[] _modelOutput;
    private readonly float[] _frameInputs;
    private readonly ConcurrentQueue<PendingDelivery> _deliveries = new();
    private readonly int _deliveryCapacity;
    private readonly List<long> _failureSamples = [];
    private readonly HashSet<(AlertKind Kind, string Subject)> _openKeys = [];
    private readonly Dictionary<(AlertKind Kind, string Subject), long> _lastSampleFed = [];
    private readonly AutoResetEvent? _wake;
    private readonly Thread? _analysisThread;
    private readonly object _flushGate = new();
    private long _flushRequests;
    private long _flushesDone;
    private volatile bool _stopping;
    private bool _modelAlertOpen;
    private long _frames;
    private long _inferenceFailures;
    private long _framesOnFallback;
    private long _transitions;
    private long _deliveriesDropped;
    private long _sinkFailures;
    private long _windowsAnalyzed;
    private long _healthEvents;
    private long _analysisFailures;
    private long _staleEvaluations;
    private bool _disposed;
    private readonly TimeProvider _time;
    private readonly CanaryCheck? _canaries;
    private readonly int _canaryPeriodFrames;
    private readonly long _canaryPeriodTicks;
    private long _lastCanaryTimestamp;
    private long _framesSinceCanary;
    private volatile bool _canaryRequested;
    private long _canaryChecks;
    private readonly CueProbes? _cues;
    private readonly int _cuePeriod;
    private bool _contextPending;
    private long _lastContextProbe = -1;
    private readonly double[] _cueSensitivity = [];
    private long _cueProbes;
    private readonly double _latencyBudgetMs;
    private readonly int _latencyBlock;
    private int _blockFrames;
    private int _slowFrames;
    private double _blockMaxLatency;

    /// <summary>Creates the loop for <paramref name="host"/> watched against <paramref name="baseline"/>; starts the analysis thread in <see cref="AnalysisMode.Background"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid, or the baseline's inputs, outputs or taps do not fit the host, or the interlock's width differs from the model's output width (every problem listed).</exception>
    /// <exception cref="ModelIdentityMismatchException">The baseline was built for another model and <see cref="DeviceLoopOptions.AllowModelMismatch"/> is not set.</exception>
    public DeviceLoop(OnnxModelHost host, Baseline baseline, DeviceLoopOptions options)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>(options.Validate());
        if (problems.Count == 0)
        {
            problems.AddRange(FitProblems(host, baseline, options.Interlock));
            problems.AddRange(CueProbes.Problems([.. options.CueFeatures], baseline));
            if (host.StateInputs.Count > 0 && (options.CueFeatures.Count > 0 || options.CanaryPeriodFrames > 0 || options.CanaryPeriod > TimeSpan.Zero))
            {
                problems.Add("canaries and cue probes re-run the model between frames, which would disturb the state of this recurrent model; turn them off for it");
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid device loop:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems), nameof(options));
        }

        ModelDifferences = host.VerifyBaseline(baseline.Model, options.AllowModelMismatch);
        _host = host;
        _monitor = new DriftMonitor(baseline, options.MonitorOptions);
        _tracker = new AlertTracker(options.DeviceId, baseline.Model.Sha256, options.AlertPolicy, options.TimeProvider);
        _clearEvaluations = options.AlertPolicy.ClearAfterEvaluations;
        _mode = options.AnalysisMode;
        _interlock = options.Interlock;
        _alertSink = options.AlertSink;
        _actionSink = options.ActionSink;
        _windowSink = options.WindowSink;
        _health = options.HealthInbox;
        _deliveryCapacity = options.AlertQueueCapacity;
        _actuator = new float[host.OutputWidth];
        _modelOutput = new float[host.OutputWidth];
        _frameInputs = new float[host.InputWidth];
        DeviceId = options.DeviceId;
        Baseline = baseline;
        _time = options.TimeProvider;
        if (baseline.Canaries.Canaries.Count > 0 && (options.CanaryPeriodFrames > 0 || options.CanaryPeriod > TimeSpan.Zero))
        {
            _canaries = new CanaryCheck(baseline.Canaries, baseline.Schema.OutputNames);
            _canaryPeriodFrames = options.CanaryPeriodFrames;
            _canaryPeriodTicks = (long)Math.Min(long.MaxValue / 2.0, options.CanaryPeriod.TotalSeconds * _time.TimestampFrequency);
            _lastCanaryTimestamp = _time.GetTimestamp();
        }

        if (options.CueFeatures.Count > 0)
        {
            _cues = CueProbes.Create([.. options.CueFeatures], baseline, host, options.CueSensitivityMargin, options.CueSensitivityFloor);
            _cuePeriod = options.CueProbePeriodFrames;
            _cueSensitivity = new double[_cues.Count];
        }

        _latencyBudgetMs = LatencyBudgetOf(options.LatencyBudget, baseline);
        _latencyBlock = options.LatencyBlockFrames;
        if (_mode == AnalysisMode.Background)
        {
            _wake = new AutoResetEvent(false);
            _analysisThread = new Thread(AnalysisLoop) { IsBackground = true, Name = "edgesentinel-analysis" };
            _analysisThread.Start();
        }
    }

    /// <summary>The device id written into alerts.</summary>
    public string DeviceId { get; }

    /// <summary>The baseline watched against.</summary>
    public Baseline Baseline { get; }

    /// <summary>How the loaded model differs from the baseline's (empty unless the mismatch was explicitly allowed).</summary>
    public IReadOnlyList<string> ModelDifferences { get; }

    /// <summary>The analysis mode.</summary>
    public AnalysisMode AnalysisMode => _mode;

    /// <summary>Frames stepped so far; the index the next frame gets.</summary>
    public long FrameCount => Volatile.Read(ref _frames);

    /// <summary>The monitor's window size (observations per window test).</summary>
    public int WindowSize => _monitor.WindowSize;

    /// <summary>The last frame's actuator output (model output, or the fallback), <see cref="OnnxModelHost.OutputWidth"/> values; overwritten by the next <see cref="Step"/>.</summary>
    public ReadOnlySpan<float> ActuatorOutput => _actuator;

    /// <summary>The last frame's model output before the interlock (what the model asked for, whether or not it was vetoed); the previous one's after a failed inference; overwritten by the next <see cref="Step"/>.</summary>
    public ReadOnlySpan<float> ModelOutput => _modelOutput;

    /// <summary>Canaries replayed per check; 0 when canary checks are off (no period set, or the baseline has no canaries).</summary>
    public int CanaryCount => _canaries?.Count ?? 0;

    /// <summary>Per declared cue, in order: its sensitivity measured on the baseline's canaries when the loop started.</summary>
    public IReadOnlyList<double> CueBaselineSensitivity => _cues?.BaselineSensitivity ?? [];

    /// <summary>Per declared cue, in order: the output change at which a probe alarms.</summary>
    public IReadOnlyList<double> CueAlarmLevels => _cues?.Thresholds ?? [];

    /// <summary>The context transplant's baseline (canaries given each other's cue values) and alarm level; NaN without cue probes or canaries.</summary>
    public (double Baseline, double AlarmLevel) ContextProbeLevels => _cues is { HasContextProbe: true } c ? (c.ContextBaseline, c.ContextThreshold) : (double.NaN, double.NaN);

    /// <summary>The per-frame latency budget in milliseconds; 0 when latency checks are off.</summary>
    public double LatencyBudgetMilliseconds => _latencyBudgetMs;

    /// <summary>The monitor's counts so far.</summary>
    public MonitorCounters MonitorCounters => _monitor.Counters;

    /// <summary>The loop's counts so far.</summary>
    public DeviceLoopCounters Counters => new(
        Volatile.Read(ref _frames),
        Volatile.Read(ref _inferenceFailures),
        Volatile.Read(ref _framesOnFallback),
        Interlocked.Read(ref _transitions),
        Interlocked.Read(ref _deliveriesDropped),
        Interlocked.Read(ref _sinkFailures),
        Interlocked.Read(ref _windowsAnalyzed),
        Volatile.Read(ref _canaryChecks),
        Volatile.Read(ref _cueProbes),
        Interlocked.Read(ref _healthEvents),
        Interlocked.Read(ref _analysisFailures),
        Interlocked.Read(ref _staleEvaluations));

    /// <summary>The alerts open now (raised or escalated), a snapshot.</summary>
    public IReadOnlyCollection<Alert> OpenAlerts
    {
        get
        {
            lock (_trackerGate)
            {
                return _tracker.OpenAlerts;
            }
        }
    }

    /// <summary>Runs one frame: <paramref name="inputs"/> (the model's flattened inputs, <see cref="OnnxModelHost.InputWidth"/> values) through model, monitor, interlock and action sink.</summary>
    /// <remarks>Allocates nothing on frames without alert activity. An ONNX Runtime failure does not throw: the frame is flagged <see cref="DeviceStepEvents.InferenceFailed"/>, a runtime-health alert is raised, and the actuators keep the previous output (get the fallback when the interlock is tripped, by that alert too).</remarks>
    /// <exception cref="ArgumentException"><paramref name="inputs"/> does not have the model's input width.</exception>
    public DeviceStepOutcome Step(ReadOnlySpan<float> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var frameIndex = _frames;
        var flags = DeviceStepEvents.None;
        _host.SetInputs(inputs);
        ModelFrame frame;
        try
        {
            frame = _host.Run();
        }
        catch (OnnxRuntimeException e)
        {
            return FailedFrame(inputs, frameIndex, e);
        }

        var observation = _monitor.Observe(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);

        // Kept aside for the interlock, which decides after the frame's monitoring: probes and canaries re-run the host.
        frame.Outputs.CopyTo(_modelOutput);
        frame.Inputs.CopyTo(_frameInputs);
        if ((observation & ObserveResult.NonFiniteValues) != 0)
        {
            flags |= DeviceStepEvents.NonFiniteValues;
        }

        if (_modelAlertOpen)
        {
            flags |= EvaluateOnInferenceThread(ModelHealthSignal(frameIndex, failure: null), frameIndex);
        }

        while (_monitor.TryTakeSequentialAlarm(out var alarm))
        {
            flags |= EvaluateOnInferenceThread(_monitor.ToSignal(alarm), frameIndex);
        }

        while (_monitor.TryTakeActivationAnomaly(out var anomaly))
        {
            flags |= EvaluateOnInferenceThread(_monitor.ToSignal(anomaly), frameIndex);
        }

        if ((observation & ObserveResult.WindowReady) != 0)
        {
            flags |= DeviceStepEvents.WindowCompleted;
        }

        if (_mode == AnalysisMode.Inline)
        {
            flags |= AnalyzeWindows();
            flags |= DrainHealth(frameIndex);
        }
        else if ((observation & ObserveResult.WindowReady) != 0 || _health is { Count: > 0 })
        {
            _wake!.Set();
        }

        if (_latencyBudgetMs > 0)
        {
            flags |= WatchLatency(frame.LatencyMilliseconds, frameIndex);
        }

        if (_cues is not null)
        {
            // Both probes run the host, which overwrites the frame's buffers: capture and compare first.
            var probeDue = frameIndex % _cuePeriod == 0;
            if (probeDue)
            {
                _cues.Capture(frame.Inputs, frame.Outputs);
            }

            // A change of the live cue values is transplanted at once, then at most once per probe period (a cue that
            // changes every frame, a clock say, costs one canary-set run per period, not per frame).
            _contextPending |= _cues.HasContextProbe && _cues.ContextChanged(frame.Inputs);
            if (probeDue)
            {
                flags |= ProbeCues(frameIndex);
            }

            if (_contextPending && (_lastContextProbe < 0 || frameIndex - _lastContextProbe >= _cuePeriod))
            {
                _contextPending = false;
                _lastContextProbe = frameIndex;
                flags |= ProbeContext(frameIndex);
            }
        }

        if (_canaries is not null && CanaryDue())
        {
            flags |= CheckCanaries(frameIndex);
        }

        flags |= Actuate(_frameInputs, modelOutputValid: true);
        Volatile.Write(ref _frames, frameIndex + 1);
        return new DeviceStepOutcome(frameIndex, flags, observation, frame.LatencyMilliseconds);
    }

    /// <summary>Ends a frame after its monitoring: the interlock's decision (the fallback when tripped, by this frame's alerts too) goes to the actuators.</summary>
    /// <param name="inputs">The frame's inputs (for a fallback policy).</param>
    /// <param name="modelOutputValid">False after a failed inference: an armed interlock leaves the previous actuator output in place.</param>
    private DeviceStepEvents Actuate(ReadOnlySpan<float> inputs, bool modelOutputValid)
    {
        var flags = DeviceStepEvents.None;
        if (_interlock is null || (!modelOutputValid && _interlock.State == InterlockState.Armed))
        {
            if (modelOutputValid)
            {
                _modelOutput.CopyTo(_actuator);
            }
        }
        else
        {
            _interlock.ApplyOutput(inputs, _modelOutput, _actuator);
            if (_interlock.FallbackEngaged)
            {
                flags |= DeviceStepEvents.FallbackEngaged;
                _framesOnFallback++;
            }
        }

        _actionSink?.Apply(_actuator);
        if (_interlock is { State: InterlockState.Tripped })
        {
            flags |= DeviceStepEvents.InterlockTripped;
        }

        return flags;
    }

    /// <summary>Asks for a canary check after the next frame (e.g. an operator's command); thread-safe. Ignored when canary checks are off.</summary>
    public void RequestCanaryCheck() => _canaryRequested = true;

    /// <summary>Waits until the analysis thread has analyzed every window completed and delivered every alert produced before the call (returns at once in <see cref="AnalysisMode.Inline"/>).</summary>
    public void Flush()
    {
        if (_mode == AnalysisMode.Inline || _disposed)
        {
            return;
        }

        var target = Interlocked.Increment(ref _flushRequests);
        _wake!.Set();
        lock (_flushGate)
        {
            while (Volatile.Read(ref _flushesDone) < target && _analysisThread!.IsAlive)
            {
                System.Threading.Monitor.Wait(_flushGate, 100);
            }
        }
    }

    /// <summary>Finishes the analysis (remaining windows and alerts are delivered) and stops the analysis thread.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        if (_analysisThread is not null)
        {
            Flush();
            _stopping = true;
            _wake!.Set();
            _analysisThread.Join();
            _wake.Dispose();
        }

        _disposed = true;
    }

    private static double LatencyBudgetOf(TimeSpan? configured, Baseline baseline)
    {
        if (configured is { } budget)
        {
            return budget.TotalMilliseconds;
        }

        if (!baseline.Schema.HasLatency)
        {
            return 0;
        }

        var latency = baseline.Fingerprint[Monitor.Fingerprints.FingerprintSchema.LatencyChannel];
        var p99 = latency.Count > 0 ? latency.Quantile(0.99) : double.NaN;
        return double.IsFinite(p99) ? Math.Max(20 * p99, 5.0) : 0;
    }

    private bool IsOpen(AlertKind kind, string subject)
    {
        lock (_trackerGate)
        {
            return _openKeys.Contains((kind, subject));
        }
    }

    /// <summary>Counts slow frames per block; a block with at least half its frames over budget is a runtime-health evaluation above threshold (allocates only then, or while the alert is open).</summary>
    private DeviceStepEvents WatchLatency(double latencyMs, long frameIndex)
    {
        _blockFrames++;
        if (!(latencyMs <= _latencyBudgetMs))
        {
            _slowFrames++;
        }

        if (latencyMs > _blockMaxLatency)
        {
            _blockMaxLatency = latencyMs;
        }

        if (_blockFrames < _latencyBlock)
        {
            return DeviceStepEvents.None;
        }

        var score = _slowFrames / (0.5 * _blockFrames);
        var worst = _blockMaxLatency;
        var blockStart = frameIndex - _blockFrames + 1;
        _blockFrames = 0;
        _slowFrames = 0;
        _blockMaxLatency = 0;
        return score >= 1 || IsOpen(AlertKind.RuntimeHealth, LatencySubject)
            ? EvaluateOnInferenceThread(LatencySignal(score, worst, Math.Max(0, blockStart), frameIndex), frameIndex)
            : DeviceStepEvents.None;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private DetectionSignal LatencySignal(double score, double worstMs, long firstFrame, long frameIndex)
    {
        var evidence = new AlertEvidence(
            "slow frames / half the block",
            score,
            1,
            double.Epsilon,
            string.Create(CultureInfo.InvariantCulture, $"per block of {_latencyBlock} frames (budget {_latencyBudgetMs:G4} ms per frame; not a calibrated rate)"),
            [new ChannelContribution(Monitor.Fingerprints.FingerprintSchema.LatencyChannel, "max latency in block (ms)", worstMs, worstMs / _latencyBudgetMs)]);
        return new DetectionSignal(AlertKind.RuntimeHealth, LatencySubject, score, 1, firstFrame, frameIndex, evidence);
    }

    private bool CanaryDue()
    {
        _framesSinceCanary++;
        if (_canaryRequested)
        {
            _canaryRequested = false;
            return true;
        }

        if (_canaryPeriodFrames > 0 && _framesSinceCanary >= _canaryPeriodFrames)
        {
            return true;
        }

        return _canaryPeriodTicks > 0 && _time.GetTimestamp() - _lastCanaryTimestamp >= _canaryPeriodTicks;
    }

    /// <summary>Replays the canaries through the host (the frame's own work is done; the monitor does not see them).</summary>
    private DeviceStepEvents CheckCanaries(long frameIndex)
    {
        _framesSinceCanary = 0;
        _lastCanaryTimestamp = _time.GetTimestamp();
        Volatile.Write(ref _canaryChecks, _canaryChecks + 1);
        double score;
        int worstCanary, worstOutput;
        double worstError;
        try
        {
            score = _canaries!.Run(_host, out worstCanary, out worstOutput, out worstError);
        }
        catch (OnnxRuntimeException e)
        {
            return DeviceStepEvents.CanaryChecked | EvaluateOnInferenceThread(ModelHealthSignal(frameIndex, e), frameIndex);
        }

        var flags = DeviceStepEvents.CanaryChecked;
        if (score >= 1 || IsOpen(AlertKind.CanaryMismatch, CanaryCheck.Subject))
        {
            flags |= EvaluateOnInferenceThread(_canaries.ToSignal(score, worstCanary, worstOutput, worstError, frameIndex), frameIndex);
        }

        return flags;
    }

    /// <summary>Re-runs the captured frame with each cue at its training value.</summary>
    private DeviceStepEvents ProbeCues(long frameIndex)
    {
        Volatile.Write(ref _cueProbes, _cueProbes + 1);
        try
        {
            _cues!.Probe(_host, _cueSensitivity);
        }
        catch (OnnxRuntimeException e)
        {
            return DeviceStepEvents.CueProbed | EvaluateOnInferenceThread(ModelHealthSignal(frameIndex, e), frameIndex);
        }

        var flags = DeviceStepEvents.CueProbed;
        var levels = _cues.Thresholds;
        for (var c = 0; c < _cueSensitivity.Length; c++)
        {
            if (_cueSensitivity[c] >= levels[c] || IsOpen(AlertKind.CueSensitivity, _cues.SubjectOf(c)))
            {
                flags |= EvaluateOnInferenceThread(_cues.ToSignal(c, _cueSensitivity[c], frameIndex), frameIndex);
            }
        }

        return flags;
    }

    /// <summary>Re-runs the canaries with the live cue values (after they changed).</summary>
    private DeviceStepEvents ProbeContext(long frameIndex)
    {
        Volatile.Write(ref _cueProbes, _cueProbes + 1);
        double sensitivity;
        try
        {
            sensitivity = _cues!.ProbeContext(_host);
        }
        catch (OnnxRuntimeException e)
        {
            return DeviceStepEvents.CueProbed | EvaluateOnInferenceThread(ModelHealthSignal(frameIndex, e), frameIndex);
        }

        var flags = DeviceStepEvents.CueProbed;
        if (sensitivity >= _cues.ContextThreshold || IsOpen(AlertKind.CueSensitivity, CueProbes.ContextSubject))
        {
            flags |= EvaluateOnInferenceThread(_cues.ToContextSignal(sensitivity, frameIndex), frameIndex);
        }

        return flags;
    }

    private static List<string> FitProblems(OnnxModelHost host, Baseline baseline, SafetyInterlock? interlock)
    {
        var problems = new List<string>();
        var schema = baseline.Schema;
        if (schema.InputCount != host.InputWidth)
        {
            problems.Add($"the baseline has {schema.InputCount} input channels but the model's inputs have {host.InputWidth} elements");
        }

        if (schema.OutputCount != host.OutputWidth)
        {
            problems.Add($"the baseline has {schema.OutputCount} output channels but the model's outputs have {host.OutputWidth} elements");
        }

        var hostTaps = string.Join(", ", host.Taps.Select(t => $"{t.Name}[{t.ElementCount}]"));
        var baselineTaps = string.Join(", ", schema.Taps.Select(t => $"{t.Name}[{t.Width}]"));
        if (hostTaps != baselineTaps)
        {
            problems.Add($"the baseline's taps are ({baselineTaps}) but the model host binds ({hostTaps}); load the host with the baseline's taps, in order");
        }

        if (interlock is not null && interlock.OutputWidth != host.OutputWidth)
        {
            problems.Add($"the interlock's output width is {interlock.OutputWidth} but the model's outputs have {host.OutputWidth} elements");
        }

        return problems;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private DeviceStepOutcome FailedFrame(ReadOnlySpan<float> inputs, long frameIndex, OnnxRuntimeException failure)
    {
        _inferenceFailures++;
        lock (_trackerGate)
        {
            _failureSamples.Add(_monitor.Counters.Observations);
        }

        var flags = DeviceStepEvents.InferenceFailed | EvaluateOnInferenceThread(ModelHealthSignal(frameIndex, failure), frameIndex);
        if (_mode == AnalysisMode.Inline)
        {
            flags |= DrainHealth(frameIndex);
        }

        flags |= Actuate(inputs, modelOutputValid: false);
        Volatile.Write(ref _frames, frameIndex + 1);
        return new DeviceStepOutcome(frameIndex, flags, ObserveResult.None, double.NaN);
    }

    private static DetectionSignal ModelHealthSignal(long frameIndex, OnnxRuntimeException? failure)
    {
        var message = failure is null ? "inference succeeded" : OnnxModelHost.FirstLine(failure.Message);
        var evidence = new AlertEvidence(
            failure is null ? "inference ok" : "inference failed: " + message,
            failure is null ? 0 : 1,
            1,
            double.Epsilon,
            "per frame (a fault report, not a statistical test)",
            [new ChannelContribution(ModelSubject, "inference failures", failure is null ? 0 : 1, failure is null ? 0 : 1)]);
        return new DetectionSignal(AlertKind.RuntimeHealth, ModelSubject, failure is null ? 0 : 1, 1, frameIndex, frameIndex, evidence);
    }

    /// <summary>Processes signals produced on the inference thread for the current frame.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private DeviceStepEvents EvaluateOnInferenceThread(DetectionSignal signal, long frameIndex)
    {
        var produced = Process([signal], frameIndex);
        return produced > 0 ? DeviceStepEvents.AlertTransition : DeviceStepEvents.None;
    }

    /// <summary>Feeds signals to the tracker; every transition goes to the interlock at once and to the sink (directly inline, queued in order otherwise).</summary>
    private int Process(IReadOnlyList<DetectionSignal> signals, long frameIndex)
    {
        lock (_trackerGate)
        {
            var transitions = _tracker.Process(SkipStale(signals));
            foreach (var transition in transitions)
            {
                Interlocked.Increment(ref _transitions);
                var key = (transition.Alert.Kind, transition.Alert.Subject);
                if (transition.Current == AlertState.Cleared)
                {
                    _openKeys.Remove(key);
                }
                else
                {
                    _openKeys.Add(key);
                }

                if (key == (AlertKind.RuntimeHealth, ModelSubject))
                {
                    _modelAlertOpen = transition.Current != AlertState.Cleared;
                }

                if (_interlock is not null)
                {
                    _interlock.ProcessAlert(transition.Alert);
                }

                if (_alertSink is null)
                {
                    continue;
                }

                if (_mode == AnalysisMode.Inline)
                {
                    Deliver(transition, frameIndex);
                }
                else if (_deliveries.Count >= _deliveryCapacity)
                {
                    Interlocked.Increment(ref _deliveriesDropped);
                }
                else
                {
                    _deliveries.Enqueue(new PendingDelivery(transition, frameIndex));
                    _wake!.Set();
                }
            }

            return transitions.Count;
        }
    }

    /// <summary>Drops evaluations older than one already fed for the same key (Background mode: a window analyzed after a later sequential alarm must not clear or re-raise that alarm's alert). Inline, nothing is ever stale.</summary>
    private IReadOnlyList<DetectionSignal> SkipStale(IReadOnlyList<DetectionSignal> signals)
    {
        List<DetectionSignal>? kept = null;
        for (var i = 0; i < signals.Count; i++)
        {
            var signal = signals[i];
            var key = (signal.Kind, signal.Subject);
            if (_lastSampleFed.TryGetValue(key, out var last) && signal.LastSample < last)
            {
                Interlocked.Increment(ref _staleEvaluations);
                kept ??= [.. signals.Take(i)];
                continue;
            }

            _lastSampleFed[key] = signal.LastSample;
            kept?.Add(signal);
        }

        return kept ?? signals;
    }

    private void Deliver(AlertTransition transition, long frameIndex)
    {
        try
        {
            _alertSink!.OnAlert(transition, frameIndex);
        }
#pragma warning disable CA1031 // A failing sink (disk full, a bug in a logger) must never stop the device loop; it is counted.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _sinkFailures);
        }
    }

    /// <summary>Analyzes every completed window (inference thread in Inline mode, analysis thread in Background mode).</summary>
    private DeviceStepEvents AnalyzeWindows()
    {
        var flags = DeviceStepEvents.None;
        while (_monitor.TryTakeWindow(out var window))
        {
            WindowReport report;
            try
            {
                report = _monitor.AnalyzeWindow(window);
            }
            finally
            {
                _monitor.ReturnWindow(window);
            }

            Interlocked.Increment(ref _windowsAnalyzed);
            var lastFrame = FrameOfSample(report.LastSample);
            if (Process(report.Signals, lastFrame) > 0)
            {
                flags |= DeviceStepEvents.AlertTransition;
            }

            if (_windowSink is not null)
            {
                try
                {
                    _windowSink.OnWindow(report, lastFrame);
                }
#pragma warning disable CA1031 // A failing window sink must never stop the device loop; it is counted.
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref _sinkFailures);
                }
            }
        }

        return flags;
    }

    /// <summary>Turns waiting health events into runtime-health signals, one subject per component.</summary>
    private DeviceStepEvents DrainHealth(long frameIndex)
    {
        if (_health is null || _health.Count == 0)
        {
            return DeviceStepEvents.None;
        }

        var flags = DeviceStepEvents.None;
        while (_health.TryTake(out var healthEvent))
        {
            Interlocked.Increment(ref _healthEvents);
            if (Process(HealthSignals(healthEvent, frameIndex, _clearEvaluations), frameIndex) > 0)
            {
                flags |= DeviceStepEvents.AlertTransition;
            }
        }

        return flags;
    }

    /// <summary>A fault is one evaluation at the threshold; a recovery report is conclusive, so it counts as enough below-threshold evaluations to clear.</summary>
    internal static DetectionSignal[] HealthSignals(RuntimeHealthEvent healthEvent, long frameIndex, int clearEvaluations)
    {
        var recovered = healthEvent.Fault == RuntimeHealthFault.Recovered;
        var faultName = healthEvent.Fault switch
        {
            RuntimeHealthFault.I2cError => "i2c-error",
            RuntimeHealthFault.IdentityMismatch => "identity-mismatch",
            RuntimeHealthFault.StuckValues => "stuck-values",
            RuntimeHealthFault.GpioError => "gpio-error",
            RuntimeHealthFault.Recovered => "recovered",
            _ => ((int)healthEvent.Fault).ToString(CultureInfo.InvariantCulture),
        };
        var score = recovered ? 0.0 : 1.0;
        var evidence = new AlertEvidence(
            faultName + ": " + healthEvent.Message,
            score,
            1,
            double.Epsilon,
            "per event (a fault report, not a statistical test)",
            [new ChannelContribution(healthEvent.Component, faultName, score, score)]);
        var signal = new DetectionSignal(AlertKind.RuntimeHealth, healthEvent.Component, score, 1, frameIndex, frameIndex, evidence);
        var signals = new DetectionSignal[recovered ? clearEvaluations : 1];
        Array.Fill(signals, signal);
        return signals;
    }

    /// <summary>The frame index of monitor sample <paramref name="sample"/> (samples skip frames whose inference failed).</summary>
    private long FrameOfSample(long sample)
    {
        lock (_trackerGate)
        {
            var frame = sample;
            foreach (var failedAt in _failureSamples)
            {
                if (failedAt <= sample)
                {
                    frame++;
                }
            }

            return frame;
        }
    }

    private void AnalysisLoop()
    {
        while (true)
        {
            _wake!.WaitOne(TimeSpan.FromMilliseconds(50));
            var stopping = _stopping;
            var requests = Volatile.Read(ref _flushRequests);
            try
            {
                AnalyzeWindows();
                DrainHealth(Volatile.Read(ref _frames));
            }
#pragma warning disable CA1031 // The analysis thread must survive a failing analysis; the failure is counted and inference goes on.
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _analysisFailures);
            }

            while (_deliveries.TryDequeue(out var pending))
            {
                Deliver(pending.Transition, pending.FrameIndex);
            }

            lock (_flushGate)
            {
                _flushesDone = requests;
                System.Threading.Monitor.PulseAll(_flushGate);
            }

            if (stopping)
            {
                return;
            }
        }
    }

    private readonly record struct PendingDelivery(AlertTransition Transition, long FrameIndex);
}
