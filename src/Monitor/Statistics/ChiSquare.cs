namespace EdgeSentinel.Monitor.Statistics;

/// <summary>Pearson chi-square tests for categorical channels (scipy.stats.chisquare and chi2_contingency).</summary>
internal static class ChiSquare
{
    /// <summary>Relative tolerance with which expected frequencies must sum to the observed total (SciPy 1.10's check).</summary>
    public const double SumRelativeTolerance = 1e-8;

    /// <summary>Goodness of fit of observed counts to expected frequencies; df = k − 1 (scipy.stats.chisquare).</summary>
    /// <remarks>Expected frequencies must be finite, &gt; 0, and sum to the observed total within <see cref="SumRelativeTolerance"/>.</remarks>
    public static TestResult GoodnessOfFit(ReadOnlySpan<long> observed, ReadOnlySpan<double> expectedFrequencies)
    {
        long total = SampleValidation.RequireCounts(observed, nameof(observed));
        SampleValidation.RequireSameLength(observed.Length, expectedFrequencies.Length, nameof(expectedFrequencies), nameof(observed));
        double expectedTotal = SampleValidation.RequireNonNegativeFinite(expectedFrequencies, nameof(expectedFrequencies));
        if (observed.Length < 2)
        {
            throw new ArgumentException("A goodness-of-fit test needs at least 2 categories.", nameof(observed));
        }

        for (int i = 0; i < expectedFrequencies.Length; i++)
        {
            if (!(expectedFrequencies[i] > 0))
            {
                throw new ArgumentException($"Expected frequency at index {i} is 0; every category needs a positive expectation.", nameof(expectedFrequencies));
            }
        }

        if (Math.Abs(expectedTotal - total) > SumRelativeTolerance * Math.Max(expectedTotal, total))
        {
            throw new ArgumentException($"Expected frequencies sum to {expectedTotal} but observed counts sum to {total}; they must agree (relative 1e-8).", nameof(expectedFrequencies));
        }

        double statistic = 0;
        for (int i = 0; i < observed.Length; i++)
        {
            double diff = observed[i] - expectedFrequencies[i];
            statistic += diff * diff / expectedFrequencies[i];
        }

        return new TestResult(statistic, SpecialFunctions.ChiSquareSurvival(statistic, observed.Length - 1));
    }

    /// <summary>Chi-square test of homogeneity of two count vectors: chi2_contingency on the 2×k table, correction=False.</summary>
    /// <remarks>
    /// Categories empty in both rows are dropped first (SciPy would reject their zero expected frequency);
    /// df = k' − 1 over the k' remaining categories. With k' = 1 the rows cannot differ: returns (0, 1).
    /// Both rows must have a positive total.
    /// </remarks>
    public static TestResult Homogeneity(ReadOnlySpan<long> baselineCounts, ReadOnlySpan<long> windowCounts)
    {
        (double statistic, int kept, _) = HomogeneityCore(baselineCounts, windowCounts);
        return kept <= 1
            ? new TestResult(0.0, 1.0)
            : new TestResult(statistic, SpecialFunctions.ChiSquareSurvival(statistic, kept - 1));
    }

    /// <summary>Cramér's V effect size of the 2×k homogeneity table: √(χ² / N) (min(r, c) − 1 = 1); 0 when k' = 1.</summary>
    public static double CramersV(ReadOnlySpan<long> baselineCounts, ReadOnlySpan<long> windowCounts)
    {
        (double statistic, int kept, long grand) = HomogeneityCore(baselineCounts, windowCounts);
        return kept <= 1 ? 0.0 : Math.Sqrt(statistic / grand);
    }

    private static (double Statistic, int Kept, long GrandTotal) HomogeneityCore(ReadOnlySpan<long> baselineCounts, ReadOnlySpan<long> windowCounts)
    {
        long rowA = SampleValidation.RequireCounts(baselineCounts, nameof(baselineCounts));
        long rowB = SampleValidation.RequireCounts(windowCounts, nameof(windowCounts));
        SampleValidation.RequireSameLength(baselineCounts.Length, windowCounts.Length, nameof(windowCounts), nameof(baselineCounts));
        if (rowA == 0)
        {
            throw new ArgumentException("All baseline counts are zero.", nameof(baselineCounts));
        }

        if (rowB == 0)
        {
            throw new ArgumentException("All window counts are zero.", nameof(windowCounts));
        }

        long grand = checked(rowA + rowB);
        double statistic = 0;
        int kept = 0;
        for (int i = 0; i < baselineCounts.Length; i++)
        {
            long column = baselineCounts[i] + windowCounts[i];
            if (column == 0)
            {
                continue;
            }

            kept++;
            double expectedA = (double)rowA * column / grand;
            double expectedB = (double)rowB * column / grand;
            double da = baselineCounts[i] - expectedA;
            double db = windowCounts[i] - expectedB;
            statistic += (da * da / expectedA) + (db * db / expectedB);
        }

        return (statistic, kept, grand);
    }
}
