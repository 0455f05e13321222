using EdgeSentinel.Monitor.Decisions;

namespace EdgeSentinel.Monitor.Tests.Decisions;

public sealed class PValueAdjustmentTests
{
    // Benjamini & Hochberg (1995), J. R. Stat. Soc. B 57(1), section 3.2: the 15 p-values of the
    // myocardial-infarction example. At q = 0.05 BH rejects 4 hypotheses; Bonferroni and Holm reject 3.
    private static readonly double[] Bh1995 =
    [
        0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
        0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0000,
    ];

    [Fact]
    public void BenjaminiHochberg_Bh1995Example_RejectsFourAtFivePercent()
    {
        var adjusted = PValueAdjustment.Adjust(Bh1995, MultipleTestingMethod.BenjaminiHochberg);

        Assert.Equal(4, adjusted.Count(p => p <= 0.05));
    }

    [Fact]
    public void Holm_Bh1995Example_RejectsThreeAtFivePercentLikeBonferroni()
    {
        var adjusted = PValueAdjustment.Adjust(Bh1995, MultipleTestingMethod.Holm);
        var bonferroni = Bh1995.Count(p => p * Bh1995.Length <= 0.05);

        Assert.Equal(3, adjusted.Count(p => p <= 0.05));
        Assert.Equal(3, bonferroni);
    }

    [Fact]
    public void Holm_Bh1995Example_MatchesHandComputedAdjustedValues()
    {
        // (m - i + 1) p_(i), running maximum, capped at 1; computed by hand.
        double[] expected =
        [
            0.0015, 0.0056, 0.0247, 0.114, 0.2211, 0.278, 0.278, 0.278, 0.3213,
            1, 1, 1, 1, 1, 1,
        ];

        var adjusted = PValueAdjustment.Adjust(Bh1995, MultipleTestingMethod.Holm);

        AssertClose(expected, adjusted);
    }

    [Fact]
    public void BenjaminiHochberg_Bh1995Example_MatchesHandComputedAdjustedValues()
    {
        // m p_(i) / i, running minimum from the largest p down; computed by hand.
        double[] expected =
        [
            0.0015, 0.003, 0.0095, 0.035625, 0.0603, 15 * 0.0298 / 7, 15 * 0.0298 / 7, 0.0645, 0.0765,
            0.486, 15 * 0.4262 / 11, 15 * 0.5719 / 12, 15 * 0.6528 / 13, 15 * 0.7590 / 14, 1,
        ];

        var adjusted = PValueAdjustment.Adjust(Bh1995, MultipleTestingMethod.BenjaminiHochberg);

        AssertClose(expected, adjusted);
    }

    [Fact]
    public void Adjust_UnsortedInput_ReturnsValuesInInputOrder()
    {
        double[] p = [0.04, 0.01, 0.03];

        var holm = PValueAdjustment.Adjust(p, MultipleTestingMethod.Holm);
        var bh = PValueAdjustment.Adjust(p, MultipleTestingMethod.BenjaminiHochberg);

        // Holm: sorted 0.01*3=0.03, 0.03*2=0.06, 0.04*1 -> max 0.06. BH: 0.04*3/3=0.04, 0.03*3/2=0.045 -> 0.04, 0.01*3=0.03.
        AssertClose([0.06, 0.03, 0.06], holm);
        AssertClose([0.04, 0.03, 0.04], bh);
    }

    [Fact]
    public void Adjust_GeneratedReferenceCases_MatchDefinitions()
    {
        // Reference values: generate_pvalue_adjustment_reference.py (textbook definitions, O(m^2)).
        foreach (var (p, holm, bh) in PValueAdjustmentReferenceData.Cases)
        {
            AssertClose(holm, PValueAdjustment.Adjust(p, MultipleTestingMethod.Holm));
            AssertClose(bh, PValueAdjustment.Adjust(p, MultipleTestingMethod.BenjaminiHochberg));
        }
    }

    [Fact]
    public void Adjust_RandomInputs_BhNeverAboveHolmAndBothNeverBelowRaw()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 500; trial++)
        {
            var p = new double[1 + random.Next(40)];
            for (var i = 0; i < p.Length; i++)
            {
                p[i] = Math.Pow(random.NextDouble(), 1 + random.Next(5));
            }

            var holm = PValueAdjustment.Adjust(p, MultipleTestingMethod.Holm);
            var bh = PValueAdjustment.Adjust(p, MultipleTestingMethod.BenjaminiHochberg);
            for (var i = 0; i < p.Length; i++)
            {
                Assert.InRange(bh[i], p[i], 1.0);
                Assert.InRange(holm[i], bh[i] - 1e-15, 1.0);
                for (var j = 0; j < p.Length; j++)
                {
                    if (p[i] < p[j])
                    {
                        Assert.True(holm[i] <= holm[j] && bh[i] <= bh[j], "adjusted p-values keep the order of the raw ones");
                    }
                }
            }
        }
    }

    [Fact]
    public void Adjust_TiedPValues_GetEqualAdjustedValues()
    {
        double[] p = [0.02, 0.01, 0.02, 0.02, 0.5];

        var holm = PValueAdjustment.Adjust(p, MultipleTestingMethod.Holm);
        var bh = PValueAdjustment.Adjust(p, MultipleTestingMethod.BenjaminiHochberg);

        Assert.Equal(holm[0], holm[2]);
        Assert.Equal(holm[0], holm[3]);
        Assert.Equal(bh[0], bh[2]);
        Assert.Equal(bh[0], bh[3]);
    }

    [Fact]
    public void Adjust_Empty_ReturnsEmpty()
    {
        Assert.Empty(PValueAdjustment.Adjust([], MultipleTestingMethod.Holm));
        Assert.Empty(PValueAdjustment.Adjust([], MultipleTestingMethod.BenjaminiHochberg));
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(-0.1, "-0.1")]
    [InlineData(1.5, "1.5")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    public void Adjust_InvalidPValue_ThrowsNamingIndexAndValue(double bad, string shown)
    {
        double[] p = [0.1, 0.2, bad];

        foreach (var method in Enum.GetValues<MultipleTestingMethod>())
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => PValueAdjustment.Adjust(p, method));
            Assert.Contains("pValues[2]", ex.Message, StringComparison.Ordinal);
            Assert.Contains(shown, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Holm_OutputLengthMismatch_Throws()
    {
        Assert.Throws<ArgumentException>(() => PValueAdjustment.Holm([0.1, 0.2], new double[3]));
        Assert.Throws<ArgumentException>(() => PValueAdjustment.BenjaminiHochberg([0.1, 0.2], new double[1]));
    }

    [Fact]
    public void Holm_OutputAliasesInput_GivesSameResult()
    {
        double[] p = [0.04, 0.01, 0.03, 0.2];
        var expected = PValueAdjustment.Adjust(p, MultipleTestingMethod.Holm);

        PValueAdjustment.Holm(p, p);

        Assert.Equal(expected, p);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])),
                $"index {i}: expected {expected[i]:R}, actual {actual[i]:R}");
        }
    }
}
