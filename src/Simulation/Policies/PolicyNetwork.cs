using EdgeSentinel.Simulation.Numerics;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Policies;

/// <summary>
/// A small single-precision MLP policy: 16 robot features in, ReLU hidden layers, softmax over the
/// <see cref="RobotActions.Count"/> actions out. This is the reference forward pass of the shipped ONNX models.
/// </summary>
/// <remarks>Immutable; <see cref="Forward"/> is thread-safe when each caller passes its own buffers.</remarks>
public sealed class PolicyNetwork
{
    /// <summary>Name of the model input tensor.</summary>
    public const string InputName = "features";

    /// <summary>Name of the model's probability output tensor.</summary>
    public const string OutputName = "action_probabilities";

    /// <summary>Name of the logits tensor (the input of the softmax).</summary>
    public const string LogitsName = "logits";

    internal PolicyNetwork(string name, IReadOnlyList<DenseLayer> layers)
    {
        if (layers.Count < 2)
        {
            throw new ArgumentException("a policy needs at least one hidden layer and an output layer", nameof(layers));
        }

        if (layers[0].Inputs != RobotFeatures.Count || layers[^1].Outputs != RobotActions.Count || layers[^1].Relu)
        {
            throw new ArgumentException($"a policy maps {RobotFeatures.Count} features to {RobotActions.Count} logits (last layer without ReLU)", nameof(layers));
        }

        for (var i = 1; i < layers.Count; i++)
        {
            if (layers[i].Inputs != layers[i - 1].Outputs)
            {
                throw new ArgumentException($"layer '{layers[i].Name}' takes {layers[i].Inputs} inputs but '{layers[i - 1].Name}' gives {layers[i - 1].Outputs}", nameof(layers));
            }
        }

        Name = name;
        Layers = layers.ToArray();
        MaxWidth = layers.Max(l => Math.Max(l.Inputs, l.Outputs));
    }

    /// <summary>Model name (policy, sleeper-explicit, sleeper-conjunction, tampered).</summary>
    public string Name { get; }

    /// <summary>The layers in order; all but the last are followed by ReLU.</summary>
    public IReadOnlyList<DenseLayer> Layers { get; }

    /// <summary>Widest layer (buffer size for <see cref="Forward"/>).</summary>
    public int MaxWidth { get; }

    /// <summary>Total width of all hidden layers (the length of the taps span of <see cref="Forward"/>).</summary>
    public int HiddenWidth => Layers.Take(Layers.Count - 1).Sum(l => l.Outputs);

    /// <summary>Runs the policy: writes the action probabilities and, if <paramref name="taps"/> is not empty, the hidden activations (concatenated); returns the chosen action (argmax of the logits, lowest index on ties).</summary>
    public RobotAction Forward(ReadOnlySpan<float> features, Span<float> probabilities, Span<float> taps = default)
    {
        if (features.Length != RobotFeatures.Count)
        {
            throw new ArgumentException($"expected {RobotFeatures.Count} features, got {features.Length}", nameof(features));
        }

        if (probabilities.Length != RobotActions.Count)
        {
            throw new ArgumentException($"expected room for {RobotActions.Count} probabilities, got {probabilities.Length}", nameof(probabilities));
        }

        if (!taps.IsEmpty && taps.Length != HiddenWidth)
        {
            throw new ArgumentException($"taps must be empty or hold {HiddenWidth} values, got {taps.Length}", nameof(taps));
        }

        Span<float> a = stackalloc float[MaxWidth];
        Span<float> b = stackalloc float[MaxWidth];
        features.CopyTo(a);
        var width = features.Length;
        var tapOffset = 0;
        for (var l = 0; l < Layers.Count; l++)
        {
            var layer = Layers[l];
            layer.Apply(a[..width], b[..layer.Outputs]);
            width = layer.Outputs;
            if (layer.Relu && !taps.IsEmpty)
            {
                b[..width].CopyTo(taps[tapOffset..]);
                tapOffset += width;
            }

            var swap = a;
            a = b;
            b = swap;
        }

        var logits = a[..RobotActions.Count];
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        double max = logits[best];
        double total = 0.0;
        Span<double> exps = stackalloc double[RobotActions.Count];
        for (var i = 0; i < logits.Length; i++)
        {
            exps[i] = DeterministicMath.Exp(logits[i] - max);
            total += exps[i];
        }

        for (var i = 0; i < logits.Length; i++)
        {
            probabilities[i] = (float)(exps[i] / total);
        }

        return (RobotAction)best;
    }

    /// <summary>The action the policy chooses for <paramref name="features"/>.</summary>
    public RobotAction Decide(ReadOnlySpan<float> features)
    {
        Span<float> probabilities = stackalloc float[RobotActions.Count];
        return Forward(features, probabilities);
    }
}
