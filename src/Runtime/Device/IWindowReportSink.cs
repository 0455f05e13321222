using EdgeSentinel.Monitor.Monitoring;

namespace EdgeSentinel.Runtime.Device;

/// <summary>Receives every analyzed window of a <see cref="DeviceLoop"/> (its tests and its fingerprint), e.g. to merge window fingerprints into periodic reports.</summary>
/// <remarks>Called on the thread that analyzed the window (the inference thread in <see cref="AnalysisMode.Inline"/>, the analysis thread in <see cref="AnalysisMode.Background"/>), after the window's alerts were processed. Exceptions are caught and counted.</remarks>
public interface IWindowReportSink
{
    /// <summary>One analyzed window; <paramref name="lastFrameIndex"/> is the frame of its last observation.</summary>
    void OnWindow(WindowReport report, long lastFrameIndex);
}
