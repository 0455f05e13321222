using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Sketches;
using FsCheck;
using FsCheck.Xunit;

namespace EdgeSentinel.Monitor.Tests.Sketches;

public sealed class BinnedHistogramTests : SketchContractTests
{
    private static readonly double[] ContractEdges = [-2, -1, -0.5, 0, 0.5, 1, 2];

    private protected override SketchAdapter CreateAdapter() => new Adapter();

    private sealed class Adapter : SketchAdapter<BinnedHistogram>
    {
        public override int NonFinitePerCall => 3;

        public override BinnedHistogram New() => BinnedHistogram.FromEdges(ContractEdges);

        public override void Add(BinnedHistogram sketch, SplitMix64 random) => sketch.Add(random.NextGaussian());

        public override void AddInvalid(BinnedHistogram sketch)
        {
            sketch.Add(double.NaN);
            sketch.Add(double.PositiveInfinity);
            sketch.Add(double.NegativeInfinity);
        }

        public override void MergeInto(BinnedHistogram target, BinnedHistogram source) => target.Merge(source);

        public override BinnedHistogram Copy(BinnedHistogram sketch) => sketch.Clone();

        public override void Clear(BinnedHistogram sketch) => sketch.Reset();

        public override void Write(BinnedHistogram sketch, BinaryBufferWriter writer) => sketch.WriteTo(writer);

        public override BinnedHistogram Read(ref BinaryBufferReader reader) => BinnedHistogram.ReadFrom(ref reader);

        public override long Count(BinnedHistogram sketch) => sketch.Total - sketch.PositiveInfinityCount - sketch.NegativeInfinityCount;

        public override long NonFiniteCount(BinnedHistogram sketch) => sketch.NaNCount + sketch.PositiveInfinityCount + sketch.NegativeInfinityCount;

        public override void SameSummary(BinnedHistogram expected, BinnedHistogram actual)
        {
            Assert.Equal(expected.Edges.ToArray(), actual.Edges.ToArray());
            Assert.Equal(expected.Counts.ToArray(), actual.Counts.ToArray());
            Assert.Equal(expected.Total, actual.Total);
        }

        public override void NotFolded(BinnedHistogram finiteOnly, BinnedHistogram withNonFinite)
        {
            // Documented: −∞ lands in the first bin and +∞ in the last (and both are counted apart); NaN in no bin.
            var expected = finiteOnly.Counts.ToArray();
            expected[0] += withNonFinite.NegativeInfinityCount;
            expected[^1] += withNonFinite.PositiveInfinityCount;
            Assert.Equal(expected, withNonFinite.Counts.ToArray());
            Assert.Equal(finiteOnly.Total + withNonFinite.PositiveInfinityCount + withNonFinite.NegativeInfinityCount, withNonFinite.Total);
        }

        public override void Empty(BinnedHistogram sketch)
        {
            Assert.Equal(0, sketch.Total);
            Assert.Equal(0, sketch.NaNCount);
            Assert.All(sketch.Counts.ToArray(), c => Assert.Equal(0, c));
            Assert.Equal(ContractEdges, sketch.Edges.ToArray());
        }
    }

    [Fact]
    public void Add_ValueOnEdge_GoesToTheBinAboveIt()
    {
        var histogram = BinnedHistogram.FromEdges([0.0, 1.0]);
        Assert.Equal(3, histogram.BinCount);
        histogram.Add(-0.1);   // (−∞, 0)
        histogram.Add(0.0);    // [0, 1)
        histogram.Add(0.999);  // [0, 1)
        histogram.Add(1.0);    // [1, +∞)
        histogram.Add(double.NegativeInfinity);
        histogram.Add(double.PositiveInfinity);
        histogram.Add(double.NaN);
        Assert.Equal(new long[] { 2, 2, 2 }, histogram.Counts.ToArray());
        Assert.Equal(6, histogram.Total);
        Assert.Equal(1, histogram.NaNCount);
        Assert.Equal(1, histogram.PositiveInfinityCount);
        Assert.Equal(1, histogram.NegativeInfinityCount);
    }

    [Fact]
    public void FromEdges_NoEdges_MakesOneBin()
    {
        var histogram = BinnedHistogram.FromEdges([]);
        histogram.Add(5);
        histogram.Add(double.NegativeInfinity);
        Assert.Equal(new long[] { 2 }, histogram.Counts.ToArray());
    }

    [Theory]
    [InlineData(new[] { 1.0, 1.0 })]
    [InlineData(new[] { 2.0, 1.0 })]
    [InlineData(new[] { 0.0, double.NaN })]
    [InlineData(new[] { double.NegativeInfinity, 0.0 })]
    public void FromEdges_InvalidEdges_ThrowsArgumentException(double[] edges) =>
        Assert.Throws<ArgumentException>(() => BinnedHistogram.FromEdges(edges));

    [Fact]
    public void Merge_DifferentEdges_ThrowsWithClearMessage()
    {
        var a = BinnedHistogram.FromEdges([0.0, 1.0]);
        var b = BinnedHistogram.FromEdges([0.0, 2.0]);
        var exception = Assert.Throws<ArgumentException>(() => a.Merge(b));
        Assert.Contains("different bin edges", exception.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => a.Merge(BinnedHistogram.FromEdges([0.0])));
    }

    [Fact]
    public void CreateEmptyLike_KeepsEdgesAndMerges()
    {
        var a = BinnedHistogram.FromEdges([0.0, 1.0]);
        a.Add(0.5);
        var b = a.CreateEmptyLike();
        Assert.Equal(0, b.Total);
        Assert.True(a.HasSameEdges(b));
        b.Merge(a);
        Assert.Equal(a.Counts.ToArray(), b.Counts.ToArray());
    }

    [Fact]
    public void EdgesFromQuantiles_Uniform_GivesEqualMassBins()
    {
        var baseline = new QuantileSketch();
        var random = new SplitMix64(1);
        for (var i = 0; i < 200_000; i++)
        {
            baseline.Add(random.NextDouble());
        }

        var edges = BinnedHistogram.EdgesFromQuantiles(baseline, 10);
        Assert.Equal(9, edges.Length);
        for (var i = 0; i < edges.Length; i++)
        {
            Assert.Equal((i + 1) / 10.0, edges[i], 2 * baseline.RankErrorBound);
        }

        // Fresh data from the same distribution fills each bin with about 10%.
        var histogram = BinnedHistogram.FromEdges(edges);
        for (var i = 0; i < 200_000; i++)
        {
            histogram.Add(random.NextDouble());
        }

        foreach (var count in histogram.Counts)
        {
            Assert.Equal(0.1, (double)count / histogram.Total, 0.02);
        }
    }

    [Fact]
    public void EdgesFromQuantiles_ManyTies_RemovesDuplicates()
    {
        var baseline = new QuantileSketch();
        for (var i = 0; i < 10_000; i++)
        {
            baseline.Add(i % 3);
        }

        var edges = BinnedHistogram.EdgesFromQuantiles(baseline, 20);
        Assert.True(edges.Length <= 3);
        for (var i = 1; i < edges.Length; i++)
        {
            Assert.True(edges[i] > edges[i - 1]);
        }

        _ = BinnedHistogram.FromEdges(edges);
        Assert.Throws<ArgumentException>(() => BinnedHistogram.EdgesFromQuantiles(new QuantileSketch(), 4));
    }

    [Property(MaxTest = 300)]
    public bool BinIndex_AnyValue_EqualsNumberOfEdgesAtOrBelow(double[] rawEdges, double value)
    {
        var edges = rawEdges.Where(double.IsFinite).Distinct().Order().ToArray();
        var histogram = BinnedHistogram.FromEdges(edges);
        histogram.Add(value);
        if (double.IsNaN(value))
        {
            return histogram.NaNCount == 1 && histogram.Total == 0;
        }

        var expected = edges.Count(e => e <= value);
        return histogram.BinIndex(value) == expected && histogram.Counts[expected] == 1 && histogram.Total == 1;
    }

    [Fact]
    public void ReadFrom_InconsistentCounts_ThrowsMonitorFormatException()
    {
        var histogram = BinnedHistogram.FromEdges([0.0, 1.0]);
        histogram.Add(0.5);
        var bytes = SerializationAssert.Serialize(histogram.WriteTo);

        // Unsorted edges.
        var copy = (byte[])bytes.Clone();
        BitConverter.GetBytes(5.0).CopyTo(copy, 1 + 4);
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(copy, BinnedHistogram.ReadFrom));

        // +∞ count larger than the last bin.
        copy = (byte[])bytes.Clone();
        BitConverter.GetBytes(1L).CopyTo(copy, bytes.Length - 16);
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(copy, BinnedHistogram.ReadFrom));
    }
}
