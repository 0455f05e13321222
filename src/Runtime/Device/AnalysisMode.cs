namespace EdgeSentinel.Runtime.Device;

/// <summary>Where a <see cref="DeviceLoop"/> analyzes completed windows and delivers alerts.</summary>
public enum AnalysisMode
{
    /// <summary>On the inference thread, inside <see cref="DeviceLoop.Step"/>, as soon as a window is ready: deterministic (replay, evaluation, tests).</summary>
    Inline = 0,

    /// <summary>On a background thread fed through bounded hand-offs, so that inference never waits for window tests or alert sinks (the device).</summary>
    Background = 1,
}
