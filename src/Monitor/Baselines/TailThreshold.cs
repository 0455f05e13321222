namespace EdgeSentinel.Monitor.Baselines;

/// <summary>
/// Finds the value exceeded with probability <c>rate</c> from a sample of a score: the empirical
/// quantile when the sample holds at least 20 expected exceedances, otherwise an exponential tail
/// fitted to the top 5% (peaks over threshold: u + β·ln(0.05/rate), β the mean excess over u).
/// </summary>
internal static class TailThreshold
{
    private const double ExpectedExceedancesForEmpirical = 20;
    private const double TailFraction = 0.05;

    public static double Estimate(IReadOnlyList<double> sample, double rate, out string method)
    {
        if (sample.Count == 0)
        {
            throw new ArgumentException("No values to estimate a tail threshold from.", nameof(sample));
        }

        var sorted = sample.ToArray();
        Array.Sort(sorted);
        if (sorted.Length * rate >= ExpectedExceedancesForEmpirical)
        {
            method = "empirical-quantile";
            return Math.Max(Quantile(sorted, 1 - rate), double.Epsilon);
        }

        method = "exponential-tail";
        var u = Quantile(sorted, 1 - TailFraction);
        var excess = 0.0;
        var count = 0;
        for (var i = sorted.Length - 1; i >= 0 && sorted[i] > u; i--)
        {
            excess += sorted[i] - u;
            count++;
        }

        var beta = count == 0 ? 0.0 : excess / count;
        return Math.Max(u + (beta * Math.Log(TailFraction / rate)), double.Epsilon);
    }

    /// <summary>Linear interpolation between order statistics (type 7, as NumPy's default).</summary>
    private static double Quantile(double[] sorted, double q)
    {
        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
