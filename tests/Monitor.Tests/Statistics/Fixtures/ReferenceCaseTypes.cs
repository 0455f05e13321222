using EdgeSentinel.Monitor.Statistics;

namespace EdgeSentinel.Monitor.Tests.Statistics.Fixtures;

/// <summary>scipy.stats.ks_2samp(A, B, method) → (Statistic, PValue).</summary>
internal sealed record KsCase(string Name, double[] A, double[] B, KsPValueMethod Method, double Statistic, double PValue)
{
    public override string ToString() => Name;
}

/// <summary>scipy.stats.wasserstein_distance(U, V, UWeights, VWeights).</summary>
internal sealed record WassersteinCase(string Name, double[] U, double[] V, double[]? UWeights, double[]? VWeights, double Distance)
{
    public override string ToString() => Name;
}

/// <summary>scipy.stats.chisquare(Observed, Expected).</summary>
internal sealed record GoodnessOfFitCase(string Name, long[] Observed, double[] Expected, double Statistic, double PValue)
{
    public override string ToString() => Name;
}

/// <summary>scipy.stats.chi2_contingency([Baseline, Window] without all-zero columns, correction=False) and Cramér's V.</summary>
internal sealed record HomogeneityCase(string Name, long[] Baseline, long[] Window, double Statistic, double PValue, int DegreesOfFreedom, double CramersV)
{
    public override string ToString() => Name;
}

/// <summary>scipy.spatial.distance.jensenshannon(P, Q, base=LogBase).</summary>
internal sealed record JensenShannonCase(string Name, double[] P, double[] Q, double LogBase, double Distance)
{
    public override string ToString() => Name;
}

/// <summary>PSI evaluated with NumPy from the documented formula.</summary>
internal sealed record PsiCase(string Name, long[] Expected, long[] Actual, double Epsilon, double Psi)
{
    public override string ToString() => Name;
}

/// <summary>NumPy quadratic form and scipy.stats.chi2.sf for a mean-shift test.</summary>
internal sealed record MeanShiftCase(string Name, double[] Mean, double[] Precision, double[] WindowMean, long Count, double Statistic, double PValue, double Mahalanobis)
{
    public override string ToString() => Name;
}
