namespace EdgeSentinel.Monitor.Statistics;

/// <summary>The outcome of a hypothesis test: its statistic and its p-value.</summary>
/// <param name="Statistic">The test statistic.</param>
/// <param name="PValue">The p-value in [0, 1].</param>
internal readonly record struct TestResult(double Statistic, double PValue);
