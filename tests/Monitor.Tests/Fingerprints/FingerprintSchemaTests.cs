using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Tests.Support;

namespace EdgeSentinel.Monitor.Tests.Fingerprints;

public sealed class FingerprintSchemaTests
{
    [Fact]
    public void Build_ReferenceLayout_OrdersInputsOutputsDerivedTapsLatency()
    {
        var schema = SyntheticModel.Schema;

        string[] expected =
        [
            "input.a", "input.b", "input.c", "input.d",
            "output.left", "output.straight", "output.right",
            "derived.argmax", "derived.max_probability", "derived.entropy",
            "tap.hidden.p0", "tap.hidden.p1", "tap.hidden.p2", "tap.hidden.p3",
            "latency_ms",
        ];
        Assert.Equal(expected, schema.Channels.Select(c => c.Name));
        Assert.Equal(ChannelValueKind.Categorical, schema.Channels[7].ValueKind);
        Assert.Equal(3, schema.Channels[7].CategoryCount);
        Assert.Equal(ChannelRole.Activation, schema.Channels[12].Role);
        Assert.Equal(8, schema.TotalTapWidth);
        Assert.Equal(14, schema.IndexOf("latency_ms"));
        Assert.Equal(-1, schema.IndexOf("nope"));
    }

    [Fact]
    public void Id_SameParts_SameId_AnyDifference_DifferentId()
    {
        FingerprintSchema Make(ulong seed, OutputKind kind) => FingerprintSchema.CreateBuilder()
            .AddInputs(3).AddOutputs(2, kind).AddTap("h", 10, 4, seed).Build();

        Assert.Equal(Make(1, OutputKind.Logits).Id, Make(1, OutputKind.Logits).Id);
        Assert.Equal(Make(1, OutputKind.Logits), Make(1, OutputKind.Logits));
        Assert.NotEqual(Make(1, OutputKind.Logits).Id, Make(2, OutputKind.Logits).Id);
        Assert.NotEqual(Make(1, OutputKind.Logits).Id, Make(1, OutputKind.Probabilities).Id);
        Assert.Equal(64, Make(1, OutputKind.Logits).Id.Length);
    }

    [Fact]
    public void Build_ManyProblems_ListsEveryOne()
    {
        var builder = FingerprintSchema.CreateBuilder()
            .AddInputs(["a", "a", ""])
            .AddOutputs(["only"], OutputKind.Probabilities)
            .AddTap("t", 0, 4);

        var error = Assert.Throws<ArgumentException>(() => builder.Build());

        Assert.Contains("inputs[1] 'a': duplicate name", error.Message, StringComparison.Ordinal);
        Assert.Contains("inputs[2]: name is empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("need at least two classes", error.Message, StringComparison.Ordinal);
        Assert.Contains("taps[0] 't': width 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureSameAs_DifferentSchemas_NamesTheDifference()
    {
        var a = FingerprintSchema.CreateBuilder().AddInputs(3).AddOutputs(2, OutputKind.Regression).Build();
        var b = FingerprintSchema.CreateBuilder().AddInputs(4).AddOutputs(2, OutputKind.Regression).Build();

        var error = Assert.Throws<SchemaMismatchException>(() => a.EnsureSameAs(b, "cannot merge"));

        Assert.Contains("cannot merge", error.Message, StringComparison.Ordinal);
        Assert.Contains("inputs [x0, x1, x2] vs [x0, x1, x2, x3]", error.Message, StringComparison.Ordinal);
    }
}
