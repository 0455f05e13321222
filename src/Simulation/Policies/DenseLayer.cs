namespace EdgeSentinel.Simulation.Policies;

/// <summary>One fully connected layer y = act(W·x + b) of a policy, W stored row-major as [outputs, inputs] (ONNX Gemm with transB = 1).</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class DenseLayer
{
    private readonly float[] _weights;
    private readonly float[] _bias;

    internal DenseLayer(string name, int inputs, int outputs, float[] weights, float[] bias, bool relu)
    {
        if (weights.Length != inputs * outputs || bias.Length != outputs)
        {
            throw new ArgumentException($"layer '{name}': {weights.Length} weights and {bias.Length} biases do not fit {inputs} inputs × {outputs} outputs");
        }

        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        _weights = weights;
        _bias = bias;
        Relu = relu;
    }

    /// <summary>Name of the layer's output tensor (hidden layers can be tapped under this name).</summary>
    public string Name { get; }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>Whether a ReLU follows the affine map (hidden layers); the last layer produces logits.</summary>
    public bool Relu { get; }

    /// <summary>Weights, row-major [outputs, inputs].</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <summary>Biases, one per output.</summary>
    public ReadOnlySpan<float> Bias => _bias;

    internal float[] WeightArray => _weights;

    internal float[] BiasArray => _bias;

    /// <summary>Computes the layer's output for <paramref name="input"/> (sequential single-precision sums in input order).</summary>
    public void Apply(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != Inputs || output.Length != Outputs)
        {
            throw new ArgumentException($"layer '{Name}' maps {Inputs} values to {Outputs}; got {input.Length} in and {output.Length} out");
        }

        for (var o = 0; o < Outputs; o++)
        {
            var row = _weights.AsSpan(o * Inputs, Inputs);
            var sum = 0f;
            for (var i = 0; i < row.Length; i++)
            {
                sum += row[i] * input[i];
            }

            sum += _bias[o];
            output[o] = Relu && !(sum > 0f) ? 0f : sum;
        }
    }
}
