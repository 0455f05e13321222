using EdgeSentinel.Monitor.Monitoring;

namespace EdgeSentinel.Runtime.Device;

/// <summary>What one <see cref="DeviceLoop.Step"/> did; the actuator output itself is <see cref="DeviceLoop.ActuatorOutput"/>.</summary>
/// <param name="FrameIndex">The 0-based index of the frame.</param>
/// <param name="Events">What happened during the frame.</param>
/// <param name="Observation">What the monitor's <c>Observe</c> reported (<see cref="ObserveResult.None"/> when the inference failed).</param>
/// <param name="LatencyMilliseconds">Time spent in ONNX Runtime (NaN when the inference failed).</param>
/// <remarks>Immutable and thread-safe.</remarks>
public readonly record struct DeviceStepOutcome(long FrameIndex, DeviceStepEvents Events, ObserveResult Observation, double LatencyMilliseconds)
{
    /// <summary>True when every event in <paramref name="events"/> happened.</summary>
    public bool Has(DeviceStepEvents events) => (Events & events) == events;
}

/// <summary>What happened during one frame; flags combine.</summary>
[Flags]
public enum DeviceStepEvents
{
    /// <summary>An ordinary frame.</summary>
    None = 0,

    /// <summary>The actuator output of this frame came from the interlock's fallback, not the model (also when this frame's own monitoring tripped it).</summary>
    FallbackEngaged = 1,

    /// <summary>The interlock was tripped at the end of this frame.</summary>
    InterlockTripped = 2,

    /// <summary>At least one alert transition happened on the inference thread during this frame (always the case for every transition in <see cref="AnalysisMode.Inline"/>).</summary>
    AlertTransition = 4,

    /// <summary>A window of observations completed with this frame (analyzed inline, or handed to the analysis thread).</summary>
    WindowCompleted = 8,

    /// <summary>The monitor flagged NaN or ±∞ values in this frame.</summary>
    NonFiniteValues = 16,

    /// <summary>The model failed on this frame (ONNX Runtime error): no observation; a runtime-health alert was raised; the actuators kept the previous output, or got the fallback when the interlock is tripped.</summary>
    InferenceFailed = 32,

    /// <summary>The canary set was replayed after this frame.</summary>
    CanaryChecked = 64,

    /// <summary>Cue probes ran on this frame.</summary>
    CueProbed = 128,
}
