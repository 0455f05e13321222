using System.Security.Cryptography;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Runtime.Tests.Onnx;

public sealed class OnnxModelHostTests
{
    private const float Tolerance = 1e-5f;

    [Fact]
    public void Run_SingleInputMlp_OutputsAndTapMatchPlainMath()
    {
        var options = new OnnxModelHostOptions();
        options.Taps.Add("hidden");
        using var host = OnnxModelHost.Load(TestModels.Mlp().ToBytes(), options);
        Assert.Equal(3, host.InputWidth);
        Assert.Equal(2, host.OutputWidth);
        Assert.Equal(4, host.TapWidth);
        var random = new Random(17);
        for (var frame = 0; frame < 20; frame++)
        {
            float[] x = [(float)(random.NextDouble() * 4 - 2), (float)(random.NextDouble() * 4 - 2), (float)(random.NextDouble() * 4 - 2)];
            host.SetInputs(x);
            var result = host.Run();
            var expected = TestModels.MlpReference(x, out var hidden);
            Assert.Equal(frame, result.Index);
            AssertClose(x, result.Inputs);
            AssertClose(expected, result.Outputs);
            AssertClose(hidden, result.Taps);
        }
    }

    [Fact]
    public void Run_Int64AndFloatInputs_OutputsAndInferredTapsMatchPlainMath()
    {
        // c = Concat(x, Cast<float>(k)); h = Relu(c·W + b) (tap, no value_info); y = Tanh(h); n = k + [10, -3] (int64 output).
        float[] w = [1f, -1f, 0.5f, 2f, -0.25f, 0.75f, 1.5f, -0.5f, -1f, 0.25f];
        float[] b = [0.1f, -0.2f];
        var bytes = new OnnxModelBuilder()
            .AddInput("x", OnnxElementType.Float32, 1, 3)
            .AddInput("k", OnnxElementType.Int64, 1, 2)
            .AddInitializer("W", [5, 2], w, OnnxTensorEncoding.TypedFields)
            .AddInitializer("b", [2], b)
            .AddInitializer("offset", [2], new long[] { 10, -3 })
            .AddNode("Cast", ["k"], ["kf"], null, OnnxAttribute.Int("to", (long)OnnxElementType.Float32))
            .AddNode("Concat", ["x", "kf"], ["c"], null, OnnxAttribute.Int("axis", 1))
            .AddNode("MatMul", ["c", "W"], ["cw"])
            .AddNode("Add", ["cw", "b"], ["pre"])
            .AddNode("Relu", ["pre"], ["h"])
            .AddNode("Tanh", ["h"], ["y"])
            .AddNode("Add", ["k", "offset"], ["n"])
            .AddOutput("y", OnnxElementType.Float32, 1, 2)
            .AddOutput("n", OnnxElementType.Int64, 1, 2)
            .ToBytes();
        var options = new OnnxModelHostOptions();
        options.Taps.Add("h");
        options.Taps.Add("c");
        using var host = OnnxModelHost.Load(bytes, options);
        Assert.Equal(["x", "k"], host.Inputs.Select(t => t.Name));
        Assert.Equal(OnnxElementType.Int64, host.Inputs[1].ElementType);
        Assert.Equal(OnnxElementType.Float32, host.Taps[0].ElementType);
        Assert.Equal([1L, 2L], host.Taps[0].Shape);
        Assert.Equal([1L, 5L], host.Taps[1].Shape);

        float[] x = [0.5f, -1.5f, 2f];
        long[] k = [3, -2];
        x.CopyTo(host.GetTensor("x").AsFloat32Span());
        k.CopyTo(host.GetTensor("k").AsInt64Span());
        var frame = host.Run();

        float[] c = [x[0], x[1], x[2], k[0], k[1]];
        var h = new float[2];
        for (var j = 0; j < 2; j++)
        {
            var s = b[j];
            for (var i = 0; i < 5; i++)
            {
                s += c[i] * w[(i * 2) + j];
            }

            h[j] = Math.Max(0f, s);
        }

        AssertClose([x[0], x[1], x[2], 3f, -2f], frame.Inputs);
        AssertClose([MathF.Tanh(h[0]), MathF.Tanh(h[1]), 13f, -5f], frame.Outputs);
        AssertClose([h[0], h[1], .. c], frame.Taps);
        Assert.Equal([13L, -5L], host.GetTensor("n").AsInt64Span().ToArray());
    }

    [Fact]
    public void Run_Float64AndBoolInputs_ConvertedForMonitoring()
    {
        // y = Where(flag, 2d, d) (float64); positive = d > 0 (bool).
        var bytes = new OnnxModelBuilder()
            .AddInput("d", OnnxElementType.Float64, 3)
            .AddInput("flag", OnnxElementType.Bool, 3)
            .AddInitializer("two", [], new double[] { 2 })
            .AddInitializer("zero", [], new double[] { 0 })
            .AddNode("Mul", ["d", "two"], ["d2"])
            .AddNode("Where", ["flag", "d2", "d"], ["y"])
            .AddNode("Greater", ["d", "zero"], ["positive"])
            .AddOutput("y", OnnxElementType.Float64, 3)
            .AddOutput("positive", OnnxElementType.Bool, 3)
            .ToBytes();
        using var host = OnnxModelHost.Load(bytes);
        Assert.Equal(["d.0", "d.1", "d.2", "flag.0", "flag.1", "flag.2"], host.InputElementNames());
        Assert.Equal(["y.0", "y.1", "y.2", "positive.0", "positive.1", "positive.2"], host.OutputElementNames());
        host.SetInputs([1.5f, -2f, 0.25f, 1f, 0f, 1f]);
        var frame = host.Run();
        AssertClose([1.5f, -2f, 0.25f, 1f, 0f, 1f], frame.Inputs);
        AssertClose([3f, -2f, 0.5f, 1f, 0f, 1f], frame.Outputs);
        Assert.Equal([1.5, -2, 0.25], host.GetTensor("d").AsFloat64Span().ToArray());
        Assert.Equal([true, false, true], host.GetTensor("positive").AsBoolSpan().ToArray());
    }

    [Fact]
    public void Run_DynamicBatchFixedByOptions_EveryRowMatchesPlainMath()
    {
        var bytes = TestModels.Mlp(OnnxDimension.Dynamic("batch")).ToBytes();
        var options = new OnnxModelHostOptions { AutoTapLayers = 1 };
        options.DimensionValues["batch"] = 3;
        using var host = OnnxModelHost.Load(bytes, options);
        Assert.Equal([3L, 3L], host.Inputs[0].Shape);
        Assert.Equal("hidden", host.Taps[0].Name);
        Assert.Equal([3L, 4L], host.Taps[0].Shape);
        float[] rows = [1f, 2f, 3f, -1f, 0.5f, 0f, 0.25f, -2f, 1.5f];
        host.SetInputs(rows);
        var frame = host.Run();
        for (var r = 0; r < 3; r++)
        {
            var expected = TestModels.MlpReference(rows.AsSpan(r * 3, 3), out var hidden);
            AssertClose(expected, frame.Outputs.Slice(r * 2, 2));
            AssertClose(hidden, frame.Taps.Slice(r * 4, 4));
        }

        // The identity keeps the declared dynamic dimension.
        Assert.Equal([-1L, 3L], host.Identity.Inputs[0].Shape);
    }

    [Fact]
    public void Load_DynamicDimensionNotFixed_ErrorNamesDimensionAndOption()
    {
        var bytes = TestModels.Mlp(OnnxDimension.Dynamic("batch")).ToBytes();
        var ex = Assert.Throws<OnnxModelException>(() => OnnxModelHost.Load(bytes));
        Assert.Contains("input 'x' dimension 0 is dynamic ('batch'); set DimensionValues['batch']", ex.Message, StringComparison.Ordinal);

        var misspelled = new OnnxModelHostOptions();
        misspelled.DimensionValues["bacth"] = 1;
        ex = Assert.Throws<OnnxModelException>(() => OnnxModelHost.Load(bytes, misspelled));
        Assert.Contains("DimensionValues['bacth'] names no dynamic dimension", ex.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'batch'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnnamedDynamicDimension_FixedByInputShape()
    {
        var bytes = TestModels.Mlp(OnnxDimension.Unknown).ToBytes();
        Assert.Contains("dynamic without a name; set InputShapes['x']", Assert.Throws<OnnxModelException>(() => OnnxModelHost.Load(bytes)).Message, StringComparison.Ordinal);
        var options = new OnnxModelHostOptions();
        options.InputShapes["x"] = [2, 3];
        using var host = OnnxModelHost.Load(bytes, options);
        Assert.Equal(6, host.InputWidth);
        Assert.Equal(4, host.OutputWidth);
    }

    [Fact]
    public void Run_RecurrentModel_StateOutputFeedsStateInput()
    {
        // h' = tanh(x·Wx + h·Wh + b); y = h'·Wo. State: h' -> h.
        float[] wx = [0.5f, -0.25f, 1f, 0.75f];
        float[] wh = [0.9f, 0.1f, -0.3f, 0.8f];
        float[] b = [0.05f, -0.1f];
        float[] wo = [1f, -2f];
        var bytes = new OnnxModelBuilder()
            .AddInput("x", OnnxElementType.Float32, 1, 2)
            .AddInput("h", OnnxElementType.Float32, 1, 2)
            .AddInitializer("Wx", [2, 2], wx)
            .AddInitializer("Wh", [2, 2], wh)
            .AddInitializer("b", [2], b)
            .AddInitializer("Wo", [2, 1], wo)
            .AddNode("MatMul", ["x", "Wx"], ["xw"])
            .AddNode("MatMul", ["h", "Wh"], ["hw"])
            .AddNode("Add", ["xw", "hw"], ["s"])
            .AddNode("Add", ["s", "b"], ["pre"])
            .AddNode("Tanh", ["pre"], ["h_next"])
            .AddNode("MatMul", ["h_next", "Wo"], ["y"])
            .AddOutput("y", OnnxElementType.Float32, 1, 1)
            .AddOutput("h_next", OnnxElementType.Float32, 1, 2)
            .ToBytes();
        var options = new OnnxModelHostOptions();
        options.StateMappings["h_next"] = "h";
        options.Taps.Add("pre");
        using var host = OnnxModelHost.Load(bytes, options);
        Assert.Equal(2, host.InputWidth);
        Assert.Equal(1, host.OutputWidth);
        Assert.Equal("h", host.StateInputs[0].Name);

        float[][] xs = [[1f, 0f], [0f, 1f], [-0.5f, 2f], [0.3f, -0.7f]];
        var state = new float[2];
        var firstY = 0f;
        for (var t = 0; t < xs.Length; t++)
        {
            var pre = new float[2];
            for (var j = 0; j < 2; j++)
            {
                pre[j] = b[j] + (xs[t][0] * wx[j]) + (xs[t][1] * wx[2 + j]) + (state[0] * wh[j]) + (state[1] * wh[2 + j]);
            }

            state = [MathF.Tanh(pre[0]), MathF.Tanh(pre[1])];
            var y = (state[0] * wo[0]) + (state[1] * wo[1]);
            host.SetInputs(xs[t]);
            var frame = host.Run();
            AssertClose([y], frame.Outputs);
            AssertClose(pre, frame.Taps);
            if (t == 0)
            {
                firstY = y;
            }
        }

        Assert.NotEqual(0f, host.StateInputs[0].AsFloat32Span()[0]);
        host.ResetState();
        host.SetInputs(xs[0]);
        AssertClose([firstY], host.Run().Outputs);
    }

    [Fact]
    public void Load_BadStateMapping_ListsEveryProblem()
    {
        var options = new OnnxModelHostOptions();
        options.StateMappings["hiden"] = "x";
        options.StateMappings["y"] = "nope";
        var ex = Assert.Throws<OnnxModelException>(() => OnnxModelHost.Load(TestModels.Mlp().ToBytes(), options));
        Assert.Contains("'hiden' is not a model output", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'nope' is not a model input", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Identity_HashOfFileBytesAndDeclaredSignature_TapsExcluded()
    {
        var bytes = TestModels.Mlp().ToBytes();
        var options = new OnnxModelHostOptions();
        options.Taps.Add("hidden");
        using var host = OnnxModelHost.Load(bytes, options);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), host.Identity.Sha256);
        Assert.Equal([new TensorSignature("x", "float32", [1, 3])], host.Identity.Inputs);
        Assert.Equal([new TensorSignature("y", "float32", [1, 2])], host.Identity.Outputs);
    }

    [Fact]
    public void VerifyBaseline_OtherModel_RefusedWithDifferencesUnlessOverridden()
    {
        var baselineModel = TestModels.Mlp().ToBytes();
        using var baselineHost = OnnxModelHost.Load(baselineModel);
        var baselineIdentity = baselineHost.Identity;

        var w = (float[,])TestModels.W2.Clone();
        w[1, 1] = 0f;
        var other = OnnxModelBuilder.CreateMlp("x", [new DenseLayer(TestModels.W1, TestModels.B1, OnnxActivation.Relu, "hidden"), new DenseLayer(w, TestModels.B2)], "action").ToBytes();
        using var host = OnnxModelHost.Load(other);

        var ex = Assert.Throws<ModelIdentityMismatchException>(() => host.VerifyBaseline(baselineIdentity));
        Assert.StartsWith("model-identity:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ex.Differences, d => d.Contains("model hash", StringComparison.Ordinal));
        Assert.Contains(ex.Differences, d => d.Contains("output 0", StringComparison.Ordinal));

        var overridden = host.VerifyBaseline(baselineIdentity, allowMismatch: true);
        Assert.Equal(ex.Differences, overridden);
        Assert.Empty(baselineHost.VerifyBaseline(baselineIdentity));
    }

    [Fact]
    public void Load_MissingTap_ErrorNamesCloseMatches()
    {
        var options = new OnnxModelHostOptions();
        options.Taps.Add("hiden");
        options.Taps.Add("y");
        options.Taps.Add("zzzzzzzzzzzz");
        var ex = Assert.Throws<OnnxModelException>(() => OnnxModelHost.Load(TestModels.Mlp().ToBytes(), options));
        Assert.Contains("tap 'hiden' is not a tensor of the model; close matches: 'hidden'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tap 'y' is a model output", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tap 'zzzzzzzzzzzz' is not a tensor of the model and nothing is close", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("text")]
    [InlineData("unknown-op")]
    public void Load_MalformedModel_ClearOnnxModelException(string kind)
    {
        var valid = TestModels.Mlp().ToBytes();
        var bytes = kind switch
        {
            "empty" => [],
            "garbage" => Enumerable.Range(0, 256).Select(i => (byte)((i * 131) + 7)).ToArray(),
            "truncated" => valid[..(valid.Length / 2)],
            "text" => "name,value\n1,2\n"u8.ToArray(),
            _ => new OnnxModelBuilder().AddInput("x", OnnxElementType.Float32, 2).AddNode("NotAnOperator", ["x"], ["y"]).AddOutput("y", OnnxElementType.Float32, 2).ToBytes(),
        };
        var ex = Assert.Throws<OnnxModelException>(() => OnnxModelHost.Load(bytes, source: "bad.onnx"));
        Assert.StartsWith("bad.onnx: ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", ex.Message, StringComparison.Ordinal);
        if (kind == "unknown-op")
        {
            Assert.Contains("ONNX Runtime cannot load the model", ex.Message, StringComparison.Ordinal);
            Assert.Contains("NotAnOperator", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Load_MissingFile_ClearError()
    {
        var path = Path.Combine(Path.GetTempPath(), "edgesentinel-missing-" + Guid.NewGuid().ToString("N") + ".onnx");
        var ex = Assert.Throws<OnnxModelException>(() => OnnxModelHost.Load(path));
        Assert.StartsWith(path + ": cannot read the model file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FromFileWithTaps_FileOnDiskUnchanged()
    {
        var path = Path.Combine(Path.GetTempPath(), "edgesentinel-" + Guid.NewGuid().ToString("N") + ".onnx");
        try
        {
            var bytes = TestModels.Mlp().ToBytes();
            File.WriteAllBytes(path, bytes);
            var options = new OnnxModelHostOptions();
            options.Taps.Add("hidden");
            using (var host = OnnxModelHost.Load(path, options))
            {
                Assert.Single(host.Taps);
            }

            Assert.Equal(bytes, File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SetInputs_WrongWidth_ErrorNamesBothWidths()
    {
        using var host = OnnxModelHost.Load(TestModels.Mlp().ToBytes());
        var ex = Assert.Throws<ArgumentException>(() => host.SetInputs([1f, 2f]));
        Assert.Contains("2 values but the model's inputs have 3 elements", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InvalidOptions_ListsEveryProblem()
    {
        var options = new OnnxModelHostOptions { IntraOpThreads = 0, AutoTapLayers = -1 };
        options.Taps.Add("a");
        options.Taps.Add("a");
        options.DimensionValues["batch"] = 0;
        var ex = Assert.Throws<ArgumentException>(() => OnnxModelHost.Load(TestModels.Mlp().ToBytes(), options));
        Assert.Contains("IntraOpThreads", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AutoTapLayers", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'a' is listed twice", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DimensionValues['batch']", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Latency_MeasuredWithTheTimeProvider()
    {
        var clock = new SteppingTimeProvider(ticksPerCall: 2_500, frequency: 1_000_000);
        using var host = OnnxModelHost.Load(TestModels.Mlp().ToBytes(), new OnnxModelHostOptions { TimeProvider = clock });
        host.SetInputs([1f, 2f, 3f]);
        Assert.Equal(2.5, host.Run().LatencyMilliseconds, 9);
    }

    [Fact]
    public void Run_SteadyState_AllocatesNothing()
    {
        var options = new OnnxModelHostOptions();
        options.Taps.Add("hidden");
        using var host = OnnxModelHost.Load(TestModels.Mlp().ToBytes(), options);
        float[] x = [0.1f, 0.2f, 0.3f];
        var sink = 0f;
        for (var i = 0; i < 200; i++)
        {
            host.SetInputs(x);
            sink += host.Run().Outputs[0];
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2_000; i++)
        {
            x[0] = i * 0.001f;
            host.SetInputs(x);
            var frame = host.Run();
            sink += frame.Outputs[0] + frame.Taps[0] + frame.Inputs[0] + (float)frame.LatencyMilliseconds;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(float.IsFinite(sink));
    }

    [Fact]
    public void Run_AfterDispose_Throws()
    {
        var host = OnnxModelHost.Load(TestModels.Mlp().ToBytes());
        host.Dispose();
        Assert.Throws<ObjectDisposedException>(() => host.Run());
    }

    internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * Math.Max(1f, Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    private sealed class SteppingTimeProvider(long ticksPerCall, long frequency) : TimeProvider
    {
        private long _now;

        public override long TimestampFrequency => frequency;

        public override long GetTimestamp() => _now += ticksPerCall;
    }
}

public sealed class OnnxModelHostCompatibilityTests
{
    [Fact]
    public void Load_InitializerAlsoListedAsInput_NotTreatedAsInput()
    {
        // Files from older exporters (IR < 4) list initializers among the graph inputs too.
        var model = EdgeSentinel.Runtime.Onnx.Protos.ModelProto.Parser.ParseFrom(new OnnxModelBuilder(irVersion: 3, opsetVersion: 9)
            .AddInput("x", OnnxElementType.Float32, 1, 2)
            .AddInitializer("w", [1, 2], new float[] { 2f, -3f })
            .AddNode("Mul", ["x", "w"], ["y"])
            .AddOutput("y", OnnxElementType.Float32, 1, 2)
            .ToBytes());
        var w = new EdgeSentinel.Runtime.Onnx.Protos.ValueInfoProto { Name = "w", Type = model.Graph.Input[0].Type.Clone() };
        model.Graph.Input.Add(w);
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(model);

        using var host = OnnxModelHost.Load(bytes);
        Assert.Equal(["x"], host.Inputs.Select(t => t.Name));
        Assert.Equal(["x"], host.Identity.Inputs.Select(t => t.Name));
        host.SetInputs([1.5f, 2f]);
        OnnxModelHostTests.AssertClose([3f, -6f], host.Run().Outputs);
    }

    [Fact]
    public void Load_TwoThreadsWithSpinning_SameOutputs()
    {
        var options = new OnnxModelHostOptions { IntraOpThreads = 2, AllowSpinning = true };
        using var host = OnnxModelHost.Load(TestModels.Mlp().ToBytes(), options);
        float[] x = [0.3f, -0.6f, 1.2f];
        host.SetInputs(x);
        OnnxModelHostTests.AssertClose(TestModels.MlpReference(x, out _), host.Run().Outputs);
    }

    [Fact]
    public void Load_UnsupportedInputType_ClearError()
    {
        var bytes = new OnnxModelBuilder()
            .AddInput("s", OnnxElementType.Int32, 2)
            .AddNode("Identity", ["s"], ["y"])
            .AddOutput("y", OnnxElementType.Int32, 2)
            .ToBytes();
        var ex = Assert.Throws<OnnxModelException>(() => OnnxModelHost.Load(bytes));
        Assert.Contains("input 's' has element type int32; the host binds float32, float64, int64 and bool", ex.Message, StringComparison.Ordinal);
    }
}
