using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Sketches;
using FsCheck;
using FsCheck.Xunit;

namespace EdgeSentinel.Monitor.Tests.Sketches;

public sealed class QuantileSketchTests : SketchContractTests
{
    private const int ContractK = 40; // small k: many levels and compactions within the contract's sample counts

    private protected override SketchAdapter CreateAdapter() => new Adapter();

    private sealed class Adapter : SketchAdapter<QuantileSketch>
    {
        public override int SampleCount => 5000;

        public override int NonFinitePerCall => 3;

        public override QuantileSketch New() => new(ContractK, 12345);

        public override void Add(QuantileSketch sketch, SplitMix64 random) => sketch.Add(Math.Exp(random.NextGaussian()));

        public override void AddInvalid(QuantileSketch sketch)
        {
            sketch.Add(double.NaN);
            sketch.Add(double.PositiveInfinity);
            sketch.Add(double.NegativeInfinity);
        }

        public override void MergeInto(QuantileSketch target, QuantileSketch source) => target.Merge(source);

        public override QuantileSketch Copy(QuantileSketch sketch) => sketch.Clone();

        public override void Clear(QuantileSketch sketch) => sketch.Reset();

        public override void Write(QuantileSketch sketch, BinaryBufferWriter writer) => sketch.WriteTo(writer);

        public override QuantileSketch Read(ref BinaryBufferReader reader) => QuantileSketch.ReadFrom(ref reader);

        public override long Count(QuantileSketch sketch) => sketch.Count;

        public override long NonFiniteCount(QuantileSketch sketch) => sketch.NaNCount + sketch.PositiveInfinityCount + sketch.NegativeInfinityCount;

        public override void SameSummary(QuantileSketch expected, QuantileSketch actual)
        {
            Assert.Equal(expected.Count, actual.Count);
            Assert.Equal(expected.Min, actual.Min);
            Assert.Equal(expected.Max, actual.Max);
            AssertWeightsSumToCount(actual);

            // Each is within RankErrorBound of the truth, so within twice of each other.
            var tolerance = 2 * expected.RankErrorBound;
            for (var i = 0; i <= 100; i++)
            {
                var x = expected.Quantile(i / 100.0);
                Assert.True(Math.Abs(expected.Rank(x) - actual.Rank(x)) <= tolerance, $"rank of {x}: {expected.Rank(x)} vs {actual.Rank(x)}");
            }
        }

        public override void NotFolded(QuantileSketch finiteOnly, QuantileSketch withNonFinite)
        {
            // Non-finite values neither enter the items nor consume randomness: the views are identical.
            finiteOnly.GetSortedView(out var valuesA, out var weightsA);
            withNonFinite.GetSortedView(out var valuesB, out var weightsB);
            Assert.Equal(valuesA, valuesB);
            Assert.Equal(weightsA, weightsB);
            Assert.Equal(finiteOnly.Min, withNonFinite.Min);
            Assert.Equal(finiteOnly.Max, withNonFinite.Max);
        }

        public override void Empty(QuantileSketch sketch)
        {
            Assert.Equal(0, sketch.TotalCount);
            Assert.True(double.IsNaN(sketch.Min));
            Assert.True(double.IsNaN(sketch.Max));
            Assert.True(double.IsNaN(sketch.Quantile(0.5)));
            Assert.True(double.IsNaN(sketch.Rank(1.0)));
            sketch.GetSortedView(out var values, out var weights);
            Assert.Empty(values);
            Assert.Empty(weights);
        }
    }

    private static void AssertWeightsSumToCount(QuantileSketch sketch)
    {
        sketch.GetSortedView(out var values, out var weights);
        Assert.Equal(values.Length, weights.Length);
        Assert.Equal(sketch.Count, weights.Sum());
        for (var i = 1; i < values.Length; i++)
        {
            Assert.True(values[i - 1] <= values[i]);
        }
    }

    [Fact]
    public void DefaultK_RankErrorBound_IsAtMostOnePercent()
    {
        var sketch = new QuantileSketch();
        Assert.Equal(QuantileSketch.DefaultK, sketch.K);
        Assert.True(sketch.RankErrorBound <= 0.01, $"bound {sketch.RankErrorBound}");

        // DataSketches' published table: k = 200 gives 1.33% (single-sided).
        Assert.Equal(0.0133, QuantileSketch.NormalizedRankError(200), 4);
    }

    [Fact]
    public void Add_NonFinite_CountedPerKindAndNotInserted()
    {
        var sketch = new QuantileSketch();
        sketch.Add(2);
        sketch.Add(double.NaN);
        sketch.Add(double.PositiveInfinity);
        sketch.Add(double.NegativeInfinity);
        sketch.Add(double.NegativeInfinity);
        Assert.Equal(1, sketch.Count);
        Assert.Equal(1, sketch.NaNCount);
        Assert.Equal(1, sketch.PositiveInfinityCount);
        Assert.Equal(2, sketch.NegativeInfinityCount);
        Assert.Equal(5, sketch.TotalCount);
        Assert.Equal(2.0, sketch.Max);
        Assert.Equal(1.0, sketch.Rank(2.0));
        Assert.Equal(0.0, sketch.Rank(1.9));
        Assert.True(double.IsNaN(sketch.Rank(double.NaN)));
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Quantile_RankOutsideUnitInterval_Throws(double q)
    {
        var sketch = new QuantileSketch();
        sketch.Add(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => sketch.Quantile(q));
    }

    [Fact]
    public void Quantile_Extremes_AreExactMinAndMax()
    {
        var sketch = new QuantileSketch(50);
        var random = new SplitMix64(3);
        for (var i = 0; i < 100_000; i++)
        {
            sketch.Add(random.NextGaussian());
        }

        Assert.Equal(sketch.Min, sketch.Quantile(0));
        Assert.Equal(sketch.Max, sketch.Quantile(1));
        Assert.Equal(0.0, sketch.Rank(sketch.Min - 1));
        Assert.Equal(1.0, sketch.Rank(sketch.Max));
    }

    [Fact]
    public void Merge_IntoEmpty_KeepsExactMinAndMaxForEveryLevelLayout()
    {
        // Merges (general compression) can leave level 0 empty, so min/max must come from the source.
        for (var n = 1; n <= 300; n++)
        {
            var source = new QuantileSketch(QuantileSketch.MinK);
            var part = new QuantileSketch(QuantileSketch.MinK);
            for (var i = 0; i < n; i++)
            {
                source.Add(100 + ((i * 37) % n));
                part.Add(200 + i);
            }

            source.Merge(part);

            var target = new QuantileSketch(QuantileSketch.MinK);
            target.Merge(source);
            Assert.Equal(source.Min, target.Min);
            Assert.Equal(source.Max, target.Max);
            Assert.Equal(2 * n, target.Count);
        }
    }

    [Fact]
    public void Merge_DifferentK_Throws()
    {
        var a = new QuantileSketch(100);
        var b = new QuantileSketch(200);
        var exception = Assert.Throws<ArgumentException>(() => a.Merge(b));
        Assert.Contains("k = 200", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_AfterTenMillionValues_StaysModest()
    {
        var sketch = new QuantileSketch();
        var random = new SplitMix64(4);
        for (var i = 0; i < 2_000_000; i++)
        {
            sketch.Add(random.NextDouble());
        }

        // Retained items stay near 3k; the preallocated buffer holds every possible level.
        Assert.True(sketch.RetainedCount <= (3 * QuantileSketch.DefaultK) + (8 * sketch.LevelCount), $"retained {sketch.RetainedCount}");
        var bytes = SerializationAssert.Serialize(sketch.WriteTo);
        Assert.True(bytes.Length < 16_000, $"serialized {bytes.Length} bytes");
    }

    [Property(MaxTest = 200)]
    public bool Rank_FewerValuesThanK_IsExact(double[] values)
    {
        var finite = values.Where(double.IsFinite).Take(QuantileSketch.DefaultK - 1).ToArray();
        var sketch = new QuantileSketch();
        foreach (var v in finite)
        {
            sketch.Add(v);
        }

        if (finite.Length == 0)
        {
            return double.IsNaN(sketch.Rank(0)) && double.IsNaN(sketch.Quantile(0.5));
        }

        foreach (var x in finite)
        {
            var exact = (double)finite.Count(v => v <= x) / finite.Length;
            if (sketch.Rank(x) != exact)
            {
                return false;
            }
        }

        var sorted = finite.Order().ToArray();
        for (var i = 1; i <= 10; i++)
        {
            var q = i / 10.0;
            var expected = sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Length) - 1)];
            if (sketch.Quantile(q) != expected)
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void ReadFrom_InvalidStructure_ThrowsMonitorFormatException()
    {
        var sketch = new QuantileSketch(ContractK);
        for (var i = 0; i < 1000; i++)
        {
            sketch.Add(i);
        }

        var bytes = SerializationAssert.Serialize(sketch.WriteTo);
        var copy = (byte[])bytes.Clone();
        BitConverter.GetBytes(7).CopyTo(copy, 1); // k below the minimum
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(copy, QuantileSketch.ReadFrom));
        copy = (byte[])bytes.Clone();
        BitConverter.GetBytes(sketch.Count + 1).CopyTo(copy, 1 + 4 + 8); // n inconsistent with the weights
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(copy, QuantileSketch.ReadFrom));
    }
}
