namespace EdgeSentinel.Runtime.Onnx;

/// <summary>One fully connected layer of an MLP: <c>y = activation(x · W + b)</c> with <c>W</c> of shape [inputs, outputs].</summary>
/// <remarks>Immutable: the weights are copied.</remarks>
public sealed class DenseLayer
{
    private readonly float[] _weights;
    private readonly float[] _bias;

    /// <summary>Creates a layer from weights indexed [input, output] and one bias per output.</summary>
    public DenseLayer(float[,] weights, float[] bias, OnnxActivation activation = OnnxActivation.None, string? name = null)
        : this(Flatten(weights), weights?.GetLength(0) ?? 0, weights?.GetLength(1) ?? 0, bias, activation, name)
    {
    }

    private DenseLayer(float[] weights, int inputs, int outputs, float[] bias, OnnxActivation activation, string? name)
    {
        ArgumentNullException.ThrowIfNull(bias);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        if (weights.Length != inputs * outputs)
        {
            throw new ArgumentException($"Expected {inputs}×{outputs} = {inputs * outputs} weights, got {weights.Length}.", nameof(weights));
        }

        if (bias.Length != outputs)
        {
            throw new ArgumentException($"Expected {outputs} bias values (one per output), got {bias.Length}.", nameof(bias));
        }

        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }

        if (name is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
        }

        _weights = weights;
        _bias = (float[])bias.Clone();
        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
        Name = name;
    }

    /// <summary>Creates a layer from row-major weights (<paramref name="inputs"/> rows of <paramref name="outputs"/> values).</summary>
    public static DenseLayer FromRowMajor(int inputs, int outputs, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, OnnxActivation activation = OnnxActivation.None, string? name = null) =>
        new(weights.ToArray(), inputs, outputs, bias.ToArray(), activation, name);

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>Activation after the affine map.</summary>
    public OnnxActivation Activation { get; }

    /// <summary>Name of the layer's output tensor, or null for a generated one.</summary>
    public string? Name { get; }

    /// <summary>Weights, row-major [inputs, outputs].</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <summary>Bias, one per output.</summary>
    public ReadOnlySpan<float> Bias => _bias;

    private static float[] Flatten(float[,] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var flat = new float[weights.Length];
        var k = 0;
        for (var i = 0; i < weights.GetLength(0); i++)
        {
            for (var j = 0; j < weights.GetLength(1); j++)
            {
                flat[k++] = weights[i, j];
            }
        }

        return flat;
    }
}
