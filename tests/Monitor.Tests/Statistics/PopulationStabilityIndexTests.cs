using EdgeSentinel.Monitor.Statistics;
using EdgeSentinel.Monitor.Tests.Statistics.Fixtures;

namespace EdgeSentinel.Monitor.Tests.Statistics;

// Reference values: NumPy evaluation of the documented PSI formula (not part of SciPy), in
// Fixtures/generate_scipy_reference.py.
public sealed class PopulationStabilityIndexTests
{
    [Fact]
    public void Compute_NumpyFormula_MatchesWithin1e12()
    {
        foreach (PsiCase c in ScipyReferenceCases.PopulationStability)
        {
            NumericAssert.Close(c.Psi, PopulationStabilityIndex.Compute(c.Expected, c.Actual, c.Epsilon), 1e-12, 1e-12, c.Name);
        }
    }

    [Fact]
    public void Compute_HandDerivedTwoBins_MatchesFormula()
    {
        // e = (0.5, 0.5), a = (0.8, 0.2): (0.3)·ln(1.6) + (−0.3)·ln(0.4) = 0.3·ln 4.
        double psi = PopulationStabilityIndex.Compute([50, 50], [80, 20]);
        Assert.Equal(0.3 * Math.Log(4), psi, 14);
    }

    [Fact]
    public void Compute_IdenticalProportions_IsZero_AndScaleFree()
    {
        Assert.Equal(0, PopulationStabilityIndex.Compute([10, 20, 0, 30], [100, 200, 0, 300]), 15);
    }

    [Fact]
    public void Compute_InvalidInput_ThrowsNamingArgument()
    {
        Assert.Equal("actualCounts", Assert.Throws<ArgumentException>(() => PopulationStabilityIndex.Compute([1, 2], [1])).ParamName);
        Assert.Equal("expectedCounts", Assert.Throws<ArgumentException>(() => PopulationStabilityIndex.Compute([-1, 2], [1, 1])).ParamName);
        Assert.Equal("actualCounts", Assert.Throws<ArgumentException>(() => PopulationStabilityIndex.Compute([1, 2], [0, 0])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => PopulationStabilityIndex.Compute([1, 2], [1, 2], 0));
    }
}
