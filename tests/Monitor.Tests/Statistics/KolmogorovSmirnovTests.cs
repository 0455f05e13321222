using EdgeSentinel.Monitor.Statistics;
using EdgeSentinel.Monitor.Tests.Statistics.Fixtures;

namespace EdgeSentinel.Monitor.Tests.Statistics;

// Reference values: scipy.stats.ks_2samp of SciPy 1.10.1 (Fixtures/generate_scipy_reference.py).
public sealed class KolmogorovSmirnovTests
{
    // Statistics are ratios of integers computed the same way as SciPy: 1e-12 absolute.
    private const double StatisticAbsolute = 1e-12;

    // p-values: 1e-9 relative (plus 1e-300 absolute so that exact zeros compare).
    private const double PValueRelative = 1e-9;

    public static TheoryData<string> KsCaseNames()
    {
        var data = new TheoryData<string>();
        foreach (KsCase c in ScipyReferenceCases.KolmogorovSmirnov)
        {
            data.Add(c.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KsCaseNames))]
    public void TwoSample_ScipyKs2samp_MatchesStatisticAndPValue(string name)
    {
        KsCase c = Array.Find(ScipyReferenceCases.KolmogorovSmirnov, x => x.Name == name)!;

        TestResult result = KolmogorovSmirnov.TwoSample(c.A, c.B, c.Method);

        NumericAssert.Close(c.Statistic, result.Statistic, StatisticAbsolute, 0, $"{name} statistic");
        NumericAssert.Close(c.PValue, result.PValue, 1e-300, PValueRelative, $"{name} p-value");
    }

    [Theory]
    [MemberData(nameof(KsCaseNames))]
    public void PValueAndReportedStatistic_FromTheDistance_MatchScipyAndTwoSampleExactly(string name)
    {
        // The window analysis computes the distance once on sorted samples and asks for the p-value (or only the
        // reported statistic) separately: both must be what TwoSample gives, bit for bit, and SciPy's values.
        KsCase c = Array.Find(ScipyReferenceCases.KolmogorovSmirnov, x => x.Name == name)!;
        double d = KolmogorovSmirnov.Statistic(c.A, c.B);

        TestResult split = KolmogorovSmirnov.PValue(d, c.A.Length, c.B.Length, c.Method);
        double reported = KolmogorovSmirnov.ReportedStatistic(d, c.A.Length, c.B.Length, c.Method);

        TestResult whole = KolmogorovSmirnov.TwoSample(c.A, c.B, c.Method);
        Assert.Equal(whole, split);
        Assert.Equal(whole.Statistic, reported);
        NumericAssert.Close(c.Statistic, reported, StatisticAbsolute, 0, $"{name} statistic");
        NumericAssert.Close(c.PValue, split.PValue, 1e-300, PValueRelative, $"{name} p-value");
    }

    [Fact]
    public void ReportedStatistic_ExactPath_RoundsToTheLattice_AsymptoticPathKeepsTheDistance()
    {
        // Sizes 3 and 4: lcm 12, so 0.41 is reported as round(4.92)/12 = 5/12 on the exact path.
        Assert.Equal(5.0 / 12, KolmogorovSmirnov.ReportedStatistic(0.41, 3, 4));
        Assert.Equal(0.41, KolmogorovSmirnov.ReportedStatistic(0.41, 3, 4, KsPValueMethod.Asymptotic));

        // Auto with more than MaxAutoExactSize values is asymptotic: the distance is kept.
        Assert.Equal(0.0123, KolmogorovSmirnov.ReportedStatistic(0.0123, 256, KolmogorovSmirnov.MaxAutoExactSize + 1));

        // A window of 256 against 10,000 reference values (Auto, exact): gcd 16, lcm 16·10,000 = 160,000;
        // 0.123456789·160,000 = 19,753.086 rounds to 19,753.
        Assert.Equal(19_753.0 / 160_000, KolmogorovSmirnov.ReportedStatistic(0.123456789, 256, 10_000));
    }

    [Fact]
    public void ReferenceCases_CoverTinyTiesHeavyTailsAndLargeSamples()
    {
        KsCase[] cases = ScipyReferenceCases.KolmogorovSmirnov;
        Assert.True(cases.Length >= 20);
        Assert.Contains(cases, c => Math.Min(c.A.Length, c.B.Length) == 1);
        Assert.Contains(cases, c => c.A.Length != c.B.Length);
        Assert.Contains(cases, c => c.Name.Contains("ties", StringComparison.Ordinal));
        Assert.Contains(cases, c => c.Name.Contains("cauchy", StringComparison.Ordinal));
        Assert.Contains(cases, c => c.Name.Contains("pareto", StringComparison.Ordinal));
        Assert.Contains(cases, c => c.Method == KsPValueMethod.Asymptotic && c.A.Length >= 2000);
        Assert.Contains(cases, c => c.Method == KsPValueMethod.Auto && c.A.Length > KolmogorovSmirnov.MaxAutoExactSize);
    }

    [Fact]
    public void Statistic_RandomSamplesWithTies_EqualsBruteForceSupremum()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            double[] a = RandomIntegers(random, random.Next(1, 30));
            double[] b = RandomIntegers(random, random.Next(1, 30));

            double expected = 0;
            foreach (double x in a.Concat(b))
            {
                double fa = a.Count(v => v <= x) / (double)a.Length;
                double fb = b.Count(v => v <= x) / (double)b.Length;
                expected = Math.Max(expected, Math.Abs(fa - fb));
            }

            Assert.Equal(expected, KolmogorovSmirnov.Statistic(a, b), 15);
        }
    }

    [Fact]
    public void TwoSample_AsymptoticWithOneValueEach_UsesExactInsteadOfScipyNaN()
    {
        // round(1·1/2) = 0 leaves SciPy's asymptotic formula undefined (it returns NaN); the exact value is 1.
        TestResult r = KolmogorovSmirnov.TwoSample([0.0], [1.0], KsPValueMethod.Asymptotic);
        Assert.Equal(new TestResult(1.0, 1.0), r);
    }

    [Fact]
    public void StatisticSorted_SameAsStatistic()
    {
        var random = new Random(11);
        double[] a = RandomIntegers(random, 40);
        double[] b = RandomIntegers(random, 55);
        double unsorted = KolmogorovSmirnov.Statistic(a, b);
        Array.Sort(a);
        Array.Sort(b);
        Assert.Equal(unsorted, KolmogorovSmirnov.StatisticSorted(a, b));
        Assert.Equal(unsorted, KolmogorovSmirnov.StatisticSortedUnchecked(a, b));
    }

    [Fact]
    public void WeightedStatistic_IntegerWeights_EqualsExactStatisticOnExpandedSamples()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 200; trial++)
        {
            (double[] va, long[] wa) = RandomWeightedView(random);
            (double[] vb, long[] wb) = RandomWeightedView(random);

            double expected = KolmogorovSmirnov.Statistic(Expand(va, wa), Expand(vb, wb));

            Assert.Equal(expected, KolmogorovSmirnov.WeightedStatistic(va, wa, vb, wb), 14);
        }
    }

    [Fact]
    public void WeightedStatistic_CompactedViews_ErrorWithinSumOfRankErrors()
    {
        // Synthetic sketch views: sorted samples cut into blocks of random size ≤ k, each block kept as
        // one of its values with weight = block size. ε is measured independently of the code under test.
        var random = new Random(17);
        int tightCases = 0;
        for (int trial = 0; trial < 40; trial++)
        {
            double[] a = RandomHeavyTailed(random, random.Next(200, 600), shift: 0);
            double[] b = RandomHeavyTailed(random, random.Next(200, 600), shift: random.NextDouble() * 0.5);
            Array.Sort(a);
            Array.Sort(b);
            (double[] va, long[] wa) = Compact(random, a, maxBlock: 1 + random.Next(12));
            (double[] vb, long[] wb) = Compact(random, b, maxBlock: 1 + random.Next(12));
            double epsA = SupDistance(a, va, wa);
            double epsB = SupDistance(b, vb, wb);

            double exact = KolmogorovSmirnov.Statistic(a, b);
            double approx = KolmogorovSmirnov.WeightedStatistic(va, wa, vb, wb);

            Assert.True(
                Math.Abs(approx - exact) <= epsA + epsB + 1e-12,
                $"trial {trial}: |{approx} − {exact}| > εA {epsA} + εB {epsB}");
            if (Math.Abs(approx - exact) > 0.5 * (epsA + epsB))
            {
                tightCases++;
            }
        }

        Assert.True(tightCases > 0, "the views never came near the bound; the test would not detect a wrong bound");
    }

    [Fact]
    public void WeightedTwoSample_ReturnsAsymptoticPValueForEffectiveSizes()
    {
        double[] va = [1, 2, 3, 4];
        long[] wa = [250, 250, 250, 250];
        double[] vb = [2.5, 3.5, 4.5, 5.5];
        long[] wb = [300, 300, 300, 300];

        TestResult r = KolmogorovSmirnov.WeightedTwoSample(va, wa, vb, wb, 1000, 1200);

        Assert.Equal(0.5, r.Statistic, 15);
        Assert.Equal(KolmogorovSmirnov.AsymptoticPValue(0.5, 1000, 1200), r.PValue);
        Assert.True(r.PValue < 1e-50);
        Assert.Equal(4.0, KolmogorovSmirnov.KishEffectiveSize(wa), 12);
    }

    [Fact]
    public void TwoSample_NonFiniteOrEmptyInput_ThrowsNamingArgument()
    {
        double[] ok = [1, 2, 3];
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.TwoSample([], ok)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.TwoSample(ok, [])).ParamName);
        ArgumentException nan = Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.TwoSample(ok, [1, double.NaN]));
        Assert.Equal("b", nan.ParamName);
        Assert.Contains("index 1", nan.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.TwoSample([double.PositiveInfinity], ok));
        Assert.Throws<ArgumentOutOfRangeException>(() => KolmogorovSmirnov.TwoSample(ok, ok, (KsPValueMethod)9));
    }

    [Fact]
    public void WeightedStatistic_InvalidViews_Throw()
    {
        double[] v = [1, 2, 3];
        long[] w = [1, 1, 1];
        Assert.Equal("sortedValuesA", Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.WeightedStatistic([3, 1, 2], w, v, w)).ParamName);
        Assert.Equal("weightsB", Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.WeightedStatistic(v, w, v, [1, 1])).ParamName);
        Assert.Equal("weightsA", Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.WeightedStatistic(v, [1, -1, 1], v, w)).ParamName);
        Assert.Equal("weightsA", Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.WeightedStatistic(v, [0, 0, 0], v, w)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => KolmogorovSmirnov.WeightedTwoSample(v, w, v, w, 0.5, 10));
    }

    private static double[] RandomIntegers(Random random, int n)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = random.Next(0, 8);
        }

        return x;
    }

    private static double[] RandomHeavyTailed(Random random, int n, double shift)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = shift + Math.Tan(Math.PI * (random.NextDouble() - 0.5)); // Cauchy
        }

        return x;
    }

    private static (double[] Values, long[] Weights) RandomWeightedView(Random random)
    {
        int n = random.Next(1, 12);
        var values = new double[n];
        var weights = new long[n];
        double v = random.Next(-3, 3);
        for (int i = 0; i < n; i++)
        {
            v += random.Next(0, 3); // repeats allowed
            values[i] = v;
            weights[i] = random.Next(0, 5);
        }

        weights[random.Next(n)] += 1; // positive total
        return (values, weights);
    }

    private static double[] Expand(double[] values, long[] weights)
    {
        var list = new List<double>();
        for (int i = 0; i < values.Length; i++)
        {
            for (long k = 0; k < weights[i]; k++)
            {
                list.Add(values[i]);
            }
        }

        return [.. list];
    }

    private static (double[] Values, long[] Weights) Compact(Random random, double[] sorted, int maxBlock)
    {
        var values = new List<double>();
        var weights = new List<long>();
        int i = 0;
        while (i < sorted.Length)
        {
            int size = Math.Min(1 + random.Next(maxBlock), sorted.Length - i);
            values.Add(sorted[i + random.Next(size)]);
            weights.Add(size);
            i += size;
        }

        return ([.. values], [.. weights]);
    }

    // sup_x |F_view(x) − F_exact(x)| by direct counting at every jump point of either CDF.
    private static double SupDistance(double[] sample, double[] viewValues, long[] viewWeights)
    {
        long total = viewWeights.Sum();
        double sup = 0;
        foreach (double x in sample.Concat(viewValues))
        {
            double exact = sample.Count(s => s <= x) / (double)sample.Length;
            long below = 0;
            for (int i = 0; i < viewValues.Length; i++)
            {
                if (viewValues[i] <= x)
                {
                    below += viewWeights[i];
                }
            }

            sup = Math.Max(sup, Math.Abs(exact - ((double)below / total)));
        }

        return sup;
    }
}
