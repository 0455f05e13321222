using EdgeSentinel.Monitor.Statistics;
using EdgeSentinel.Monitor.Tests.Statistics.Fixtures;

namespace EdgeSentinel.Monitor.Tests.Statistics;

// Reference values: NumPy quadratic form and scipy.stats.chi2.sf (Fixtures/generate_scipy_reference.py).
public sealed class MeanShiftTests
{
    [Fact]
    public void Test_NumpyReference_MatchesStatisticPValueAndEffectSize()
    {
        foreach (MeanShiftCase c in ScipyReferenceCases.MeanShift)
        {
            MeanShiftResult r = MeanShift.Test(c.Mean, c.Precision, c.WindowMean, c.Count);

            NumericAssert.Close(c.Statistic, r.Statistic, 1e-12, 1e-12, $"{c.Name} statistic");
            NumericAssert.Close(c.PValue, r.PValue, 1e-300, 1e-9, $"{c.Name} p-value");
            NumericAssert.Close(c.Mahalanobis, r.MahalanobisDistance, 1e-12, 1e-12, $"{c.Name} effect size");
            Assert.Equal(c.Mean.Length, r.DegreesOfFreedom);
        }
    }

    [Fact]
    public void Test_IdentityPrecision_IsSquaredEuclideanTimesN()
    {
        MeanShiftResult r = MeanShift.Test([0, 0], [1, 0, 0, 1], [3, 4], 10);
        Assert.Equal(250, r.Statistic, 12);
        Assert.Equal(5, r.MahalanobisDistance, 12);
        Assert.Equal(Math.Exp(-125), r.PValue, 1e-60); // χ²_2 survival is exp(−T/2)
    }

    [Fact]
    public void Test_InvalidInput_ThrowsNamingArgument()
    {
        Assert.Equal("baselinePrecision", Assert.Throws<ArgumentException>(() => MeanShift.Test([0, 0], [1, 0, 0], [1, 1], 5)).ParamName);
        Assert.Equal("windowMean", Assert.Throws<ArgumentException>(() => MeanShift.Test([0, 0], [1, 0, 0, 1], [1], 5)).ParamName);
        Assert.Equal("windowMean", Assert.Throws<ArgumentException>(() => MeanShift.Test([0, 0], [1, 0, 0, 1], [1, double.NaN], 5)).ParamName);
        Assert.Equal("baselinePrecision", Assert.Throws<ArgumentException>(() => MeanShift.Test([0, 0], [-1, 0, 0, -1], [1, 1], 5)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => MeanShift.Test([0, 0], [1, 0, 0, 1], [1, 1], 0));
    }
}
