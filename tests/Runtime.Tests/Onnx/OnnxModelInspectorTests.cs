using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Runtime.Tests.Onnx;

public sealed class OnnxModelInspectorTests
{
    private static readonly float[,] Square = { { 1f, 0.5f }, { -0.5f, 1f } };

    // x[batch,2] -> h1 (Relu) -> h2 (Tanh) -> h3 (Sigmoid) -> y (linear); hidden names declared in value_info.
    private static byte[] ThreeHiddenLayers() => OnnxModelBuilder.CreateMlp(
        "x",
        [
            new DenseLayer(Square, [0f, 0.1f], OnnxActivation.Relu, "h1"),
            new DenseLayer(Square, [0.2f, 0f], OnnxActivation.Tanh, "h2"),
            new DenseLayer(Square, [0f, 0f], OnnxActivation.Sigmoid, "h3"),
            new DenseLayer(Square, [0f, 0f]),
        ],
        "y",
        OnnxDimension.Dynamic("batch")).ToBytes();

    [Fact]
    public void Inspect_ModelWithoutValueInfo_ListsInputsOutputsAndInferredTappableTypes()
    {
        var bytes = new OnnxModelBuilder()
            .AddInput("x", OnnxElementType.Float32, OnnxDimension.Dynamic("batch"), 4)
            .AddNode("Relu", ["x"], ["r"], "relu")
            .AddNode("Cast", ["r"], ["ri"], "cast", OnnxAttribute.Int("to", (long)OnnxElementType.Int64))
            .AddNode("ReduceSum", ["ri"], ["total"], "sum", OnnxAttribute.Int("keepdims", 0))
            .AddOutput("total", OnnxElementType.Int64)
            .ToBytes();
        var inspection = OnnxModelInspector.Inspect(bytes);
        Assert.Equal(17, inspection.OpsetVersion);
        Assert.Equal(64, inspection.Sha256.Length);
        var input = Assert.Single(inspection.Inputs);
        Assert.Equal("x: float32[?,4]", input.ToString());
        Assert.Equal("total: int64[]", Assert.Single(inspection.Outputs).ToString());
        Assert.Equal(["r", "ri"], inspection.Tappable.Select(t => t.Name));
        Assert.Equal(OnnxElementType.Float32, inspection.Tappable[0].ElementType);
        Assert.Equal(OnnxElementType.Int64, inspection.Tappable[1].ElementType);
        Assert.Equal([-1L, 4L], inspection.Tappable[1].Shape);
        Assert.Equal("Cast", inspection.Tappable[1].OpType);
        Assert.Equal("cast", inspection.Tappable[1].NodeName);
        Assert.Equal(["r"], inspection.AutoTapCandidates);
    }

    [Fact]
    public void Inspect_Mlp_TappableIncludesLinearAndActivationOutputs()
    {
        var inspection = OnnxModelInspector.Inspect(ThreeHiddenLayers());
        Assert.Equal(["h1.linear", "h1", "h2.linear", "h2", "h3.linear", "h3"], inspection.Tappable.Select(t => t.Name));
        Assert.All(inspection.Tappable, t => Assert.Equal([-1L, 2L], t.Shape));
        Assert.Equal(["h1", "h2", "h3"], inspection.AutoTapCandidates);
    }

    [Theory]
    [InlineData(1, new[] { "h3" })]
    [InlineData(2, new[] { "h2", "h3" })]
    [InlineData(9, new[] { "h1", "h2", "h3" })]
    public void AutoTapLayers_LastHiddenActivationLayers(int layers, string[] expected)
    {
        Assert.Equal(expected, OnnxModelInspector.AutoTaps(ThreeHiddenLayers(), layers));
        var options = new OnnxModelHostOptions { AutoTapLayers = layers };
        options.DimensionValues["batch"] = 1;
        using var host = OnnxModelHost.Load(ThreeHiddenLayers(), options);
        Assert.Equal(expected, host.Taps.Select(t => t.Name));
        Assert.Equal(2 * expected.Length, host.TapWidth);
    }

    [Fact]
    public void AutoTapLayers_ExplicitTapsComeFirstWithoutDuplicates()
    {
        var options = new OnnxModelHostOptions { AutoTapLayers = 2 };
        options.DimensionValues["batch"] = 1;
        options.Taps.Add("h3");
        options.Taps.Add("h1.linear");
        using var host = OnnxModelHost.Load(ThreeHiddenLayers(), options);
        Assert.Equal(["h3", "h1.linear", "h2"], host.Taps.Select(t => t.Name));
    }

    [Fact]
    public void AutoTapLayers_NoActivationLayer_ClearError()
    {
        var bytes = OnnxModelBuilder.CreateMlp("x", [new DenseLayer(Square, [0f, 0f])], "y").ToBytes();
        var ex = Assert.Throws<OnnxModelException>(() => OnnxModelHost.Load(bytes, new OnnxModelHostOptions { AutoTapLayers = 1 }));
        Assert.Contains("no hidden activation layer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplainTap_Misspelled_NamesCloseMatches_KnownTap_Null()
    {
        Assert.Null(OnnxModelInspector.ExplainTap(ThreeHiddenLayers(), "h2.linear"));
        var message = OnnxModelInspector.ExplainTap(ThreeHiddenLayers(), "h2.linaer");
        Assert.NotNull(message);
        Assert.Contains("close matches: 'h2.linear'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_Garbage_OnnxModelException()
    {
        var ex = Assert.Throws<OnnxModelException>(() => OnnxModelInspector.Inspect([0xFF, 0xFF, 0xFF, 0x01], "junk.onnx"));
        Assert.StartsWith("junk.onnx: ", ex.Message, StringComparison.Ordinal);
    }
}
