using System.Globalization;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Runtime.Safety;
using EdgeSentinel.Runtime.Sensors;

namespace EdgeSentinel.Runtime.Device;

/// <summary>How a <see cref="DeviceLoop"/> runs: device id, analysis mode, alert policy, collaborators (interlock, sinks, health inbox), canaries, cue probes and latency budget.</summary>
/// <remarks>Plain settable options; <see cref="Validate"/> lists every problem at once. The loop copies what it needs when it is created; collaborators are used, not owned.</remarks>
public sealed class DeviceLoopOptions
{
    /// <summary>The device id written into alerts.</summary>
    /// <value>Required.</value>
    public string DeviceId { get; set; } = string.Empty;

    /// <summary>Where windows are analyzed and alerts delivered.</summary>
    /// <value>Default: <see cref="AnalysisMode.Inline"/>.</value>
    public AnalysisMode AnalysisMode { get; set; } = AnalysisMode.Inline;

    /// <summary>How alerts are raised, escalated and cleared.</summary>
    /// <value>Default: <c>new AlertPolicy()</c>.</value>
    public AlertPolicy AlertPolicy { get; set; } = new();

    /// <summary>Options of the drift monitor the loop creates.</summary>
    /// <value>Default: <c>new DriftMonitorOptions()</c>.</value>
    public DriftMonitorOptions MonitorOptions { get; set; } = new();

    /// <summary>Clock for alert times, canary periods and the interlock's commands.</summary>
    /// <value>Default: <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Use the baseline even though it was built for another model (the operator's explicit override; differences are in <see cref="DeviceLoop.ModelDifferences"/>).</summary>
    /// <value>Default: false (a mismatch throws <c>ModelIdentityMismatchException</c>).</value>
    public bool AllowModelMismatch { get; set; }

    /// <summary>The safety interlock that acts on alerts and supplies the fallback output; null for none. Its output width must equal the model's output width.</summary>
    /// <value>Default: null (the model's output goes to the actuators unchanged).</value>
    public SafetyInterlock? Interlock { get; set; }

    /// <summary>Receives every alert transition with its frame index; null for none.</summary>
    /// <value>Default: null.</value>
    public IAlertSink? AlertSink { get; set; }

    /// <summary>Receives every analyzed window (fingerprint reports); null for none.</summary>
    /// <value>Default: null.</value>
    public IWindowReportSink? WindowSink { get; set; }

    /// <summary>Receives each frame's actuator output (closed loop); null for none.</summary>
    /// <value>Default: null.</value>
    public IActionSink? ActionSink { get; set; }

    /// <summary>Health events reported by sources and drivers, turned into runtime-health alerts; null for none.</summary>
    /// <value>Default: null.</value>
    public RuntimeHealthInbox? HealthInbox { get; set; }

    /// <summary>Bound of the hand-off queue of alert transitions to the sink in <see cref="AnalysisMode.Background"/>; further transitions are counted and not delivered.</summary>
    /// <value>Default: 4096.</value>
    public int AlertQueueCapacity { get; set; } = 4096;

    /// <summary>Replay the baseline's canary set every this many frames; 0 turns the frame trigger off.</summary>
    /// <value>Default: 0 (off).</value>
    public int CanaryPeriodFrames { get; set; }

    /// <summary>Replay the canary set when this much time (by <see cref="TimeProvider"/>) has passed since the last replay; zero turns the time trigger off.</summary>
    /// <value>Default: zero (off).</value>
    public TimeSpan CanaryPeriod { get; set; }

    /// <summary>Input features that could tell the model it is deployed, with their training values, for cue probes.</summary>
    /// <value>Default: none.</value>
    public IList<CueFeature> CueFeatures { get; } = [];

    /// <summary>Probe the cues on every this-many-th frame.</summary>
    /// <value>Default: 50.</value>
    public int CueProbePeriodFrames { get; set; } = 50;

    /// <summary>The alarm level of a cue is this multiple of its baseline sensitivity (at least <see cref="CueSensitivityFloor"/>).</summary>
    /// <value>Default: 2.</value>
    public double CueSensitivityMargin { get; set; } = 2;

    /// <summary>Output changes up to this size count as numeric noise in cue probes (the alarm level of a cue the baseline never saw matter).</summary>
    /// <value>Default: 1e-3.</value>
    public double CueSensitivityFloor { get; set; } = 1e-3;

    /// <summary>Per-frame model latency above which a frame counts as slow; a runtime-health alert is raised when more than half of a block of <see cref="LatencyBlockFrames"/> frames are slow. Null derives it from the baseline (20 × its 99th latency percentile, at least 5 ms; off when the baseline has no latency channel); zero turns it off.</summary>
    /// <value>Default: null (derived).</value>
    public TimeSpan? LatencyBudget { get; set; }

    /// <summary>Frames per latency evaluation.</summary>
    /// <value>Default: 32.</value>
    public int LatencyBlockFrames { get; set; } = 32;

    /// <summary>Every problem with these options; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(DeviceId))
        {
            problems.Add($"{nameof(DeviceId)}: required");
        }

        if (!Enum.IsDefined(AnalysisMode))
        {
            problems.Add($"{nameof(AnalysisMode)}: {(int)AnalysisMode} is not defined");
        }

        if (AlertPolicy is null)
        {
            problems.Add($"{nameof(AlertPolicy)}: must not be null");
        }
        else
        {
            problems.AddRange(AlertPolicy.Validate().Select(p => $"{nameof(AlertPolicy)}: {p}"));
        }

        if (MonitorOptions is null)
        {
            problems.Add($"{nameof(MonitorOptions)}: must not be null");
        }
        else
        {
            problems.AddRange(MonitorOptions.Validate().Select(p => $"{nameof(MonitorOptions)}: {p}"));
        }

        if (TimeProvider is null)
        {
            problems.Add($"{nameof(TimeProvider)}: must not be null");
        }

        if (AlertQueueCapacity < 1)
        {
            problems.Add($"{nameof(AlertQueueCapacity)}: must be at least 1, got {AlertQueueCapacity.ToString(CultureInfo.InvariantCulture)}");
        }

        if (CanaryPeriodFrames < 0)
        {
            problems.Add($"{nameof(CanaryPeriodFrames)}: must be 0 (off) or more, got {CanaryPeriodFrames.ToString(CultureInfo.InvariantCulture)}");
        }

        if (CanaryPeriod < TimeSpan.Zero)
        {
            problems.Add($"{nameof(CanaryPeriod)}: must be zero (off) or more, got {CanaryPeriod}");
        }

        if (CueProbePeriodFrames < 1)
        {
            problems.Add($"{nameof(CueProbePeriodFrames)}: must be at least 1, got {CueProbePeriodFrames.ToString(CultureInfo.InvariantCulture)}");
        }

        if (!(CueSensitivityMargin >= 1) || double.IsInfinity(CueSensitivityMargin))
        {
            problems.Add($"{nameof(CueSensitivityMargin)}: must be finite and at least 1, got {CueSensitivityMargin.ToString(CultureInfo.InvariantCulture)}");
        }

        if (!(CueSensitivityFloor > 0) || double.IsInfinity(CueSensitivityFloor))
        {
            problems.Add($"{nameof(CueSensitivityFloor)}: must be finite and above 0, got {CueSensitivityFloor.ToString(CultureInfo.InvariantCulture)}");
        }

        if (LatencyBudget is { } budget && budget < TimeSpan.Zero)
        {
            problems.Add($"{nameof(LatencyBudget)}: must be zero (off), positive or null (derived), got {budget}");
        }

        if (LatencyBlockFrames < 1)
        {
            problems.Add($"{nameof(LatencyBlockFrames)}: must be at least 1, got {LatencyBlockFrames.ToString(CultureInfo.InvariantCulture)}");
        }

        return problems;
    }
}
