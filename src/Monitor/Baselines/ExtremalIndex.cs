namespace EdgeSentinel.Monitor.Baselines;

/// <summary>
/// Episode-onset calibration of a score watched one sample at a time: exceedances of a high
/// threshold come in clusters (a stuck stretch, a hard mission), and an alarm is raised only at an
/// episode's onset — the first exceedance after at least <c>R</c> samples without one (runs
/// declustering with run length <c>R</c>). The onset rate is θ × the exceedance rate, θ the
/// extremal index (1 for independent exceedances, 1/k when each comes k at a time).
/// </summary>
/// <remarks>
/// θ is estimated by runs declustering at a moderately high level <c>u₀</c> (exceeded with
/// probability p₀ = max(0.05/R, 100/n), at most 0.05, so there are enough exceedances and an
/// unrelated exceedance rarely falls within R of another; the chance that one does is divided out),
/// then the threshold solves
/// tailprob(u) = rate/θ with <see cref="TailThreshold"/>. The series must be in recorded order:
/// shuffled rows hide the clustering.
/// </remarks>
internal static class ExtremalIndex
{
    private const double ExpectedExceedances = 100;
    private const double ChanceOverlap = 0.05;
    private const double MaxLevelProbability = 0.05;

    /// <summary>Largest q·R (exceedance rate at the level × run length) at which θ is measured; above it θ is taken as 1.</summary>
    public const double MaxChanceOverlap = 0.25;

    /// <summary>Exceedances of <paramref name="threshold"/> and episode onsets among them (an onset: no exceedance in the previous <paramref name="runLength"/> samples).</summary>
    public static (int Exceedances, int Onsets) Count(IReadOnlyList<double> series, double threshold, int runLength)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfNegative(runLength);
        var exceedances = 0;
        var onsets = 0;
        var last = long.MinValue / 2;
        for (var i = 0; i < series.Count; i++)
        {
            if (series[i] > threshold)
            {
                exceedances++;
                if (i - last > runLength)
                {
                    onsets++;
                }

                last = i;
            }
        }

        return (exceedances, onsets);
    }

    /// <summary>The level probability p₀ at which θ is estimated for <paramref name="count"/> values and run length <paramref name="runLength"/>.</summary>
    public static double LevelProbability(int count, int runLength) =>
        Math.Min(MaxLevelProbability, Math.Max(ChanceOverlap / Math.Max(1, runLength), ExpectedExceedances / Math.Max(1, count)));

    /// <summary>
    /// The runs estimate of θ: onsets / exceedances above the empirical (1 − p₀) quantile of
    /// <paramref name="series"/> (in recorded order), corrected for unrelated clusters that fall within
    /// the run length by chance; 1 when nothing exceeds it or <paramref name="runLength"/> is 0.
    /// </summary>
    public static double Estimate(IReadOnlyList<double> series, int runLength, out double level)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfNegative(runLength);
        if (series.Count == 0)
        {
            throw new ArgumentException("No values to estimate an extremal index from.", nameof(series));
        }

        var sorted = series.ToArray();
        Array.Sort(sorted);
        // The value exceeded by about p0 * n of the values: the k-th largest, so ties at the level are not counted.
        var k = Math.Clamp((int)Math.Round(LevelProbability(sorted.Length, runLength) * sorted.Length), 1, sorted.Length);
        level = k >= sorted.Length ? sorted[0] : sorted[sorted.Length - 1 - k];
        if (runLength == 0)
        {
            return 1.0;
        }

        var (exceedances, onsets) = Count(series, level, runLength);
        if (exceedances == 0)
        {
            return 1.0;
        }

        // At the level u₀ an unrelated cluster (starting with probability θ·q per sample, q the exceedance
        // rate there) falls within R samples before a cluster's first exceedance with probability
        // 1 − (1 − θ·q)^R and hides its onset; at the alarm level that chance is negligible. Undo it:
        // θ = θ_runs / (1 − θ·q)^R, solved by fixed-point iteration from θ_runs (increasing, capped at 1).
        var runs = (double)onsets / exceedances;
        var q = (double)exceedances / series.Count;
        if (q * runLength > MaxChanceOverlap)
        {
            // Too few values to see clusters apart from chance overlaps (the correction has no unique answer): no declustering credit.
            return 1.0;
        }

        var theta = runs;
        for (var i = 0; i < 100; i++)
        {
            var next = Math.Min(1.0, runs / Math.Pow(1 - (theta * q), runLength));
            if (Math.Abs(next - theta) < 1e-12)
            {
                break;
            }

            theta = next;
        }

        return theta;
    }

    /// <summary>
    /// The threshold whose episode onsets (run length <paramref name="runLength"/>) occur with
    /// probability <paramref name="rate"/> per sample: tailprob(u) = rate/θ, θ from <see cref="Estimate"/>.
    /// </summary>
    public static double OnsetThreshold(IReadOnlyList<double> series, double rate, int runLength, out double theta, out string method)
    {
        theta = Estimate(series, runLength, out _);
        return TailThreshold.Estimate(series, Math.Min(rate / theta, 0.5), out method);
    }
}
