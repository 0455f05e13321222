using System.Numerics;
using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Sketches;
using FsCheck;
using FsCheck.Xunit;

namespace EdgeSentinel.Monitor.Tests.Sketches;

public sealed class MomentsSketchTests : SketchContractTests
{
    private protected override SketchAdapter CreateAdapter() => new Adapter();

    private sealed class Adapter : SketchAdapter<MomentsSketch>
    {
        public override int NonFinitePerCall => 3;

        public override MomentsSketch New() => new();

        public override void Add(MomentsSketch sketch, SplitMix64 random) => sketch.Add((random.NextGaussian() * 3) + 10);

        public override void AddInvalid(MomentsSketch sketch)
        {
            sketch.Add(double.NaN);
            sketch.Add(double.PositiveInfinity);
            sketch.Add(double.NegativeInfinity);
        }

        public override void MergeInto(MomentsSketch target, MomentsSketch source) => target.Merge(source);

        public override MomentsSketch Copy(MomentsSketch sketch) => sketch.Clone();

        public override void Clear(MomentsSketch sketch) => sketch.Reset();

        public override void Write(MomentsSketch sketch, BinaryBufferWriter writer) => sketch.WriteTo(writer);

        public override MomentsSketch Read(ref BinaryBufferReader reader) => MomentsSketch.ReadFrom(ref reader);

        public override long Count(MomentsSketch sketch) => sketch.Count;

        public override long NonFiniteCount(MomentsSketch sketch) => sketch.NaNCount + sketch.PositiveInfinityCount + sketch.NegativeInfinityCount;

        public override void SameSummary(MomentsSketch expected, MomentsSketch actual)
        {
            Assert.Equal(expected.Count, actual.Count);
            Assert.Equal(expected.Mean, actual.Mean, 1e-12 * (1 + Math.Abs(expected.Mean)));
            Assert.Equal(expected.Variance, actual.Variance, 1e-11 * expected.Variance);
            Assert.Equal(expected.Min, actual.Min);
            Assert.Equal(expected.Max, actual.Max);
        }

        public override void Empty(MomentsSketch sketch)
        {
            Assert.Equal(0, sketch.TotalCount);
            Assert.True(double.IsNaN(sketch.Mean));
            Assert.True(double.IsNaN(sketch.Variance));
            Assert.True(double.IsNaN(sketch.StandardDeviation));
            Assert.True(double.IsNaN(sketch.Min));
            Assert.True(double.IsNaN(sketch.Max));
        }
    }

    [Fact]
    public void Add_NonFinite_CountedPerKind()
    {
        var sketch = new MomentsSketch();
        sketch.Add(1);
        sketch.Add(double.NaN);
        sketch.Add(double.PositiveInfinity);
        sketch.Add(double.PositiveInfinity);
        sketch.Add(double.NegativeInfinity);
        sketch.Add(3);
        Assert.Equal(2, sketch.Count);
        Assert.Equal(1, sketch.NaNCount);
        Assert.Equal(2, sketch.PositiveInfinityCount);
        Assert.Equal(1, sketch.NegativeInfinityCount);
        Assert.Equal(6, sketch.TotalCount);
        Assert.Equal(2.0, sketch.Mean);
        Assert.Equal(2.0, sketch.Variance);
        Assert.Equal(1.0, sketch.Min);
        Assert.Equal(3.0, sketch.Max);
    }

    [Fact]
    public void Variance_SingleValue_IsNaN()
    {
        var sketch = new MomentsSketch();
        sketch.Add(5);
        Assert.Equal(5.0, sketch.Mean);
        Assert.True(double.IsNaN(sketch.Variance));
        Assert.Equal(5.0, sketch.Min);
        Assert.Equal(5.0, sketch.Max);
    }

    [Fact]
    public void Variance_TextbookExample_MatchesKnownValue()
    {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population variance 4, sample variance 32/7.
        var sketch = new MomentsSketch();
        foreach (var v in new double[] { 2, 4, 4, 4, 5, 5, 7, 9 })
        {
            sketch.Add(v);
        }

        Assert.Equal(5.0, sketch.Mean, 15);
        Assert.Equal(32.0 / 7.0, sketch.Variance, 14);
    }

    /// <summary>
    /// Values 1e9 + k/1024 (k integer) are exact doubles, so the exact mean and variance follow from
    /// integer arithmetic on k. The naive Σx² − (Σx)²/n formula loses every digit here.
    /// </summary>
    [Theory]
    [InlineData(1e9, 1_000)]
    [InlineData(1e9, 100_000)]
    [InlineData(-3e11, 20_000)]
    public void Variance_LargeOffsetTinyNoise_MatchesExactReference(double offset, int count)
    {
        var random = new SplitMix64(42);
        var sketch = new MomentsSketch();
        var parts = new MomentsSketch[10];
        for (var p = 0; p < parts.Length; p++)
        {
            parts[p] = new MomentsSketch();
        }

        BigInteger sum = 0, sumSquares = 0;
        double naiveSum = 0, naiveSumSquares = 0;
        for (var i = 0; i < count; i++)
        {
            var k = random.NextInt(1000);
            var x = offset + (k / 1024.0);
            sketch.Add(x);
            parts[i % parts.Length].Add(x);
            sum += k;
            sumSquares += (BigInteger)k * k;
            naiveSum += x;
            naiveSumSquares += x * x;
        }

        // Exact: var(x) = var(k)/1024² = (nΣk² − (Σk)²) / (n(n−1)·1024²).
        var numerator = (count * sumSquares) - (sum * sum);
        var exactVariance = (double)numerator / ((double)count * (count - 1) * 1024.0 * 1024.0);
        var exactMean = offset + ((double)sum / count / 1024.0);

        Assert.Equal(exactMean, sketch.Mean, 4 * Math.BitIncrement(Math.Abs(offset)) - (4 * Math.Abs(offset)));
        Assert.True(Math.Abs(sketch.Variance - exactVariance) <= 1e-12 * exactVariance, $"Welford {sketch.Variance} vs exact {exactVariance}");

        var merged = new MomentsSketch();
        foreach (var part in parts)
        {
            merged.Merge(part);
        }

        Assert.True(Math.Abs(merged.Variance - exactVariance) <= 1e-10 * exactVariance, $"merged {merged.Variance} vs exact {exactVariance}");

        // The naive one-pass formula is useless here, which is why the test exists.
        var naiveVariance = (naiveSumSquares - (naiveSum * naiveSum / count)) / (count - 1);
        Assert.True(Math.Abs(naiveVariance - exactVariance) > 0.1 * exactVariance);
    }

    [Fact]
    public void Merge_PartsWithVeryDifferentMeans_MatchesTwoPassReference()
    {
        var random = new SplitMix64(5);
        var all = new List<double>();
        var merged = new MomentsSketch();
        for (var p = 0; p < 12; p++)
        {
            var part = new MomentsSketch();
            var center = Math.Pow(10, p - 4) * (p % 2 == 0 ? 1 : -1);
            for (var i = 0; i < 500 + (p * 37); i++)
            {
                var x = center + (random.NextGaussian() * Math.Abs(center) * 1e-3);
                part.Add(x);
                all.Add(x);
            }

            merged.Merge(part);
        }

        var (mean, variance) = TwoPass(all);
        Assert.Equal(mean, merged.Mean, 1e-12 * Math.Abs(mean) + 1e-12);
        Assert.Equal(variance, merged.Variance, 1e-10 * variance);
    }

    [Property(MaxTest = 200)]
    public bool Merge_ArbitrarySplit_MatchesTwoPass(int[] left, int[] right, short scale)
    {
        var factor = 1.0 + Math.Abs((int)scale);
        var a = new MomentsSketch();
        var b = new MomentsSketch();
        var all = new List<double>();
        foreach (var v in left)
        {
            a.Add(v * factor);
            all.Add(v * factor);
        }

        foreach (var v in right)
        {
            b.Add(v * factor);
            all.Add(v * factor);
        }

        a.Merge(b);
        if (all.Count == 0)
        {
            return a.Count == 0 && double.IsNaN(a.Mean);
        }

        var (mean, variance) = TwoPass(all);
        var meanOk = Math.Abs(a.Mean - mean) <= 1e-12 * (1 + all.Max(Math.Abs));
        var varianceOk = all.Count < 2 ? double.IsNaN(a.Variance) : Math.Abs(a.Variance - variance) <= (1e-9 * variance) + 1e-9;
        return a.Count == all.Count && meanOk && varianceOk && a.Min == all.Min() && a.Max == all.Max();
    }

    [Property(MaxTest = 200)]
    public bool Add_ArbitraryDoubles_CountsEveryKind(double[] values)
    {
        var sketch = new MomentsSketch();
        foreach (var v in values)
        {
            sketch.Add(v);
        }

        return sketch.TotalCount == values.Length
            && sketch.Count == values.Count(double.IsFinite)
            && sketch.NaNCount == values.Count(double.IsNaN)
            && sketch.PositiveInfinityCount == values.Count(double.IsPositiveInfinity)
            && sketch.NegativeInfinityCount == values.Count(double.IsNegativeInfinity)
            && (sketch.Count == 0 || (sketch.Min == values.Where(double.IsFinite).Min() && sketch.Max == values.Where(double.IsFinite).Max()));
    }

    [Fact]
    public void ReadFrom_InconsistentFields_ThrowsMonitorFormatException()
    {
        var sketch = new MomentsSketch();
        sketch.Add(1);
        sketch.Add(2);
        var bytes = SerializationAssert.Serialize(sketch.WriteTo);

        static byte[] With(byte[] source, int offset, double value)
        {
            var copy = (byte[])source.Clone();
            BitConverter.GetBytes(value).CopyTo(copy, offset);
            return copy;
        }

        const int MeanOffset = 1 + (4 * 8) + 8; // after the shift
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(With(bytes, MeanOffset, double.NaN), MomentsSketch.ReadFrom));
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(With(bytes, MeanOffset + 8, -1.0), MomentsSketch.ReadFrom));
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(With(bytes, MeanOffset + 16, 5.0), MomentsSketch.ReadFrom));
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(With(bytes, MeanOffset + 24, double.PositiveInfinity), MomentsSketch.ReadFrom));
        var badVersion = (byte[])bytes.Clone();
        badVersion[0] = 2;
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(badVersion, MomentsSketch.ReadFrom));
        var negativeCount = (byte[])bytes.Clone();
        BitConverter.GetBytes(-1L).CopyTo(negativeCount, 1);
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(negativeCount, MomentsSketch.ReadFrom));
    }

    private static (double Mean, double Variance) TwoPass(List<double> values)
    {
        double sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }

        var mean = sum / values.Count;
        double squares = 0, correction = 0;
        foreach (var v in values)
        {
            squares += (v - mean) * (v - mean);
            correction += v - mean;
        }

        // Corrected two-pass algorithm (Chan, Golub, LeVeque 1983).
        var variance = (squares - (correction * correction / values.Count)) / (values.Count - 1);
        return (mean, variance);
    }
}
