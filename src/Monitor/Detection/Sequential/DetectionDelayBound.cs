namespace EdgeSentinel.Monitor.Detection.Sequential;

/// <summary>Theoretical limits on detection delay, for reports next to measured delays.</summary>
public static class DetectionDelayBound
{
    /// <summary>
    /// Lorden's (1971) asymptotic lower bound on the worst-case mean delay at a given in-control
    /// average run length: ln(ARL) / KL, with KL the per-sample Kullback–Leibler divergence.
    /// </summary>
    public static double LordenMinimumDelay(double arl, double klPerSample)
    {
        if (!double.IsFinite(arl) || arl < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(arl), arl, "must be finite and at least 1");
        }

        if (!double.IsFinite(klPerSample) || klPerSample <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(klPerSample), klPerSample, "must be finite and positive");
        }

        return Math.Log(arl) / klPerSample;
    }

    /// <summary>KL divergence per sample of N(δ, 1) from N(0, 1): δ²/2 (δ in σ units).</summary>
    public static double GaussianMeanShiftKl(double shift)
    {
        if (!double.IsFinite(shift))
        {
            throw new ArgumentOutOfRangeException(nameof(shift), shift, "must be finite");
        }

        return 0.5 * shift * shift;
    }
}
