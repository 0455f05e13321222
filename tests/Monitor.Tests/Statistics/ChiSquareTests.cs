using EdgeSentinel.Monitor.Statistics;
using EdgeSentinel.Monitor.Tests.Statistics.Fixtures;

namespace EdgeSentinel.Monitor.Tests.Statistics;

// Reference values: scipy.stats.chisquare, chi2_contingency(correction=False) and
// contingency.association(method='cramer') of SciPy 1.10.1 (Fixtures/generate_scipy_reference.py).
public sealed class ChiSquareTests
{
    [Fact]
    public void GoodnessOfFit_ScipyChisquare_MatchesStatisticAndPValue()
    {
        foreach (GoodnessOfFitCase c in ScipyReferenceCases.GoodnessOfFit)
        {
            TestResult r = ChiSquare.GoodnessOfFit(c.Observed, c.Expected);

            // Statistic: 1e-12 relative (a sum of squares of order 1–100); p-value: 1e-9 relative.
            NumericAssert.Close(c.Statistic, r.Statistic, 1e-12, 1e-12, $"{c.Name} statistic");
            NumericAssert.Close(c.PValue, r.PValue, 1e-300, 1e-9, $"{c.Name} p-value");
        }
    }

    [Fact]
    public void Homogeneity_ScipyChi2Contingency_MatchesStatisticPValueAndCramersV()
    {
        foreach (HomogeneityCase c in ScipyReferenceCases.Homogeneity)
        {
            TestResult r = ChiSquare.Homogeneity(c.Baseline, c.Window);

            NumericAssert.Close(c.Statistic, r.Statistic, 1e-12, 1e-12, $"{c.Name} statistic");
            NumericAssert.Close(c.PValue, r.PValue, 1e-300, 1e-9, $"{c.Name} p-value");
            NumericAssert.Close(c.CramersV, ChiSquare.CramersV(c.Baseline, c.Window), 1e-12, 0, $"{c.Name} Cramér's V");
        }
    }

    [Fact]
    public void Homogeneity_EmptyCategoryDropped_SameAsWithoutIt()
    {
        TestResult with = ChiSquare.Homogeneity([50, 0, 20, 30], [40, 0, 35, 25]);
        TestResult without = ChiSquare.Homogeneity([50, 20, 30], [40, 35, 25]);
        Assert.Equal(without, with);
    }

    [Fact]
    public void Homogeneity_SingleNonEmptyCategory_ReturnsNoEvidence()
    {
        Assert.Equal(new TestResult(0, 1), ChiSquare.Homogeneity([10, 0], [7, 0]));
        Assert.Equal(0, ChiSquare.CramersV([10, 0], [7, 0]));
    }

    [Fact]
    public void GoodnessOfFit_InvalidInput_ThrowsNamingArgument()
    {
        Assert.Equal("observed", Assert.Throws<ArgumentException>(() => ChiSquare.GoodnessOfFit([1, -1], [0.5, -0.5])).ParamName);
        Assert.Equal("expectedFrequencies", Assert.Throws<ArgumentException>(() => ChiSquare.GoodnessOfFit([1, 1], [2.0])).ParamName);
        Assert.Equal("expectedFrequencies", Assert.Throws<ArgumentException>(() => ChiSquare.GoodnessOfFit([1, 1], [2.0, 0.0])).ParamName);
        Assert.Equal("expectedFrequencies", Assert.Throws<ArgumentException>(() => ChiSquare.GoodnessOfFit([1, 1], [1.0, 2.0])).ParamName);
        Assert.Equal("expectedFrequencies", Assert.Throws<ArgumentException>(() => ChiSquare.GoodnessOfFit([1, 1], [1.0, double.NaN])).ParamName);
        Assert.Equal("observed", Assert.Throws<ArgumentException>(() => ChiSquare.GoodnessOfFit([], [])).ParamName);
    }

    [Fact]
    public void Homogeneity_InvalidInput_ThrowsNamingArgument()
    {
        Assert.Equal("windowCounts", Assert.Throws<ArgumentException>(() => ChiSquare.Homogeneity([1, 2], [1, 2, 3])).ParamName);
        Assert.Equal("baselineCounts", Assert.Throws<ArgumentException>(() => ChiSquare.Homogeneity([0, 0], [1, 2])).ParamName);
        Assert.Equal("windowCounts", Assert.Throws<ArgumentException>(() => ChiSquare.Homogeneity([1, 2], [1, -2])).ParamName);
    }
}
