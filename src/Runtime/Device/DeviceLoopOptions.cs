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

    /// <summary>Receives each frame's actuator output (closed loop); null for none.</summary>
    /// <value>Default: null.</value>
    public IActionSink? ActionSink { get; set; }

    /// <summary>Health events reported by sources and drivers, turned into runtime-health alerts; null for none.</summary>
    /// <value>Default: null.</value>
    public RuntimeHealthInbox? HealthInbox { get; set; }

    /// <summary>Bound of the hand-off queue of alert transitions to the sink in <see cref="AnalysisMode.Background"/>; further transitions are counted and not delivered.</summary>
    /// <value>Default: 4096.</value>
    public int AlertQueueCapacity { get; set; } = 4096;

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

        return problems;
    }
}
