using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Sketches;

namespace EdgeSentinel.Monitor.Tests.Sketches;

public sealed class MahalanobisScorerTests
{
    private static MahalanobisScorer CreateScorer(int dimension = 4)
    {
        var summary = new CovarianceSummary(dimension);
        var random = new SplitMix64(10);
        var row = new double[dimension];
        for (var r = 0; r < 300; r++)
        {
            var common = random.NextGaussian();
            for (var i = 0; i < dimension; i++)
            {
                row[i] = (i * common) + random.NextGaussian() + i;
            }

            summary.Add(row);
        }

        return summary.CreateScorer();
    }

    [Fact]
    public void DistanceSquared_IdentityCovariance_IsSquaredEuclideanDistance()
    {
        var scorer = MahalanobisScorer.FromCovariance([1.0, 2.0], [1.0, 0.0, 0.0, 1.0]);
        Assert.Equal(2, scorer.Dimension);
        Assert.Equal(25.0, scorer.DistanceSquared([4.0, 6.0]), 12);
    }

    [Fact]
    public void DistanceSquared_KnownTwoByTwo_MatchesHandComputedValue()
    {
        // Σ = [[4, 2], [2, 3]], Σ⁻¹ = [[3, −2], [−2, 4]]/8; for x − μ = (1, 1): (3 − 4 + 4)/8 = 3/8.
        var scorer = MahalanobisScorer.FromCovariance([0.0, 0.0], [4.0, 2.0, 2.0, 3.0]);
        Assert.Equal(0.375, scorer.DistanceSquared([1.0, 1.0]), 14);
        var precision = scorer.Precision();
        Assert.Equal(3.0 / 8, precision[0], 14);
        Assert.Equal(-2.0 / 8, precision[1], 14);
        Assert.Equal(-2.0 / 8, precision[2], 14);
        Assert.Equal(4.0 / 8, precision[3], 14);
    }

    [Fact]
    public void DistanceSquared_NonFiniteInput_IsNotFinite()
    {
        var scorer = CreateScorer();
        Assert.True(double.IsNaN(scorer.DistanceSquared([double.NaN, 0, 0, 0])));
        Assert.False(double.IsFinite(scorer.DistanceSquared([0f, float.PositiveInfinity, 0f, 0f])));
        Assert.Throws<ArgumentException>(() => scorer.DistanceSquared(new double[3]));
    }

    [Fact]
    public void Serialization_RoundTrip_IsExact()
    {
        var scorer = CreateScorer();
        var bytes = SerializationAssert.Serialize(scorer.WriteTo);
        var copy = SerializationAssert.Deserialize(bytes, MahalanobisScorer.ReadFrom);
        Assert.Equal(bytes, SerializationAssert.Serialize(copy.WriteTo));
        double[] x = [1, 2, 3, 4];
        Assert.Equal(scorer.DistanceSquared(x), copy.DistanceSquared(x));
        Assert.Equal(scorer.Precision(), copy.Precision());
    }

    [Fact]
    public void ReadFrom_TruncatedOrCorrupted_ThrowsOnlyMonitorFormatException()
    {
        var bytes = SerializationAssert.Serialize(CreateScorer().WriteTo);
        SerializationAssert.EveryTruncationFails(bytes, MahalanobisScorer.ReadFrom);
        var rejected = SerializationAssert.CorruptionsFailOnlyWithFormatException(bytes, MahalanobisScorer.ReadFrom, s =>
        {
            _ = s.DistanceSquared(new double[s.Dimension]);
            _ = s.Precision();
        });
        Assert.True(rejected > 0);

        // A zero diagonal in the Cholesky factor is refused.
        var copy = (byte[])bytes.Clone();
        var factorStart = 1 + 4 + (4 * 8) + 4;
        BitConverter.GetBytes(0.0).CopyTo(copy, factorStart);
        Assert.Throws<MonitorFormatException>(() => SerializationAssert.Deserialize(copy, MahalanobisScorer.ReadFrom));
    }
}
