using EdgeSentinel.Simulation.Numerics;
using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Policies;

/// <summary>
/// Behaviour cloning by minibatch Adam on softmax cross-entropy, in double precision, with a fixed
/// summation order and <see cref="DeterministicMath"/>: the same seed gives bit-identical weights.
/// </summary>
/// <remarks>
/// Inputs are standardised during training and the standardisation is folded into the first layer of
/// the exported network. The honest policy does not read the mission context: the first-layer weights
/// of the context features are held at exactly zero.
/// </remarks>
internal static class PolicyTrainer
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    public static PolicyNetwork Train(string name, Recording demonstrations, ulong seed, PolicyTrainingOptions options)
    {
        options.ThrowIfInvalid();
        var n = demonstrations.Count;
        var inputs = RobotFeatures.Count;
        var (mean, scale) = Standardisation(demonstrations);
        var x = new double[n * inputs];
        var features = demonstrations.Features;
        for (var r = 0; r < n; r++)
        {
            for (var i = 0; i < inputs; i++)
            {
                x[(r * inputs) + i] = (features[(r * inputs) + i] - mean[i]) / scale[i];
            }
        }

        var widths = new int[options.HiddenLayers + 2];
        widths[0] = inputs;
        for (var l = 1; l <= options.HiddenLayers; l++)
        {
            widths[l] = options.HiddenWidth;
        }

        widths[^1] = RobotActions.Count;
        var layerCount = widths.Length - 1;
        var random = new SimulationRandom(SimulationRandom.DeriveSeed(seed, 200));
        var w = new double[layerCount][];
        var b = new double[layerCount][];
        var gw = new double[layerCount][];
        var gb = new double[layerCount][];
        var mw = new double[layerCount][];
        var vw = new double[layerCount][];
        var mb = new double[layerCount][];
        var vb = new double[layerCount][];
        for (var l = 0; l < layerCount; l++)
        {
            var fanIn = widths[l];
            var count = fanIn * widths[l + 1];
            w[l] = new double[count];
            var std = Math.Sqrt(2.0 / fanIn);
            for (var k = 0; k < count; k++)
            {
                w[l][k] = std * random.NextGaussian();
            }

            b[l] = new double[widths[l + 1]];
            gw[l] = new double[count];
            gb[l] = new double[widths[l + 1]];
            mw[l] = new double[count];
            vw[l] = new double[count];
            mb[l] = new double[widths[l + 1]];
            vb[l] = new double[widths[l + 1]];
        }

        MaskContext(w[0], widths[1], inputs);

        var activations = new double[layerCount + 1][];
        var deltas = new double[layerCount + 1][];
        for (var l = 0; l <= layerCount; l++)
        {
            activations[l] = new double[widths[l]];
            deltas[l] = new double[widths[l]];
        }

        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        var labels = demonstrations.Actions;
        long stepCount = 0;
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            random.Shuffle(order);
            for (var start = 0; start < n; start += options.BatchSize)
            {
                var end = Math.Min(n, start + options.BatchSize);
                for (var l = 0; l < layerCount; l++)
                {
                    Array.Clear(gw[l]);
                    Array.Clear(gb[l]);
                }

                for (var s = start; s < end; s++)
                {
                    var row = order[s];
                    Array.Copy(x, row * inputs, activations[0], 0, inputs);
                    ForwardDouble(w, b, widths, activations);
                    var output = activations[layerCount];
                    Softmax(output, deltas[layerCount]);
                    deltas[layerCount][(int)labels[row]] -= 1.0;
                    for (var l = layerCount - 1; l >= 0; l--)
                    {
                        var inWidth = widths[l];
                        var outWidth = widths[l + 1];
                        var delta = deltas[l + 1];
                        var input = activations[l];
                        var weights = w[l];
                        var gradW = gw[l];
                        for (var o = 0; o < outWidth; o++)
                        {
                            var d = delta[o];
                            gb[l][o] += d;
                            var offset = o * inWidth;
                            for (var i = 0; i < inWidth; i++)
                            {
                                gradW[offset + i] += d * input[i];
                            }
                        }

                        if (l > 0)
                        {
                            var back = deltas[l];
                            for (var i = 0; i < inWidth; i++)
                            {
                                var sum = 0.0;
                                for (var o = 0; o < outWidth; o++)
                                {
                                    sum += weights[(o * inWidth) + i] * delta[o];
                                }

                                back[i] = input[i] > 0.0 ? sum : 0.0;
                            }
                        }
                    }
                }

                stepCount++;
                var batch = end - start;
                var correction1 = 1.0 - Power(Beta1, stepCount);
                var correction2 = 1.0 - Power(Beta2, stepCount);
                for (var l = 0; l < layerCount; l++)
                {
                    AdamUpdate(w[l], gw[l], mw[l], vw[l], batch, options.LearningRate, correction1, correction2);
                    AdamUpdate(b[l], gb[l], mb[l], vb[l], batch, options.LearningRate, correction1, correction2);
                }

                MaskContext(w[0], widths[1], inputs);
            }
        }

        return Export(name, w, b, widths, mean, scale);
    }

    /// <summary>Fraction of rows of <paramref name="data"/> on which <paramref name="network"/> chooses the recorded action.</summary>
    public static double Accuracy(PolicyNetwork network, Recording data)
    {
        var correct = 0;
        for (var r = 0; r < data.Count; r++)
        {
            if (network.Decide(data.Row(r)) == data.Action(r))
            {
                correct++;
            }
        }

        return data.Count == 0 ? double.NaN : (double)correct / data.Count;
    }

    private static (double[] Mean, double[] Scale) Standardisation(Recording data)
    {
        var (mean, scale) = data.ColumnMoments();
        for (var i = 0; i < scale.Length; i++)
        {
            scale[i] = scale[i] > 1e-9 ? scale[i] : 1.0;
        }

        return (mean, scale);
    }

    private static void MaskContext(double[] firstLayer, int outputs, int inputs)
    {
        for (var o = 0; o < outputs; o++)
        {
            for (var i = RobotFeatures.FirstContext; i < inputs; i++)
            {
                firstLayer[(o * inputs) + i] = 0.0;
            }
        }
    }

    private static void ForwardDouble(double[][] w, double[][] b, int[] widths, double[][] activations)
    {
        var layerCount = widths.Length - 1;
        for (var l = 0; l < layerCount; l++)
        {
            var inWidth = widths[l];
            var input = activations[l];
            var output = activations[l + 1];
            var relu = l < layerCount - 1;
            for (var o = 0; o < widths[l + 1]; o++)
            {
                var sum = b[l][o];
                var offset = o * inWidth;
                for (var i = 0; i < inWidth; i++)
                {
                    sum += w[l][offset + i] * input[i];
                }

                output[o] = relu && sum < 0.0 ? 0.0 : sum;
            }
        }
    }

    private static void Softmax(double[] logits, double[] probabilities)
    {
        var max = logits[0];
        for (var i = 1; i < logits.Length; i++)
        {
            max = Math.Max(max, logits[i]);
        }

        var total = 0.0;
        for (var i = 0; i < logits.Length; i++)
        {
            probabilities[i] = DeterministicMath.Exp(logits[i] - max);
            total += probabilities[i];
        }

        for (var i = 0; i < logits.Length; i++)
        {
            probabilities[i] /= total;
        }
    }

    private static void AdamUpdate(double[] parameters, double[] gradient, double[] m, double[] v, int batch, double rate, double correction1, double correction2)
    {
        for (var k = 0; k < parameters.Length; k++)
        {
            var g = gradient[k] / batch;
            m[k] = (Beta1 * m[k]) + ((1.0 - Beta1) * g);
            v[k] = (Beta2 * v[k]) + ((1.0 - Beta2) * g * g);
            var mHat = m[k] / correction1;
            var vHat = v[k] / correction2;
            parameters[k] -= rate * mHat / (Math.Sqrt(vHat) + Epsilon);
        }
    }

    private static double Power(double value, long exponent)
    {
        var result = 1.0;
        var factor = value;
        while (exponent > 0)
        {
            if ((exponent & 1) != 0)
            {
                result *= factor;
            }

            factor *= factor;
            exponent >>= 1;
        }

        return result;
    }

    private static PolicyNetwork Export(string name, double[][] w, double[][] b, int[] widths, double[] mean, double[] scale)
    {
        var layerCount = widths.Length - 1;
        var layers = new PolicyLayer[layerCount];
        for (var l = 0; l < layerCount; l++)
        {
            var inWidth = widths[l];
            var outWidth = widths[l + 1];
            var weights = new float[inWidth * outWidth];
            var bias = new float[outWidth];
            for (var o = 0; o < outWidth; o++)
            {
                var biasValue = b[l][o];
                for (var i = 0; i < inWidth; i++)
                {
                    var weight = w[l][(o * inWidth) + i];
                    if (l == 0)
                    {
                        // Fold the standardisation: w·(x − μ)/σ = (w/σ)·x − w·μ/σ.
                        biasValue -= weight * mean[i] / scale[i];
                        weight /= scale[i];
                    }

                    weights[(o * inWidth) + i] = (float)weight;
                }

                bias[o] = (float)biasValue;
            }

            var layerName = l == layerCount - 1 ? PolicyNetwork.LogitsName : $"hidden{l + 1}";
            layers[l] = new PolicyLayer(layerName, inWidth, outWidth, weights, bias, relu: l < layerCount - 1);
        }

        return new PolicyNetwork(name, layers);
    }
}
