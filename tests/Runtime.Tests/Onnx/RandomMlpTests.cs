using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Runtime.Tests.Onnx;

/// <summary>Random architectures and weights (fixed seeds): every output and every tapped pre- and post-activation tensor equals plain C# math.</summary>
public sealed class RandomMlpTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Run_RandomMlp_AllTapsAndOutputsMatchReference(int seed)
    {
        var random = new Random(seed);
        var widths = Enumerable.Range(0, random.Next(2, 5)).Select(_ => random.Next(1, 9)).ToArray();
        var activations = new[] { OnnxActivation.Relu, OnnxActivation.Tanh, OnnxActivation.Sigmoid, OnnxActivation.None, OnnxActivation.Softmax };
        var layers = new List<DenseLayer>();
        for (var l = 0; l + 1 < widths.Length; l++)
        {
            var w = new float[widths[l], widths[l + 1]];
            for (var i = 0; i < widths[l]; i++)
            {
                for (var j = 0; j < widths[l + 1]; j++)
                {
                    w[i, j] = (float)((random.NextDouble() * 2) - 1);
                }
            }

            var b = Enumerable.Range(0, widths[l + 1]).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            layers.Add(new DenseLayer(w, b, activations[random.Next(activations.Length)], "layer" + l));
        }

        var batch = random.Next(1, 4);
        var bytes = OnnxModelBuilder.CreateMlp("in", layers, "out", OnnxDimension.Dynamic("n")).ToBytes();
        var options = new OnnxModelHostOptions();
        options.DimensionValues["n"] = batch;

        // Tap every intermediate tensor the writer created: hidden outputs and, for layers with an activation, the Gemm result.
        var hidden = layers.Take(layers.Count - 1).ToList();
        for (var l = 0; l < hidden.Count; l++)
        {
            if (hidden[l].Activation != OnnxActivation.None)
            {
                options.Taps.Add($"layer{l}.linear");
            }

            options.Taps.Add($"layer{l}");
        }

        if (layers[^1].Activation != OnnxActivation.None)
        {
            options.Taps.Add("out.linear");
        }

        using var host = OnnxModelHost.Load(bytes, options);
        var x = Enumerable.Range(0, batch * widths[0]).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        host.SetInputs(x);
        var frame = host.Run();

        var expectedTaps = new List<float>();
        var output = new List<float>();
        for (var r = 0; r < batch; r++)
        {
            var current = x.AsSpan(r * widths[0], widths[0]).ToArray().Select(v => (double)v).ToArray();
            var rowTaps = new List<(string Name, double[] Values)>();
            for (var l = 0; l < layers.Count; l++)
            {
                var linear = Affine(current, layers[l]);
                var activated = Activate(linear, layers[l].Activation);
                var name = l == layers.Count - 1 ? "out" : "layer" + l;
                if (layers[l].Activation != OnnxActivation.None)
                {
                    rowTaps.Add((name + ".linear", linear));
                }

                if (l < layers.Count - 1)
                {
                    rowTaps.Add((name, activated));
                }

                current = activated;
            }

            output.AddRange(current.Select(v => (float)v));
            foreach (var tap in rowTaps)
            {
                var offset = Offset(host, tap.Name) + (r * tap.Values.Length);
                for (var k = 0; k < tap.Values.Length; k++)
                {
                    Assert.True(Math.Abs(frame.Taps[offset + k] - tap.Values[k]) <= 1e-4 * Math.Max(1, Math.Abs(tap.Values[k])), $"seed {seed}, tap {tap.Name}, row {r}, element {k}: expected {tap.Values[k]}, got {frame.Taps[offset + k]}");
                }
            }
        }

        for (var k = 0; k < output.Count; k++)
        {
            Assert.True(Math.Abs(frame.Outputs[k] - output[k]) <= 1e-4 * Math.Max(1, Math.Abs(output[k])), $"seed {seed}, output {k}: expected {output[k]}, got {frame.Outputs[k]}");
        }

        Assert.Equal(output.Count, frame.Outputs.Length);
        Assert.Equal(options.Taps.Count, host.Taps.Count);
    }

    private static int Offset(OnnxModelHost host, string tap)
    {
        var offset = 0;
        foreach (var t in host.Taps)
        {
            if (t.Name == tap)
            {
                return offset;
            }

            offset += t.ElementCount;
        }

        throw new InvalidOperationException(tap);
    }

    private static double[] Affine(double[] x, DenseLayer layer)
    {
        var y = new double[layer.Outputs];
        for (var j = 0; j < y.Length; j++)
        {
            var s = (double)layer.Bias[j];
            for (var i = 0; i < x.Length; i++)
            {
                s += x[i] * layer.Weights[(i * layer.Outputs) + j];
            }

            y[j] = s;
        }

        return y;
    }

    private static double[] Activate(double[] z, OnnxActivation activation)
    {
        switch (activation)
        {
            case OnnxActivation.Relu:
                return [.. z.Select(v => Math.Max(0, v))];
            case OnnxActivation.Tanh:
                return [.. z.Select(Math.Tanh)];
            case OnnxActivation.Sigmoid:
                return [.. z.Select(v => 1 / (1 + Math.Exp(-v)))];
            case OnnxActivation.Softmax:
                var max = z.Max();
                var e = z.Select(v => Math.Exp(v - max)).ToArray();
                var sum = e.Sum();
                return [.. e.Select(v => v / sum)];
            default:
                return z;
        }
    }
}
