namespace EdgeSentinel.Runtime.Onnx;

/// <summary>What a bound tensor is for.</summary>
public enum ModelTensorRole
{
    /// <summary>A model input written by the caller each frame (monitored).</summary>
    Input,

    /// <summary>A model input fed from a state output of the previous frame (not monitored).</summary>
    StateInput,

    /// <summary>A model output (monitored).</summary>
    Output,

    /// <summary>A model output copied into a state input for the next frame (not monitored).</summary>
    StateOutput,

    /// <summary>An intermediate tensor exposed as an extra output (monitored as a tap).</summary>
    Tap,
}
