namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>Distances between one channel's live window and its baseline.</summary>
/// <param name="Channel">Channel name.</param>
/// <param name="Count">Finite values in the window.</param>
/// <param name="NonFinite">NaN or ±∞ values in the window.</param>
/// <param name="KolmogorovSmirnov">KS statistic against the baseline's reference sample (NaN for categorical).</param>
/// <param name="PValue">p-value of the channel's primary test (KS, or chi-square for categories).</param>
/// <param name="PopulationStabilityIndex">PSI on the baseline's histogram bins or categories.</param>
/// <param name="JensenShannon">Jensen–Shannon distance (base 2, in [0, 1]) on the same bins.</param>
/// <param name="Wasserstein">Wasserstein-1 distance to the reference sample in baseline standard deviations (NaN for categorical).</param>
/// <param name="LiveMean">Mean of the window's finite values.</param>
/// <param name="BaselineMean">Mean of the baseline.</param>
public sealed record ChannelWindowStatistics(
    string Channel,
    int Count,
    int NonFinite,
    double KolmogorovSmirnov,
    double PValue,
    double PopulationStabilityIndex,
    double JensenShannon,
    double Wasserstein,
    double LiveMean,
    double BaselineMean);
