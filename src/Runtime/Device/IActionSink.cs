namespace EdgeSentinel.Runtime.Device;

/// <summary>Receives each frame's actuator output (the model's output while the interlock is armed, the fallback once tripped): motor drivers, or a simulated world in a closed loop.</summary>
/// <remarks>Called on the inference thread at the end of every <see cref="DeviceLoop.Step"/>; must not block. The span is valid only during the call.</remarks>
public interface IActionSink
{
    /// <summary>Applies one frame's actuator output.</summary>
    void Apply(ReadOnlySpan<float> action);
}
