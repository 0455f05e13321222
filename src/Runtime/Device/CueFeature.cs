namespace EdgeSentinel.Runtime.Device;

/// <summary>A deployment cue for cue probes: an input feature (a baseline input channel name) and the value it had during training.</summary>
/// <param name="Feature">The input feature, as named in the baseline's input channels (e.g. "mission_day").</param>
/// <param name="TrainingValue">The value the probe resets the feature to.</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record CueFeature(string Feature, float TrainingValue);
