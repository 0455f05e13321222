namespace EdgeSentinel.Monitor.Tests.Statistics;

/// <summary>Tolerance assertions that report the case, the values and the error.</summary>
internal static class NumericAssert
{
    /// <summary>|actual − expected| ≤ absolute + relative·|expected| (exact equality also passes, including ±∞).</summary>
    public static void Close(double expected, double actual, double absolute, double relative, string what)
    {
        if (expected.Equals(actual))
        {
            return;
        }

        double error = Math.Abs(actual - expected);
        double allowed = absolute + (relative * Math.Abs(expected));
        Assert.True(
            error <= allowed,
            $"{what}: expected {expected:R}, got {actual:R}, |error| = {error:R} > allowed {allowed:R}");
    }
}
