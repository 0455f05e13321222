namespace EdgeSentinel.Monitor.Statistics;

/// <summary>Outcome of a mean-shift test on a multivariate channel.</summary>
/// <param name="Statistic">T = n·(x̄ − μ)ᵀP(x̄ − μ).</param>
/// <param name="PValue">P(χ²_d ≥ T).</param>
/// <param name="MahalanobisDistance">Effect size √((x̄ − μ)ᵀP(x̄ − μ)), independent of n.</param>
/// <param name="DegreesOfFreedom">The dimension d.</param>
internal readonly record struct MeanShiftResult(double Statistic, double PValue, double MahalanobisDistance, int DegreesOfFreedom);
