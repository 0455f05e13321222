namespace EdgeSentinel.Runtime.Onnx;

/// <summary>Activation applied after a dense layer of an MLP built by <see cref="OnnxModelBuilder.AddDenseLayer"/>.</summary>
public enum OnnxActivation
{
    /// <summary>No activation (linear layer).</summary>
    None,

    /// <summary><c>max(0, x)</c>.</summary>
    Relu,

    /// <summary><c>tanh(x)</c>.</summary>
    Tanh,

    /// <summary><c>1 / (1 + exp(-x))</c>.</summary>
    Sigmoid,

    /// <summary>Softmax over the last axis.</summary>
    Softmax,
}
