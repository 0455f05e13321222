using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Runtime.Device;

/// <summary>Receives every alert transition of a <see cref="DeviceLoop"/> with the frame at which it happened.</summary>
/// <remarks>
/// Called from one thread at a time, in the order the transitions happened: the inference thread in
/// <see cref="AnalysisMode.Inline"/>, the loop's analysis thread in <see cref="AnalysisMode.Background"/>.
/// An exception thrown by the sink is caught and counted (<see cref="DeviceLoopCounters.SinkFailures"/>), never propagated into the loop.
/// </remarks>
public interface IAlertSink
{
    /// <summary>One alert transition; <paramref name="frameIndex"/> is the 0-based frame whose evaluation caused it.</summary>
    void OnAlert(AlertTransition transition, long frameIndex);
}
