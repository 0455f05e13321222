namespace EdgeSentinel.Runtime.Device;

/// <summary>Counts of a <see cref="DeviceLoop"/> so far.</summary>
/// <param name="Frames">Frames stepped (including failed inferences).</param>
/// <param name="InferenceFailures">Frames whose inference failed.</param>
/// <param name="FramesOnFallback">Frames whose actuator output came from the fallback.</param>
/// <param name="AlertTransitions">Alert transitions produced (delivered or not).</param>
/// <param name="SinkDeliveriesDropped">Transitions not delivered to the alert sink because the hand-off queue was full.</param>
/// <param name="SinkFailures">Exceptions thrown by the alert sink (caught).</param>
/// <param name="WindowsAnalyzed">Windows analyzed.</param>
/// <param name="CanaryChecks">Canary set replays.</param>
/// <param name="CueProbes">Frames on which cue probes ran.</param>
/// <param name="HealthEvents">Runtime-health events turned into signals.</param>
/// <param name="AnalysisFailures">Exceptions caught on the analysis thread (the loop went on).</param>
/// <param name="StaleEvaluationsSkipped">Evaluations not given to the alert tracker because a later one for the same alert key had been (Background mode: a window analyzed after a later sequential alarm).</param>
/// <remarks>Immutable and thread-safe.</remarks>
public readonly record struct DeviceLoopCounters(
    long Frames,
    long InferenceFailures,
    long FramesOnFallback,
    long AlertTransitions,
    long SinkDeliveriesDropped,
    long SinkFailures,
    long WindowsAnalyzed,
    long CanaryChecks,
    long CueProbes,
    long HealthEvents,
    long AnalysisFailures,
    long StaleEvaluationsSkipped);
