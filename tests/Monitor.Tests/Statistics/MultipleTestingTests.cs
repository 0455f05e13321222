using EdgeSentinel.Monitor.Statistics;

namespace EdgeSentinel.Monitor.Tests.Statistics;

// Hand-derived values (statsmodels is not installed): the 15 p-values of Benjamini & Hochberg (1995),
// section 4; adjusted p-values by the definitions statsmodels.multipletests uses for 'holm' and 'fdr_bh'.
public sealed class MultipleTestingTests
{
    private static readonly double[] Bh1995 =
    [
        0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000,
    ];

    [Fact]
    public void BenjaminiHochberg_Bh1995Example_RejectsFourWithHandAdjustedPValues()
    {
        var rejected = new bool[15];
        var adjusted = new double[15];

        MultipleTesting.BenjaminiHochberg(Bh1995, 0.05, rejected, adjusted);

        // Largest i with p_(i) ≤ 0.05·i/15 is i = 4 (0.0095 ≤ 0.01333; 0.0201 > 0.01667, and no later one passes).
        Assert.Equal([true, true, true, true, false, false, false, false, false, false, false, false, false, false, false], rejected);
        double[] expected =
        [
            0.0001 * 15 / 1, 0.0004 * 15 / 2, 0.0019 * 15 / 3, 0.0095 * 15 / 4, 0.0201 * 15 / 5,
            0.0298 * 15 / 7, 0.0298 * 15 / 7, 0.0344 * 15 / 8, 0.0459 * 15 / 9, 0.3240 * 15 / 10,
            0.4262 * 15 / 11, 0.5719 * 15 / 12, 0.6528 * 15 / 13, 0.7590 * 15 / 14, 1.0,
        ];
        for (int i = 0; i < 15; i++)
        {
            Assert.Equal(expected[i], adjusted[i], 14);
        }
    }

    [Fact]
    public void Holm_Bh1995Example_RejectsThreeWithHandAdjustedPValues()
    {
        var rejected = new bool[15];
        var adjusted = new double[15];

        MultipleTesting.Holm(Bh1995, 0.05, rejected, adjusted);

        // 0.0001 ≤ .05/15, 0.0004 ≤ .05/14, 0.0019 ≤ .05/13, 0.0095 > .05/12: stop (the paper's count is 3).
        Assert.Equal(3, rejected.Count(r => r));
        Assert.True(rejected[0] && rejected[1] && rejected[2]);
        double[] expected =
        [
            15 * 0.0001, 14 * 0.0004, 13 * 0.0019, 12 * 0.0095, 11 * 0.0201,
            10 * 0.0278, 10 * 0.0278, 10 * 0.0278, 7 * 0.0459, 1, 1, 1, 1, 1, 1,
        ];
        for (int i = 0; i < 15; i++)
        {
            Assert.Equal(expected[i], adjusted[i], 14);
        }
    }

    [Fact]
    public void Procedures_ShuffledInput_ReportInInputOrder()
    {
        var random = new Random(1);
        int[] permutation = Enumerable.Range(0, 15).OrderBy(_ => random.Next()).ToArray();
        double[] shuffled = permutation.Select(i => Bh1995[i]).ToArray();
        var sortedRejected = new bool[15];
        var sortedAdjusted = new double[15];
        var rejected = new bool[15];
        var adjusted = new double[15];

        MultipleTesting.BenjaminiHochberg(Bh1995, 0.05, sortedRejected, sortedAdjusted);
        MultipleTesting.BenjaminiHochberg(shuffled, 0.05, rejected, adjusted);

        for (int k = 0; k < 15; k++)
        {
            Assert.Equal(sortedRejected[permutation[k]], rejected[k]);
            Assert.Equal(sortedAdjusted[permutation[k]], adjusted[k]);
        }
    }

    [Fact]
    public void Procedures_RandomPValues_SatisfyTrueOrderingProperties()
    {
        var random = new Random(2024);
        for (int trial = 0; trial < 500; trial++)
        {
            int m = random.Next(1, 40);
            double alpha = 0.01 + (random.NextDouble() * 0.2);
            double[] p = new double[m];
            for (int i = 0; i < m; i++)
            {
                // Mix of tiny, tied and uniform p-values.
                p[i] = random.Next(4) switch { 0 => random.NextDouble() * 1e-3, 1 => 0.01, _ => random.NextDouble() };
            }

            var holmRejected = new bool[m];
            var holmAdjusted = new double[m];
            var bhRejected = new bool[m];
            var bhAdjusted = new double[m];
            MultipleTesting.Holm(p, alpha, holmRejected, holmAdjusted);
            MultipleTesting.BenjaminiHochberg(p, alpha, bhRejected, bhAdjusted);

            for (int i = 0; i < m; i++)
            {
                double bonferroni = Math.Min(1.0, m * p[i]);
                Assert.True(!holmRejected[i] || p[i] <= alpha, "Holm rejects only what is rejected unadjusted");
                Assert.True(bonferroni >= holmAdjusted[i] - 1e-15, "Bonferroni ≥ Holm-adjusted");
                Assert.True(holmAdjusted[i] >= p[i], "Holm-adjusted ≥ raw");
                Assert.True(bhAdjusted[i] >= p[i], "BH-adjusted ≥ raw");
                Assert.True(bhAdjusted[i] <= holmAdjusted[i] + 1e-15, "BH-adjusted ≤ Holm-adjusted");
                Assert.True(holmAdjusted[i] <= 1 && bhAdjusted[i] <= 1);
                Assert.True(!holmRejected[i] || bhRejected[i], "Holm's rejections are BH rejections (adjusted BH ≤ adjusted Holm)");

                // Rejection agrees with comparing the adjusted p-value with alpha.
                Assert.Equal(holmAdjusted[i] <= alpha, holmRejected[i]);
                Assert.Equal(bhAdjusted[i] <= alpha, bhRejected[i]);

                for (int j = 0; j < m; j++)
                {
                    if (p[i] <= p[j])
                    {
                        Assert.True(holmAdjusted[i] <= holmAdjusted[j], "Holm-adjusted monotone in raw p");
                        Assert.True(bhAdjusted[i] <= bhAdjusted[j], "BH-adjusted monotone in raw p");
                        Assert.True(!holmRejected[j] || holmRejected[i]);
                        Assert.True(!bhRejected[j] || bhRejected[i]);
                    }
                }
            }
        }
    }

    [Fact]
    public void Procedures_WithCallerScratch_SameResultAsRentedScratch()
    {
        var r1 = new bool[15];
        var a1 = new double[15];
        var r2 = new bool[15];
        var a2 = new double[15];
        MultipleTesting.Holm(Bh1995, 0.05, r1, a1);
        MultipleTesting.Holm(Bh1995, 0.05, r2, a2, new double[20], new int[20]);
        Assert.Equal(r1, r2);
        Assert.Equal(a1, a2);
    }

    [Fact]
    public void Procedures_InvalidInput_ThrowNamingArgument()
    {
        var r = new bool[2];
        var a = new double[2];
        Assert.Equal("pValues", Assert.Throws<ArgumentException>(() => MultipleTesting.Holm([], 0.05, [], [])).ParamName);
        Assert.Equal("pValues", Assert.Throws<ArgumentException>(() => MultipleTesting.Holm([0.1, double.NaN], 0.05, r, a)).ParamName);
        Assert.Equal("pValues", Assert.Throws<ArgumentException>(() => MultipleTesting.BenjaminiHochberg([0.1, 1.5], 0.05, r, a)).ParamName);
        Assert.Equal("rejected", Assert.Throws<ArgumentException>(() => MultipleTesting.BenjaminiHochberg([0.1, 0.2], 0.05, new bool[1], a)).ParamName);
        Assert.Equal("adjusted", Assert.Throws<ArgumentException>(() => MultipleTesting.Holm([0.1, 0.2], 0.05, r, new double[3])).ParamName);
        Assert.Equal("orderScratch", Assert.Throws<ArgumentException>(() => MultipleTesting.Holm([0.1, 0.2], 0.05, r, a, new double[2], new int[1])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => MultipleTesting.Holm([0.1, 0.2], 0, r, a));
    }
}
