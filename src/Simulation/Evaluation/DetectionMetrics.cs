namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>The metrics of the detection-quality evaluation: ROC summaries of a score, detection delays, Lorden's bound.</summary>
public static class DetectionMetrics
{
    /// <summary>
    /// Area under the ROC curve of a score that should be higher on <paramref name="positives"/> than on
    /// <paramref name="negatives"/>: P(positive &gt; negative) + ½·P(tie) (the Mann–Whitney U statistic over n⁺·n⁻).
    /// NaN when either set is empty.
    /// </summary>
    public static double Auroc(IReadOnlyList<double> negatives, IReadOnlyList<double> positives)
    {
        ArgumentNullException.ThrowIfNull(negatives);
        ArgumentNullException.ThrowIfNull(positives);
        if (negatives.Count == 0 || positives.Count == 0)
        {
            return double.NaN;
        }

        RejectNaN(negatives, nameof(negatives));
        RejectNaN(positives, nameof(positives));

        // Rank the pooled scores (mid-ranks for ties); U = rank sum of the positives − n⁺(n⁺ + 1)/2.
        var pooled = new (double Score, bool Positive)[negatives.Count + positives.Count];
        var k = 0;
        foreach (var s in negatives)
        {
            pooled[k++] = (s, false);
        }

        foreach (var s in positives)
        {
            pooled[k++] = (s, true);
        }

        Array.Sort(pooled, static (a, b) => a.Score.CompareTo(b.Score));
        var rankSum = 0.0;
        for (var i = 0; i < pooled.Length;)
        {
            var j = i;
            while (j + 1 < pooled.Length && pooled[j + 1].Score == pooled[i].Score)
            {
                j++;
            }

            var midRank = ((i + 1) + (j + 1)) / 2.0;
            for (var m = i; m <= j; m++)
            {
                if (pooled[m].Positive)
                {
                    rankSum += midRank;
                }
            }

            i = j + 1;
        }

        double nPositive = positives.Count;
        double nNegative = negatives.Count;
        var u = rankSum - (nPositive * (nPositive + 1) / 2.0);
        return u / (nPositive * nNegative);
    }

    /// <summary>
    /// True-positive rate at a false-positive rate of at most <paramref name="falsePositiveRate"/>: the threshold is the
    /// (⌊fpr·n⁻⌋ + 1)-th largest negative score, a sample is flagged when its score is strictly above it.
    /// NaN when either set is empty or there are too few negatives to resolve the rate (fpr·n⁻ &lt; 1).
    /// </summary>
    public static double TruePositiveRateAt(IReadOnlyList<double> negatives, IReadOnlyList<double> positives, double falsePositiveRate)
    {
        ArgumentNullException.ThrowIfNull(negatives);
        ArgumentNullException.ThrowIfNull(positives);
        if (!(falsePositiveRate is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(falsePositiveRate), falsePositiveRate, "must be in (0, 1)");
        }

        if (negatives.Count == 0 || positives.Count == 0 || falsePositiveRate * negatives.Count < 1)
        {
            return double.NaN;
        }

        RejectNaN(negatives, nameof(negatives));
        RejectNaN(positives, nameof(positives));
        var sorted = negatives.ToArray();
        Array.Sort(sorted);
        Array.Reverse(sorted);
        var allowed = (int)Math.Floor(falsePositiveRate * sorted.Length);
        var threshold = sorted[Math.Min(allowed, sorted.Length - 1)];
        var flagged = 0;
        foreach (var s in positives)
        {
            if (s > threshold)
            {
                flagged++;
            }
        }

        return (double)flagged / positives.Count;
    }

    /// <summary>Detection rate, mean and worst delay of a set of streams; each entry is the delay in samples, or null when the change was missed.</summary>
    public static DelaySummary Delays(IReadOnlyList<long?> delays)
    {
        ArgumentNullException.ThrowIfNull(delays);
        var detected = 0;
        var sum = 0.0;
        long worst = -1;
        foreach (var d in delays)
        {
            if (d is not { } delay)
            {
                continue;
            }

            if (delay < 0)
            {
                throw new ArgumentException($"delay {delay} is negative: a detection is counted at or after the change point", nameof(delays));
            }

            detected++;
            sum += delay;
            worst = Math.Max(worst, delay);
        }

        return new DelaySummary(delays.Count, detected, detected == 0 ? double.NaN : sum / detected, detected == 0 ? null : worst);
    }

    /// <summary>
    /// Size of a step change of <paramref name="shift"/> standard deviations after the detector prewhitens an AR(1)
    /// stream with lag-1 autocorrelation <paramref name="rho"/>: e = (z − ρ·z₋₁)/√(1 − ρ²) moves by shift·√((1 − ρ)/(1 + ρ)).
    /// </summary>
    public static double PrewhitenedShift(double shift, double rho)
    {
        if (!double.IsFinite(shift) || !(rho is > -1 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rho), rho, $"shift {shift} must be finite and rho in (−1, 1)");
        }

        return shift * Math.Sqrt((1 - rho) / (1 + rho));
    }

    /// <summary>Lag-1 autocorrelation of <paramref name="values"/> (the sample estimator Σ(xₜ − x̄)(xₜ₊₁ − x̄) / Σ(xₜ − x̄)²); NaN when constant or shorter than 2.</summary>
    public static double LagOneAutocorrelation(ReadOnlySpan<double> values)
    {
        if (values.Length < 2)
        {
            return double.NaN;
        }

        var mean = 0.0;
        foreach (var v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        var numerator = 0.0;
        var denominator = 0.0;
        for (var t = 0; t < values.Length; t++)
        {
            var d = values[t] - mean;
            denominator += d * d;
            if (t + 1 < values.Length)
            {
                numerator += d * (values[t + 1] - mean);
            }
        }

        return denominator > 0 ? numerator / denominator : double.NaN;
    }

    private static void RejectNaN(IReadOnlyList<double> scores, string name)
    {
        for (var i = 0; i < scores.Count; i++)
        {
            if (double.IsNaN(scores[i]))
            {
                throw new ArgumentException($"{name}[{i}] is NaN: a score must be a number (±∞ is allowed)", name);
            }
        }
    }
}
