using EdgeSentinel.Monitor.Statistics;
using EdgeSentinel.Monitor.Tests.Statistics.Fixtures;

namespace EdgeSentinel.Monitor.Tests.Statistics;

// Reference values: scipy.spatial.distance.jensenshannon of SciPy 1.10.1 (Fixtures/generate_scipy_reference.py).
public sealed class JensenShannonTests
{
    [Fact]
    public void Distance_ScipyJensenshannon_MatchesWithin1e12()
    {
        foreach (JensenShannonCase c in ScipyReferenceCases.JensenShannon)
        {
            // 1e-12 absolute: the distance is in [0, 1] for base 2 (≤ √ln 2 for base e) and is a short sum.
            NumericAssert.Close(c.Distance, JensenShannon.Distance(c.P, c.Q, c.LogBase), 1e-12, 0, c.Name);
        }
    }

    [Fact]
    public void Distance_Counts_MatchesScipyOnTheSameCountsAsFloats()
    {
        (long[] p, long[] q, double distance) = ScipyReferenceCases.JensenShannonCounts;
        NumericAssert.Close(distance, JensenShannon.Distance(p, q), 1e-12, 0, "counts");
    }

    [Fact]
    public void Divergence_IsSquareOfDistance_AndSymmetric()
    {
        double[] p = [0.1, 0.4, 0.5];
        double[] q = [0.3, 0.3, 0.4];
        double d = JensenShannon.Distance(p, q, 2);
        Assert.Equal(d * d, JensenShannon.Divergence(p, q, 2), 15);
        Assert.Equal(JensenShannon.Divergence(q, p), JensenShannon.Divergence(p, q), 15);
    }

    [Fact]
    public void Distance_DisjointSupportBase2_IsOne()
    {
        Assert.Equal(1.0, JensenShannon.Distance([3L, 0L], [0L, 5L], 2), 15);
    }

    [Fact]
    public void Distance_InvalidInput_ThrowsNamingArgument()
    {
        Assert.Equal("q", Assert.Throws<ArgumentException>(() => JensenShannon.Distance([0.5, 0.5], [1.0])).ParamName);
        Assert.Equal("p", Assert.Throws<ArgumentException>(() => JensenShannon.Distance([0.0, 0.0], [1.0, 0.0])).ParamName);
        Assert.Equal("p", Assert.Throws<ArgumentException>(() => JensenShannon.Distance([-0.5, 1.5], [1.0, 0.0])).ParamName);
        Assert.Equal("q", Assert.Throws<ArgumentException>(() => JensenShannon.Distance([0.5, 0.5], [double.NaN, 1.0])).ParamName);
        Assert.Equal("q", Assert.Throws<ArgumentException>(() => JensenShannon.Distance([1L, 2L], [1L, -2L])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => JensenShannon.Distance([0.5, 0.5], [0.5, 0.5], 1.0));
    }
}
