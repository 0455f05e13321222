using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Sketches;

namespace EdgeSentinel.Monitor.Tests.Sketches;

public sealed class RandomProjectionTests
{
    [Fact]
    public void Create_SameSeed_SameMatrix_DifferentSeed_DifferentMatrix()
    {
        var a = RandomProjection.Create(64, 16, 42);
        var b = RandomProjection.Create(64, 16, 42);
        var c = RandomProjection.Create(64, 16, 43);
        Assert.Equal(a.Checksum, b.Checksum);
        Assert.NotEqual(a.Checksum, c.Checksum);
        for (var o = 0; o < 16; o++)
        {
            for (var i = 0; i < 64; i++)
            {
                Assert.Equal(a.GetWeight(o, i), b.GetWeight(o, i));
            }
        }
    }

    /// <summary>Golden value: the matrix must be bit-identical on every machine (a changed generator breaks stored baselines).</summary>
    [Fact]
    public void Create_FixedSeed_MatchesGoldenChecksum()
    {
        var projection = RandomProjection.Create(64, 16, 42);
        Assert.Equal(GoldenChecksum6416Seed42, projection.Checksum);
    }

    // Recorded on x64 (.NET 10); the generator uses only exactly rounded IEEE operations, so every machine must agree.
    private const ulong GoldenChecksum6416Seed42 = 16258370973650296915UL;

    [Theory]
    [InlineData(64, 16)]
    [InlineData(13, 5)]
    [InlineData(1, 1)]
    [InlineData(100, 3)]
    public void Project_AnyDimensions_MatchesScalarReference(int input, int output)
    {
        var projection = RandomProjection.Create(input, output, 7);
        var random = new SplitMix64(8);
        var x = new float[input];
        for (var i = 0; i < input; i++)
        {
            x[i] = (float)random.NextGaussian();
        }

        var y = new float[output];
        projection.Project(x, y);
        for (var o = 0; o < output; o++)
        {
            double expected = 0, magnitude = 0;
            for (var i = 0; i < input; i++)
            {
                expected += (double)projection.GetWeight(o, i) * x[i];
                magnitude += Math.Abs((double)projection.GetWeight(o, i) * x[i]);
            }

            Assert.True(Math.Abs(y[o] - expected) <= 1e-5 * (magnitude + 1), $"row {o}: {y[o]} vs {expected}");
        }
    }

    [Fact]
    public void Project_WrongLengths_Throw()
    {
        var projection = RandomProjection.Create(8, 2, 1);
        Assert.Throws<ArgumentException>(() => projection.Project(new float[7], new float[2]));
        Assert.Throws<ArgumentException>(() => projection.Project(new float[8], new float[3]));
    }

    [Fact]
    public void Entries_FixedSeed_HaveVarianceOneOverOutputDimension()
    {
        var projection = RandomProjection.Create(256, 64, 11);
        double sum = 0, squares = 0;
        for (var o = 0; o < 64; o++)
        {
            for (var i = 0; i < 256; i++)
            {
                var w = projection.GetWeight(o, i);
                sum += w;
                squares += w * w;
            }
        }

        const int Count = 256 * 64;
        var mean = sum / Count;
        var variance = (squares / Count) - (mean * mean);

        // 16384 entries: sd of the variance estimate ≈ √(2/16384)/64 ≈ 1.7e-4; tolerance ≈ 5 sd.
        Assert.Equal(0.0, mean, 0.01);
        Assert.Equal(1.0 / 64, variance, 1e-3);
    }

    [Fact]
    public void Project_JohnsonLindenstrauss_PreservesSquaredNormInExpectation()
    {
        // Over independent matrices (seeds), ‖Wx‖²/‖x‖² ~ χ²₁₆/16: mean 1, sd 0.354; 400 seeds give sd 0.018 for the mean.
        var random = new SplitMix64(12);
        var x = new float[64];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextGaussian() * (1 + i % 3));
        }

        double norm = 0;
        foreach (var v in x)
        {
            norm += v * v;
        }

        var y = new float[16];
        double sumRatio = 0;
        var withinHalf = 0;
        const int Seeds = 400;
        for (ulong seed = 0; seed < Seeds; seed++)
        {
            RandomProjection.Create(64, 16, seed).Project(x, y);
            double projected = 0;
            foreach (var v in y)
            {
                projected += v * v;
            }

            var ratio = projected / norm;
            sumRatio += ratio;
            if (Math.Abs(ratio - 1) <= 0.5)
            {
                withinHalf++;
            }
        }

        Assert.Equal(1.0, sumRatio / Seeds, 0.08);

        // P(|χ²₁₆/16 − 1| ≤ 0.5) ≈ 0.85.
        Assert.InRange((double)withinHalf / Seeds, 0.78, 0.92);
    }

    [Fact]
    public void Serialization_RoundTrip_RegeneratesSameMatrix()
    {
        var projection = RandomProjection.Create(64, 16, 99);
        var bytes = SerializationAssert.Serialize(projection.WriteTo);
        Assert.Equal(1 + 4 + 4 + 8 + 8, bytes.Length);
        var copy = SerializationAssert.Deserialize(bytes, RandomProjection.ReadFrom);
        Assert.Equal(bytes, SerializationAssert.Serialize(copy.WriteTo));
        Assert.Equal(projection.Checksum, copy.Checksum);
        Assert.Equal(projection.Seed, copy.Seed);
    }

    [Fact]
    public void ReadFrom_ChecksumMismatch_ThrowsMonitorFormatException()
    {
        var bytes = SerializationAssert.Serialize(RandomProjection.Create(64, 16, 99).WriteTo);
        var wrongChecksum = (byte[])bytes.Clone();
        wrongChecksum[^1] ^= 1;
        var exception = Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(wrongChecksum, RandomProjection.ReadFrom));
        Assert.Contains("checksum", exception.Message, StringComparison.Ordinal);

        var wrongSeed = (byte[])bytes.Clone();
        wrongSeed[9] ^= 1;
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(wrongSeed, RandomProjection.ReadFrom));
        SerializationAssert.EveryTruncationFails(bytes, RandomProjection.ReadFrom);
    }

    [Fact]
    public void ReadFrom_HugeDimensions_ThrowsMonitorFormatException()
    {
        var writer = new BinaryBufferWriter();
        writer.WriteByte(1);
        writer.WriteInt32(RandomProjection.MaxInputDimension);
        writer.WriteInt32(RandomProjection.MaxOutputDimension);
        writer.WriteUInt64(1);
        writer.WriteUInt64(1);
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(writer.ToArray(), RandomProjection.ReadFrom));
    }
}
