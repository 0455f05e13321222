namespace EdgeSentinel.Runtime.Sensors;

/// <summary>Receives <see cref="RuntimeHealthEvent"/>s from drivers and sources.</summary>
/// <remarks>Implementations must be thread-safe and must not block: drivers report from the inference thread.</remarks>
public interface IRuntimeHealthSink
{
    /// <summary>Records one event.</summary>
    void Report(RuntimeHealthEvent healthEvent);
}
