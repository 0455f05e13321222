namespace EdgeSentinel.Monitor.Statistics;

/// <summary>Population stability index between binned baseline ("expected") and window ("actual") counts.</summary>
/// <remarks>
/// PSI = Σ_i (a_i − e_i) · ln(a_i / e_i) over bin proportions e_i = E_i/ΣE, a_i = A_i/ΣA. Empty bins are
/// smoothed by flooring each proportion at <c>epsilon</c> (no renormalization afterwards); a bin empty in
/// both contributes 0. Customary reading: below 0.1 stable, 0.1–0.25 moderate shift, above 0.25 major shift.
/// </remarks>
internal static class PopulationStabilityIndex
{
    /// <summary>Default floor for bin proportions (1e-4), so that an empty bin costs a bounded amount.</summary>
    public const double DefaultEpsilon = 1e-4;

    /// <summary>Computes the PSI of two count vectors over the same bins.</summary>
    public static double Compute(ReadOnlySpan<long> expectedCounts, ReadOnlySpan<long> actualCounts, double epsilon = DefaultEpsilon)
    {
        long expectedTotal = SampleValidation.RequireCounts(expectedCounts, nameof(expectedCounts));
        long actualTotal = SampleValidation.RequireCounts(actualCounts, nameof(actualCounts));
        SampleValidation.RequireSameLength(expectedCounts.Length, actualCounts.Length, nameof(actualCounts), nameof(expectedCounts));
        if (!(epsilon > 0 && epsilon < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "The proportion floor must be in (0, 1).");
        }

        if (expectedTotal == 0)
        {
            throw new ArgumentException("All expected counts are zero.", nameof(expectedCounts));
        }

        if (actualTotal == 0)
        {
            throw new ArgumentException("All actual counts are zero.", nameof(actualCounts));
        }

        double psi = 0;
        for (int i = 0; i < expectedCounts.Length; i++)
        {
            double e = Math.Max((double)expectedCounts[i] / expectedTotal, epsilon);
            double a = Math.Max((double)actualCounts[i] / actualTotal, epsilon);
            psi += (a - e) * Math.Log(a / e);
        }

        return psi;
    }
}
