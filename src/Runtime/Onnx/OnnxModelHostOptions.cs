using System.Globalization;

namespace EdgeSentinel.Runtime.Onnx;

/// <summary>How <see cref="OnnxModelHost"/> loads and runs a model.</summary>
/// <remarks>Plain settable options; <see cref="Validate"/> lists every problem at once. Not thread-safe; do not change after loading.</remarks>
public sealed class OnnxModelHostOptions
{
    /// <summary>Sizes for named dynamic dimensions (<c>dim_param</c>, e.g. <c>batch = 1</c>). Default: none.</summary>
    public IDictionary<string, long> DimensionValues { get; } = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Full shapes for inputs, for dynamic dimensions without a name. Default: none.</summary>
    public IDictionary<string, long[]> InputShapes { get; } = new Dictionary<string, long[]>(StringComparer.Ordinal);

    /// <summary>Intermediate tensors to expose as taps, in this order. Default: none.</summary>
    public IList<string> Taps { get; } = [];

    /// <summary>Also tap the outputs of the last N hidden activation layers (the <c>--taps auto</c> rule); 0 disables. Default 0.</summary>
    /// <value>Activation layers are nodes of op types such as Relu, Tanh, Sigmoid, Gelu, Softmax whose output is not a model output.</value>
    public int AutoTapLayers { get; set; }

    /// <summary>Recurrent state: model output name → model input name fed with that output on the next frame. Default: none.</summary>
    public IDictionary<string, string> StateMappings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>ONNX Runtime intra-op threads. Default 1 (small boards, predictable latency).</summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Whether ONNX Runtime's worker threads spin while waiting (lower latency, more CPU). Default false.</summary>
    public bool AllowSpinning { get; set; }

    /// <summary>Clock for per-frame latency. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Every problem with these options; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        foreach (var (name, value) in DimensionValues)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                problems.Add("DimensionValues: a dimension name is empty");
            }

            if (value < 1)
            {
                problems.Add($"DimensionValues['{name}']: must be at least 1, got {value.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        foreach (var (name, shape) in InputShapes)
        {
            if (shape is null || Array.Exists(shape, d => d < 1))
            {
                problems.Add($"InputShapes['{name}']: every dimension must be at least 1");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Taps.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Taps[i]))
            {
                problems.Add($"Taps[{i.ToString(CultureInfo.InvariantCulture)}]: empty tensor name");
            }
            else if (!seen.Add(Taps[i]))
            {
                problems.Add($"Taps[{i.ToString(CultureInfo.InvariantCulture)}]: '{Taps[i]}' is listed twice");
            }
        }

        if (AutoTapLayers < 0)
        {
            problems.Add($"AutoTapLayers: must be 0 or more, got {AutoTapLayers.ToString(CultureInfo.InvariantCulture)}");
        }

        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (output, input) in StateMappings)
        {
            if (string.IsNullOrWhiteSpace(output) || string.IsNullOrWhiteSpace(input))
            {
                problems.Add("StateMappings: empty output or input name");
            }
            else if (!targets.Add(input))
            {
                problems.Add($"StateMappings['{output}']: input '{input}' is fed by more than one output");
            }
        }

        if (IntraOpThreads < 1)
        {
            problems.Add($"IntraOpThreads: must be at least 1, got {IntraOpThreads.ToString(CultureInfo.InvariantCulture)}");
        }

        if (TimeProvider is null)
        {
            problems.Add("TimeProvider: must not be null");
        }

        return problems;
    }
}
