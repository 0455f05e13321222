namespace EdgeSentinel.Monitor.Statistics;

/// <summary>How a two-sample Kolmogorov–Smirnov p-value is computed (as scipy.stats.ks_2samp's <c>method</c>).</summary>
internal enum KsPValueMethod
{
    /// <summary>Exact when both samples have at most 10 000 values, otherwise asymptotic.</summary>
    Auto = 0,

    /// <summary>Exact lattice-path count; falls back to asymptotic when not computable.</summary>
    Exact = 1,

    /// <summary>Smirnov's asymptotic: the one-sample distribution at the effective size round(mn/(m+n)).</summary>
    Asymptotic = 2,
}
