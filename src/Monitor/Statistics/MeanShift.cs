namespace EdgeSentinel.Monitor.Statistics;

/// <summary>Mahalanobis test of a window mean against a baseline mean (activation taps).</summary>
/// <remarks>
/// Under no drift and with the baseline covariance taken as known (a large baseline, its shrunk inverse
/// covariance P treated as exact) and window samples independent, T = n·(x̄ − μ)ᵀP(x̄ − μ) is χ² with d
/// degrees of freedom (exactly for Gaussian data, by the CLT otherwise). With a small baseline the
/// p-value is anti-conservative (Hotelling's T² would be the exact reference). Allocates nothing.
/// </remarks>
internal static class MeanShift
{
    /// <summary>Tests the window mean of <paramref name="sampleCount"/> samples against the baseline (μ, P = Σ⁻¹ row-major d×d).</summary>
    public static MeanShiftResult Test(ReadOnlySpan<double> baselineMean, ReadOnlySpan<double> baselinePrecision, ReadOnlySpan<double> windowMean, long sampleCount)
    {
        SampleValidation.RequireFiniteNonEmpty(baselineMean, nameof(baselineMean));
        SampleValidation.RequireFiniteNonEmpty(windowMean, nameof(windowMean));
        SampleValidation.RequireSameLength(baselineMean.Length, windowMean.Length, nameof(windowMean), nameof(baselineMean));
        int d = baselineMean.Length;
        if ((long)d * d != baselinePrecision.Length)
        {
            throw new ArgumentException($"The precision matrix has {baselinePrecision.Length} entries; a {d}×{d} row-major matrix needs {(long)d * d}.", nameof(baselinePrecision));
        }

        SampleValidation.RequireFiniteNonEmpty(baselinePrecision, nameof(baselinePrecision));
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleCount, 1);

        double quadratic = 0;
        for (int i = 0; i < d; i++)
        {
            double di = windowMean[i] - baselineMean[i];
            if (di == 0)
            {
                continue;
            }

            ReadOnlySpan<double> row = baselinePrecision.Slice(i * d, d);
            double rowDot = 0;
            for (int j = 0; j < d; j++)
            {
                rowDot += row[j] * (windowMean[j] - baselineMean[j]);
            }

            quadratic += di * rowDot;
        }

        if (quadratic < 0)
        {
            throw new ArgumentException($"(x̄−μ)ᵀP(x̄−μ) = {quadratic} < 0: the precision matrix is not positive semi-definite.", nameof(baselinePrecision));
        }

        double statistic = sampleCount * quadratic;
        return new MeanShiftResult(statistic, SpecialFunctions.ChiSquareSurvival(statistic, d), Math.Sqrt(quadratic), d);
    }
}
