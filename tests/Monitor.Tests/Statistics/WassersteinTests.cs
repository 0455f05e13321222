using EdgeSentinel.Monitor.Statistics;
using EdgeSentinel.Monitor.Tests.Statistics.Fixtures;

namespace EdgeSentinel.Monitor.Tests.Statistics;

// Reference values: scipy.stats.wasserstein_distance of SciPy 1.10.1 (Fixtures/generate_scipy_reference.py).
public sealed class WassersteinTests
{
    public static TheoryData<string> CaseNames() => Names(_ => true);

    public static TheoryData<string> UnweightedCaseNames() => Names(c => c.UWeights is null);

    private static TheoryData<string> Names(Func<WassersteinCase, bool> include)
    {
        var data = new TheoryData<string>();
        foreach (WassersteinCase c in ScipyReferenceCases.Wasserstein.Where(include))
        {
            data.Add(c.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Distance_ScipyWassersteinDistance_Matches(string name)
    {
        WassersteinCase c = Array.Find(ScipyReferenceCases.Wasserstein, x => x.Name == name)!;

        double actual = c.UWeights is null
            ? Wasserstein.Distance(c.U, c.V)
            : Wasserstein.Distance(c.U, c.UWeights, c.V, c.VWeights!);

        // 1e-12 absolute + 1e-12 relative: sums of |ΔF|·Δx in a different order than NumPy's; Cauchy
        // samples make the value large, hence the relative part.
        NumericAssert.Close(c.Distance, actual, 1e-12, 1e-12, name);
    }

    [Fact]
    public void Distance_UnitWeights_EqualsUnweighted()
    {
        var random = new Random(5);
        double[] u = Enumerable.Range(0, 50).Select(_ => random.NextDouble()).ToArray();
        double[] v = Enumerable.Range(0, 70).Select(_ => random.NextDouble() * 2).ToArray();
        double[] ones = Enumerable.Repeat(1.0, 70).ToArray();

        Assert.Equal(Wasserstein.Distance(u, v), Wasserstein.Distance(u, ones.AsSpan(0, 50), v, ones), 14);
    }

    [Fact]
    public void Distance_ShiftedSample_EqualsShift()
    {
        double[] u = [0.5, 1.5, 4.0, 7.25];
        double[] v = u.Select(x => x + 3.0).ToArray();
        Assert.Equal(3.0, Wasserstein.Distance(u, v), 14);
    }

    [Theory]
    [MemberData(nameof(UnweightedCaseNames))]
    public void DistanceSortedUnchecked_ScipyUnweightedCases_EqualsDistanceExactly(string name)
    {
        WassersteinCase c = Array.Find(ScipyReferenceCases.Wasserstein, x => x.Name == name)!;

        double[] u = [.. c.U];
        double[] v = [.. c.V];
        Array.Sort(u);
        Array.Sort(v);

        double sorted = Wasserstein.DistanceSortedUnchecked(u, v);

        Assert.Equal(Wasserstein.Distance(c.U, c.V), sorted);
        NumericAssert.Close(c.Distance, sorted, 1e-12, 1e-12, name);
    }

    [Fact]
    public void Distance_InvalidInput_Throws()
    {
        double[] ok = [1, 2];
        Assert.Equal("u", Assert.Throws<ArgumentException>(() => Wasserstein.Distance([], ok)).ParamName);
        Assert.Equal("v", Assert.Throws<ArgumentException>(() => Wasserstein.Distance(ok, [double.NaN])).ParamName);
        Assert.Equal("uWeights", Assert.Throws<ArgumentException>(() => Wasserstein.Distance(ok, [1.0], ok, [1.0, 1.0])).ParamName);
        Assert.Equal("vWeights", Assert.Throws<ArgumentException>(() => Wasserstein.Distance(ok, [1.0, 1.0], ok, [-1.0, 2.0])).ParamName);
        Assert.Equal("uWeights", Assert.Throws<ArgumentException>(() => Wasserstein.Distance(ok, [0.0, 0.0], ok, [1.0, 1.0])).ParamName);
    }
}
