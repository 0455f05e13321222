namespace EdgeSentinel.Monitor.Statistics;

/// <summary>Jensen–Shannon divergence and distance between two discrete distributions (scipy.spatial.distance.jensenshannon).</summary>
/// <remarks>
/// Inputs are normalized to sum 1 first, as SciPy does. Distance = √Divergence, where
/// Divergence = ½ KL(p‖m) + ½ KL(q‖m), m = (p + q)/2, in units of <c>logBase</c> (e by default; base 2 bounds it by 1).
/// A rounding-level negative divergence is clamped to 0 (SciPy would return NaN for the square root).
/// </remarks>
internal static class JensenShannon
{
    /// <summary>Jensen–Shannon distance of two non-negative vectors.</summary>
    public static double Distance(ReadOnlySpan<double> p, ReadOnlySpan<double> q, double logBase = Math.E) =>
        Math.Sqrt(Divergence(p, q, logBase));

    /// <summary>Jensen–Shannon distance of two count vectors.</summary>
    public static double Distance(ReadOnlySpan<long> p, ReadOnlySpan<long> q, double logBase = Math.E) =>
        Math.Sqrt(Divergence(p, q, logBase));

    /// <summary>Jensen–Shannon divergence (the squared distance) of two non-negative vectors.</summary>
    public static double Divergence(ReadOnlySpan<double> p, ReadOnlySpan<double> q, double logBase = Math.E)
    {
        double sumP = SampleValidation.RequireNonNegativeFinite(p, nameof(p));
        double sumQ = SampleValidation.RequireNonNegativeFinite(q, nameof(q));
        SampleValidation.RequireSameLength(p.Length, q.Length, nameof(q), nameof(p));
        RequirePositive(sumP, nameof(p));
        RequirePositive(sumQ, nameof(q));
        double logScale = LogScale(logBase);
        double left = 0;
        double right = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double pi = p[i] / sumP;
            double qi = q[i] / sumQ;
            double mi = (pi + qi) / 2.0;
            left += RelativeEntropy(pi, mi);
            right += RelativeEntropy(qi, mi);
        }

        return Math.Max(0.0, (left + right) / logScale / 2.0);
    }

    /// <summary>Jensen–Shannon divergence (the squared distance) of two count vectors.</summary>
    public static double Divergence(ReadOnlySpan<long> p, ReadOnlySpan<long> q, double logBase = Math.E)
    {
        long sumP = SampleValidation.RequireCounts(p, nameof(p));
        long sumQ = SampleValidation.RequireCounts(q, nameof(q));
        SampleValidation.RequireSameLength(p.Length, q.Length, nameof(q), nameof(p));
        RequirePositive(sumP, nameof(p));
        RequirePositive(sumQ, nameof(q));
        double logScale = LogScale(logBase);
        double left = 0;
        double right = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double pi = (double)p[i] / sumP;
            double qi = (double)q[i] / sumQ;
            double mi = (pi + qi) / 2.0;
            left += RelativeEntropy(pi, mi);
            right += RelativeEntropy(qi, mi);
        }

        return Math.Max(0.0, (left + right) / logScale / 2.0);
    }

    private static double RelativeEntropy(double x, double y) => x > 0 ? x * Math.Log(x / y) : 0.0;

    private static void RequirePositive(double sum, string paramName)
    {
        if (!(sum > 0))
        {
            throw new ArgumentException("The vector sums to zero; it cannot be normalized.", paramName);
        }
    }

    private static double LogScale(double logBase)
    {
        if (!(logBase > 0) || logBase == 1 || double.IsPositiveInfinity(logBase))
        {
            throw new ArgumentOutOfRangeException(nameof(logBase), logBase, "The log base must be finite, > 0 and != 1.");
        }

        return Math.Log(logBase);
    }
}
