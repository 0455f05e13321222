namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>
/// The Kolmogorov–Smirnov distance between two channel summaries computed from their quantile
/// sketches, with its error bound and an asymptotic p-value.
/// </summary>
/// <param name="Statistic">KS distance between the two sketched distributions.</param>
/// <param name="ErrorBound">
/// |Statistic − exact KS of the raw values| ≤ ErrorBound = the sum of the two sketches' normalized
/// rank error bounds (each holds with probability ≥ 99%).
/// </param>
/// <param name="PValue">Asymptotic two-sample p-value at the sketches' counts, ignoring the sketch error.</param>
/// <param name="ConservativePValue">The same p-value for max(0, Statistic − ErrorBound): use it to decide.</param>
public sealed record SketchComparison(double Statistic, double ErrorBound, double PValue, double ConservativePValue);
