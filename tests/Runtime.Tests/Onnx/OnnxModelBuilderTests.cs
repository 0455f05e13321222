using EdgeSentinel.Runtime.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeSentinel.Runtime.Tests.Onnx;

public sealed class OnnxModelBuilderTests
{
    [Fact]
    public void ToBytes_SameModelTwice_ByteIdentical()
    {
        var first = TestModels.Mlp().ToBytes();
        var second = TestModels.Mlp().ToBytes();
        Assert.Equal(first, second);
    }

    [Fact]
    public void ToBytes_DifferentWeights_DifferentBytes()
    {
        var a = TestModels.Mlp().ToBytes();
        var w = (float[,])TestModels.W1.Clone();
        w[0, 0] += 1f;
        var b = OnnxModelBuilder.CreateMlp("x", [new DenseLayer(w, TestModels.B1, OnnxActivation.Relu, "hidden"), new DenseLayer(TestModels.W2, TestModels.B2)], "y").ToBytes();
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void CreateMlp_RunInOnnxRuntime_MatchesPlainMath()
    {
        using var session = new InferenceSession(TestModels.Mlp().ToBytes());
        float[] x = [0.5f, -1.25f, 2f];
        using var input = OrtValue.CreateTensorValueFromMemory(x, [1, 3]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["x"], [input], ["y"]);
        var y = results[0].GetTensorDataAsSpan<float>().ToArray();
        var expected = TestModels.MlpReference(x, out _);
        Assert.Equal(expected.Length, y.Length);
        for (var i = 0; i < y.Length; i++)
        {
            Assert.Equal(expected[i], y[i], 5);
        }
    }

    [Theory]
    [InlineData(OnnxTensorEncoding.RawData)]
    [InlineData(OnnxTensorEncoding.TypedFields)]
    public void AddInitializer_EitherEncoding_OnnxRuntimeReadsSameValues(OnnxTensorEncoding encoding)
    {
        // y = x + c for every supported element type; c stored with the given encoding.
        var bytes = new OnnxModelBuilder()
            .AddInput("f", OnnxElementType.Float32, 2)
            .AddInput("d", OnnxElementType.Float64, 2)
            .AddInput("l", OnnxElementType.Int64, 2)
            .AddInput("b", OnnxElementType.Bool, 2)
            .AddInitializer("cf", [2], new float[] { 1.5f, -2f }, encoding)
            .AddInitializer("cd", [2], new double[] { 0.25, 1e10 }, encoding)
            .AddInitializer("cl", [2], new long[] { 7, -(1L << 40) }, encoding)
            .AddInitializer("cb", [2], new bool[] { true, false }, encoding)
            .AddNode("Add", ["f", "cf"], ["yf"])
            .AddNode("Add", ["d", "cd"], ["yd"])
            .AddNode("Add", ["l", "cl"], ["yl"])
            .AddNode("Xor", ["b", "cb"], ["yb"])
            .AddOutput("yf", OnnxElementType.Float32, 2)
            .AddOutput("yd", OnnxElementType.Float64, 2)
            .AddOutput("yl", OnnxElementType.Int64, 2)
            .AddOutput("yb", OnnxElementType.Bool, 2)
            .ToBytes();
        using var session = new InferenceSession(bytes);
        using var f = OrtValue.CreateTensorValueFromMemory(new float[] { 1f, 1f }, [2]);
        using var d = OrtValue.CreateTensorValueFromMemory(new double[] { 1, 1 }, [2]);
        using var l = OrtValue.CreateTensorValueFromMemory(new long[] { 1, 1 }, [2]);
        using var b = OrtValue.CreateTensorValueFromMemory(new bool[] { false, false }, [2]);
        using var runOptions = new RunOptions();
        using var r = session.Run(runOptions, ["f", "d", "l", "b"], [f, d, l, b], ["yf", "yd", "yl", "yb"]);
        Assert.Equal([2.5f, -1f], r[0].GetTensorDataAsSpan<float>().ToArray());
        Assert.Equal([1.25, 1e10 + 1], r[1].GetTensorDataAsSpan<double>().ToArray());
        Assert.Equal([8L, 1 - (1L << 40)], r[2].GetTensorDataAsSpan<long>().ToArray());
        Assert.Equal([true, false], r[3].GetTensorDataAsSpan<bool>().ToArray());
    }

    [Fact]
    public void ToBytes_InconsistentGraph_ListsEveryProblem()
    {
        var builder = new OnnxModelBuilder()
            .AddInput("x", OnnxElementType.Float32, 2)
            .AddNode("Relu", ["nope"], ["h"], "first")
            .AddNode("Relu", ["x"], ["h"], "second")
            .AddOutput("missing", OnnxElementType.Float32, 2);
        var ex = Assert.Throws<InvalidOperationException>(() => builder.ToBytes());
        Assert.Contains("'first' (Relu) reads 'nope'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'h' reuses a name", ex.Message, StringComparison.Ordinal);
        Assert.Contains("graph output 'missing'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DenseLayer_WrongBiasLength_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new DenseLayer(new float[2, 3], new float[2]));
        Assert.Contains("Expected 3 bias values", ex.Message, StringComparison.Ordinal);
    }
}
