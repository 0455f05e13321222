using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Models;

/// <summary>How an ONNX model run by ONNX Runtime (through <see cref="OnnxModelHost"/>) compares with the C# forward pass of its <see cref="PolicyNetwork"/>.</summary>
/// <param name="Rows">Inputs compared.</param>
/// <param name="MaxOutputDifference">Largest absolute difference of any action probability.</param>
/// <param name="MaxTapDifference">Largest absolute difference of any hidden activation (taps hidden1, hidden2).</param>
/// <param name="SameAction">Rows on which the argmax of ONNX Runtime's probabilities is the C# action.</param>
public sealed record OnnxComparison(int Rows, double MaxOutputDifference, double MaxTapDifference, int SameAction)
{
    /// <summary>Runs <paramref name="modelBytes"/> in ONNX Runtime on every row of <paramref name="inputs"/> and compares with <paramref name="network"/>.</summary>
    public static OnnxComparison Measure(byte[] modelBytes, PolicyNetwork network, Recording inputs)
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputs);
        var options = new OnnxModelHostOptions();
        foreach (var layer in network.Layers)
        {
            if (layer.Relu)
            {
                options.Taps.Add(layer.Name);
            }
        }

        using var host = OnnxModelHost.Load(modelBytes, options, network.Name);
        if (host.InputWidth != RobotFeatures.Count || host.OutputWidth != RobotActions.Count || host.TapWidth != network.HiddenWidth)
        {
            throw new InvalidOperationException($"model '{network.Name}' has {host.InputWidth} inputs, {host.OutputWidth} outputs and {host.TapWidth} tapped values; expected {RobotFeatures.Count}, {RobotActions.Count} and {network.HiddenWidth}");
        }

        var probabilities = new float[RobotActions.Count];
        var taps = new float[network.HiddenWidth];
        double maxOutput = 0, maxTap = 0;
        var same = 0;
        for (var r = 0; r < inputs.Count; r++)
        {
            var row = inputs.Row(r);
            var action = network.Forward(row, probabilities, taps);
            host.SetInputs(row);
            var frame = host.Run();
            var best = 0;
            for (var i = 0; i < probabilities.Length; i++)
            {
                maxOutput = Math.Max(maxOutput, Math.Abs(frame.Outputs[i] - probabilities[i]));
                if (frame.Outputs[i] > frame.Outputs[best])
                {
                    best = i;
                }
            }

            for (var i = 0; i < taps.Length; i++)
            {
                maxTap = Math.Max(maxTap, Math.Abs(frame.Taps[i] - taps[i]));
            }

            if (best == (int)action)
            {
                same++;
            }
        }

        return new OnnxComparison(inputs.Count, maxOutput, maxTap, same);
    }
}
