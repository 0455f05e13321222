namespace EdgeSentinel.Monitor.Statistics;

/// <summary>Two-sample Kolmogorov–Smirnov test (two-sided), matching scipy.stats.ks_2samp of SciPy 1.10.</summary>
/// <remarks>
/// Raw samples must be finite: NaN and ±∞ are rejected with an <see cref="ArgumentException"/>; the
/// caller filters and counts them. The weighted form compares two weighted empirical distributions,
/// such as the sorted views of two KLL quantile sketches; see <see cref="WeightedStatistic"/>.
/// </remarks>
internal static class KolmogorovSmirnov
{
    /// <summary>Largest sample size for which <see cref="KsPValueMethod.Auto"/> chooses the exact p-value (SciPy's MAX_AUTO_N).</summary>
    public const int MaxAutoExactSize = 10_000;

    /// <summary>The KS distance D = sup |F_a − F_b| between the empirical CDFs of two samples (copies and sorts them).</summary>
    public static double Statistic(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        SampleValidation.RequireFiniteNonEmpty(a, nameof(a));
        SampleValidation.RequireFiniteNonEmpty(b, nameof(b));
        double[] sa = a.ToArray();
        double[] sb = b.ToArray();
        Array.Sort(sa);
        Array.Sort(sb);
        return SortedStatisticCore(sa, sb);
    }

    /// <summary>The KS distance for samples already sorted ascending; allocates nothing.</summary>
    public static double StatisticSorted(ReadOnlySpan<double> sortedA, ReadOnlySpan<double> sortedB)
    {
        SampleValidation.RequireSortedFinite(sortedA, nameof(sortedA));
        SampleValidation.RequireSortedFinite(sortedB, nameof(sortedB));
        return SortedStatisticCore(sortedA, sortedB);
    }

    /// <summary>The KS distance for samples the caller guarantees non-empty, finite and sorted ascending (not checked); allocates nothing.</summary>
    internal static double StatisticSortedUnchecked(ReadOnlySpan<double> sortedA, ReadOnlySpan<double> sortedB) => SortedStatisticCore(sortedA, sortedB);

    /// <summary>Two-sided two-sample KS test: statistic and p-value as scipy.stats.ks_2samp(a, b, method=...).</summary>
    /// <remarks>
    /// On the exact path SciPy reports the statistic rounded to the lattice h/lcm(n_a, n_b); so does this.
    /// Exact falls back to asymptotic when the lattice is too large (lcm ≥ 2³¹) or the count leaves [0, 1];
    /// the asymptotic path with round(mn/(m+n)) = 0 (only n_a = n_b = 1, where SciPy returns NaN) uses the exact value.
    /// </remarks>
    public static TestResult TwoSample(ReadOnlySpan<double> a, ReadOnlySpan<double> b, KsPValueMethod method = KsPValueMethod.Auto)
    {
        if (!Enum.IsDefined(method))
        {
            throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown KS p-value method.");
        }

        double d = Statistic(a, b);
        return PValueCore(d, a.Length, b.Length, method);
    }

    /// <summary>KS distance between two weighted empirical distributions given as sorted values with non-negative weights.</summary>
    /// <remarks>
    /// F_A(x) = Σ_{v_i ≤ x} w_i / Σ w_i; D = sup_x |F_A(x) − F_B(x)|, attained at one of the values.
    /// Repeated values are allowed. Error statement for sketch views: if each view's CDF is within
    /// ε_A (resp. ε_B) of its stream's exact empirical CDF at every x (normalized rank error), then by the
    /// triangle inequality the returned D differs from the exact two-sample D by at most ε_A + ε_B.
    /// </remarks>
    public static double WeightedStatistic(ReadOnlySpan<double> sortedValuesA, ReadOnlySpan<long> weightsA, ReadOnlySpan<double> sortedValuesB, ReadOnlySpan<long> weightsB)
    {
        SampleValidation.RequireSortedFinite(sortedValuesA, nameof(sortedValuesA));
        SampleValidation.RequireSortedFinite(sortedValuesB, nameof(sortedValuesB));
        SampleValidation.RequireSameLength(sortedValuesA.Length, weightsA.Length, nameof(weightsA), nameof(sortedValuesA));
        SampleValidation.RequireSameLength(sortedValuesB.Length, weightsB.Length, nameof(weightsB), nameof(sortedValuesB));
        long totalA = SampleValidation.RequireCounts(weightsA, nameof(weightsA));
        long totalB = SampleValidation.RequireCounts(weightsB, nameof(weightsB));
        if (totalA == 0)
        {
            throw new ArgumentException("The weights sum to zero.", nameof(weightsA));
        }

        if (totalB == 0)
        {
            throw new ArgumentException("The weights sum to zero.", nameof(weightsB));
        }

        int i = 0;
        int j = 0;
        long cumA = 0;
        long cumB = 0;
        double d = 0;
        while (i < sortedValuesA.Length || j < sortedValuesB.Length)
        {
            double x = j >= sortedValuesB.Length || (i < sortedValuesA.Length && sortedValuesA[i] <= sortedValuesB[j])
                ? sortedValuesA[i]
                : sortedValuesB[j];
            while (i < sortedValuesA.Length && sortedValuesA[i] <= x)
            {
                cumA += weightsA[i++];
            }

            while (j < sortedValuesB.Length && sortedValuesB[j] <= x)
            {
                cumB += weightsB[j++];
            }

            d = Math.Max(d, Math.Abs(((double)cumA / totalA) - ((double)cumB / totalB)));
        }

        return d;
    }

    /// <summary>Weighted KS distance with an asymptotic p-value for the given effective sample sizes.</summary>
    /// <remarks>
    /// For sketch views pass each stream's item count; for arbitrary weights Kish's
    /// <see cref="KishEffectiveSize"/> is a common choice. The p-value is SciPy's asymptotic path
    /// (one-sample distribution at round(mn/(m+n)), at least 1) and ignores the sketch error; a caller that
    /// wants a conservative decision can test D − (ε_A + ε_B) instead.
    /// </remarks>
    public static TestResult WeightedTwoSample(
        ReadOnlySpan<double> sortedValuesA,
        ReadOnlySpan<long> weightsA,
        ReadOnlySpan<double> sortedValuesB,
        ReadOnlySpan<long> weightsB,
        double effectiveSizeA,
        double effectiveSizeB)
    {
        if (!(effectiveSizeA >= 1) || double.IsPositiveInfinity(effectiveSizeA))
        {
            throw new ArgumentOutOfRangeException(nameof(effectiveSizeA), effectiveSizeA, "Effective sample size must be finite and >= 1.");
        }

        if (!(effectiveSizeB >= 1) || double.IsPositiveInfinity(effectiveSizeB))
        {
            throw new ArgumentOutOfRangeException(nameof(effectiveSizeB), effectiveSizeB, "Effective sample size must be finite and >= 1.");
        }

        double d = WeightedStatistic(sortedValuesA, weightsA, sortedValuesB, weightsB);
        return new TestResult(d, AsymptoticPValue(d, effectiveSizeA, effectiveSizeB));
    }

    /// <summary>Kish's effective sample size (Σw)² / Σw² of a weight vector.</summary>
    public static double KishEffectiveSize(ReadOnlySpan<long> weights)
    {
        long total = SampleValidation.RequireCounts(weights, nameof(weights));
        if (total == 0)
        {
            throw new ArgumentException("The weights sum to zero.", nameof(weights));
        }

        double sumSquares = 0;
        foreach (long w in weights)
        {
            sumSquares += (double)w * w;
        }

        return (double)total * total / sumSquares;
    }

    /// <summary>SciPy's asymptotic two-sided p-value: kstwo.sf(d, round(mn/(m+n))) with m ≥ n.</summary>
    public static double AsymptoticPValue(double d, double sizeA, double sizeB)
    {
        double m = Math.Max(sizeA, sizeB);
        double n = Math.Min(sizeA, sizeB);
        double en = m * n / (m + n);
        int effective = (int)Math.Max(1, Math.Min(int.MaxValue, Math.Round(en, MidpointRounding.ToEven)));
        return KolmogorovDistribution.TwoSidedSurvival(effective, d);
    }

    /// <summary>
    /// The statistic <see cref="TwoSample"/> reports for the KS distance <paramref name="d"/> of samples of sizes
    /// <paramref name="n1"/> and <paramref name="n2"/> (on the exact path rounded to the lattice h/lcm), without its p-value.
    /// </summary>
    public static double ReportedStatistic(double d, int n1, int n2, KsPValueMethod method = KsPValueMethod.Auto) =>
        IsExactPath(n1, n2, method, out long lcm) ? (double)(long)Math.Round(d * lcm, MidpointRounding.ToEven) / lcm : d;

    /// <summary>Statistic and p-value as <see cref="TwoSample"/> gives them, for the KS distance <paramref name="d"/> of samples of sizes <paramref name="n1"/> and <paramref name="n2"/>.</summary>
    public static TestResult PValue(double d, int n1, int n2, KsPValueMethod method = KsPValueMethod.Auto) => PValueCore(d, n1, n2, method);

    private static bool IsExactPath(int n1, int n2, KsPValueMethod method, out long lcm)
    {
        int g = KolmogorovDistribution.GreatestCommonDivisor(n1, n2);
        long n1g = n1 / g;
        long n2g = n2 / g;
        lcm = n1g * n2;
        bool exact = method switch
        {
            KsPValueMethod.Auto => Math.Max(n1, n2) <= MaxAutoExactSize,
            KsPValueMethod.Exact => n1g < int.MaxValue / (double)n2g,
            _ => false,
        };

        // n1 = n2 = 1: SciPy's asymptotic path is undefined (NaN) there.
        return exact || Math.Round((double)n1 * n2 / (n1 + n2), MidpointRounding.ToEven) < 1;
    }

    private static TestResult PValueCore(double d, int n1, int n2, KsPValueMethod method)
    {
        if (IsExactPath(n1, n2, method, out long lcm))
        {
            long h = (long)Math.Round(d * lcm, MidpointRounding.ToEven);
            double lattice = (double)h / lcm;
            double p = KolmogorovDistribution.TwoSampleExactSurvival(n1, n2, h);
            if (!double.IsNaN(p))
            {
                return new TestResult(lattice, p);
            }

            d = lattice; // SciPy keeps the rounded statistic when it falls back.
        }

        return new TestResult(d, AsymptoticPValue(d, n1, n2));
    }

    private static double SortedStatisticCore(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        // Evaluate F_a − F_b just after each distinct value (right-continuous CDFs, as searchsorted 'right').
        int n1 = a.Length;
        int n2 = b.Length;
        int i = 0;
        int j = 0;
        double d = 0;
        while (i < n1 || j < n2)
        {
            double x = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
            while (i < n1 && a[i] <= x)
            {
                i++;
            }

            while (j < n2 && b[j] <= x)
            {
                j++;
            }

            d = Math.Max(d, Math.Abs(((double)i / n1) - ((double)j / n2)));
        }

        return d;
    }
}
