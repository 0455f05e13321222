using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Tests.Sketches;

namespace EdgeSentinel.Monitor.Tests.Randomness;

public sealed class SplitMix64Tests
{
    /// <summary>Reference outputs of Vigna's splitmix64.c for state 0.</summary>
    [Fact]
    public void NextUInt64_SeedZero_MatchesReferenceImplementation()
    {
        var random = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, random.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, random.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, random.NextUInt64());
    }

    [Fact]
    public void NextDouble_ManyDraws_InUnitIntervalWithUniformMoments()
    {
        var random = new SplitMix64(1);
        double sum = 0, squares = 0;
        const int N = 200_000;
        for (var i = 0; i < N; i++)
        {
            var u = random.NextDouble();
            Assert.InRange(u, 0.0, Math.BitDecrement(1.0));
            sum += u;
            squares += u * u;
        }

        // Mean 1/2 (sd 0.00065), E[u²] = 1/3.
        Assert.Equal(0.5, sum / N, 0.003);
        Assert.Equal(1.0 / 3, squares / N, 0.003);
    }

    [Fact]
    public void NextInt_SmallBound_EachValueEquallyLikely()
    {
        var random = new SplitMix64(2);
        var counts = new int[7];
        const int N = 70_000;
        for (var i = 0; i < N; i++)
        {
            counts[random.NextInt(7)]++;
        }

        // Chi-square with 6 degrees of freedom: the 99.9% point is 22.46.
        var chiSquare = counts.Sum(c => (c - 10_000.0) * (c - 10_000.0) / 10_000.0);
        Assert.True(chiSquare < 22.46, $"chi-square {chiSquare}");
        Assert.Throws<ArgumentOutOfRangeException>(() => random.NextInt(0));
        Assert.Equal(0, random.NextInt(1));
    }

    [Fact]
    public void NextGaussian_ManyDraws_HasStandardNormalMoments()
    {
        var random = new SplitMix64(3);
        const int N = 200_000;
        double sum = 0, squares = 0, fourth = 0;
        var beyondTwo = 0;
        for (var i = 0; i < N; i++)
        {
            var z = random.NextGaussian();
            sum += z;
            squares += z * z;
            fourth += z * z * z * z;
            if (Math.Abs(z) > 1.959963984540054)
            {
                beyondTwo++;
            }
        }

        Assert.Equal(0.0, sum / N, 0.012);          // sd 0.0022
        Assert.Equal(1.0, squares / N, 0.02);        // sd 0.0032
        Assert.Equal(3.0, fourth / N, 0.15);         // sd ≈ 0.02
        Assert.Equal(0.05, (double)beyondTwo / N, 0.004); // P(|Z| > 1.96) = 5%, sd 0.0005
    }

    [Fact]
    public void NaturalLog_ManyArguments_AgreesWithMathLog()
    {
        var random = new SplitMix64(4);
        for (var i = 0; i < 100_000; i++)
        {
            var x = random.NextDouble();
            if (x == 0)
            {
                continue;
            }

            var expected = Math.Log(x);
            Assert.True(Math.Abs(SplitMix64.NaturalLog(x) - expected) <= 4e-16 * Math.Max(1, Math.Abs(expected)), $"ln({x})");
        }

        foreach (var x in new[] { 1.0, 2.0, Math.E, 1e-300, 4.9e-324, 1e300, 0.70710678118654757 })
        {
            Assert.Equal(Math.Log(x), SplitMix64.NaturalLog(x), Math.Abs(Math.Log(x)) * 1e-15);
        }

        Assert.Equal(0.0, SplitMix64.NaturalLog(1.0));
        Assert.True(double.IsNegativeInfinity(SplitMix64.NaturalLog(0)));
        Assert.True(double.IsNaN(SplitMix64.NaturalLog(-1)));
    }

    [Fact]
    public void Serialization_WithCachedGaussian_ContinuesIdentically()
    {
        var random = new SplitMix64(5);
        _ = random.NextGaussian(); // leaves a spare cached
        var bytes = SerializationAssert.Serialize(random.WriteTo);
        var copy = SerializationAssert.Deserialize(bytes, SplitMix64.ReadFrom);
        var clone = random.Clone();
        for (var i = 0; i < 100; i++)
        {
            var expected = random.NextGaussian();
            Assert.Equal(expected, copy.NextGaussian());
            Assert.Equal(expected, clone.NextGaussian());
        }

        SerializationAssert.EveryTruncationFails(bytes, SplitMix64.ReadFrom);
        var badFlag = (byte[])bytes.Clone();
        badFlag[8] = 2;
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(badFlag, SplitMix64.ReadFrom));
    }
}
