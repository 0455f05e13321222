using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Runtime.Tests.Onnx;

/// <summary>Small models built with the writer, and plain C# references for their math.</summary>
internal static class TestModels
{
    // 3 -> 4 (relu, "hidden") -> 2 (linear, "y").
    public static readonly float[,] W1 =
    {
        { 0.5f, -1f, 0.25f, 2f },
        { 1f, 0.5f, -0.75f, 0f },
        { -0.5f, 0.25f, 1f, -1f },
    };

    public static readonly float[] B1 = [0.1f, -0.2f, 0.3f, 0f];

    public static readonly float[,] W2 =
    {
        { 1f, -1f },
        { 0.5f, 2f },
        { -2f, 0.25f },
        { 0.75f, 1f },
    };

    public static readonly float[] B2 = [0.05f, -0.5f];

    public static OnnxModelBuilder Mlp(OnnxDimension? batch = null) =>
        OnnxModelBuilder.CreateMlp("x", [new DenseLayer(W1, B1, OnnxActivation.Relu, "hidden"), new DenseLayer(W2, B2)], "y", batch);

    public static float[] MlpReference(ReadOnlySpan<float> x, out float[] hidden)
    {
        hidden = Dense(x, W1, B1, relu: true);
        return Dense(hidden, W2, B2, relu: false);
    }

    public static float[] Dense(ReadOnlySpan<float> x, float[,] w, float[] b, bool relu)
    {
        var y = new float[w.GetLength(1)];
        for (var j = 0; j < y.Length; j++)
        {
            double s = b[j];
            for (var i = 0; i < x.Length; i++)
            {
                s += x[i] * (double)w[i, j];
            }

            y[j] = relu ? (float)Math.Max(0, s) : (float)s;
        }

        return y;
    }
}
