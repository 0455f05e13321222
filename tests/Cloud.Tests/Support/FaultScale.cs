using System.Globalization;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>
/// How big the fault tests run: the CI subset by default; the full runs of issue 7 when the
/// environment variable <c>EDGESENTINEL_FAULTS=full</c> is set (a bench command; see README).
/// The same test code runs either way — nothing is skipped.
/// </summary>
public static class FaultScale
{
    public const string Variable = "EDGESENTINEL_FAULTS";

    public static bool Full => string.Equals(Environment.GetEnvironmentVariable(Variable), "full", StringComparison.Ordinal);

    /// <summary><paramref name="ci"/> in CI, <paramref name="full"/> with <c>EDGESENTINEL_FAULTS=full</c>.</summary>
    public static int Pick(int ci, int full) => Full ? full : ci;

    public static string Describe(int value) => value.ToString(CultureInfo.InvariantCulture);
}
