using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>
/// The device path one scenario stream runs through: the deployed ONNX model chooses the action, the monitor
/// watches every inference, and detections go to the stream's <see cref="StreamObserver"/>.
/// </summary>
internal interface IEvaluationDevice : IDisposable
{
    /// <summary>Runs frame <paramref name="frame"/> (0-based, consecutive) through the model called <paramref name="deployedModel"/> and the monitor; returns the action to apply.</summary>
    RobotAction Step(ReadOnlySpan<float> inputs, long frame, string deployedModel);

    /// <summary>Finishes the stream: analyses whatever the monitor still holds.</summary>
    void Complete();
}
