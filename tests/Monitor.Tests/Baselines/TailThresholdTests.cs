using EdgeSentinel.Monitor.Baselines;

namespace EdgeSentinel.Monitor.Tests.Baselines;

/// <summary>
/// The activation-anomaly threshold (<see cref="TailThreshold"/>) on samples whose tail quantile is known in closed form.
/// </summary>
public sealed class TailThresholdTests
{
    private static double[] Exponential(int n, int seed)
    {
        var random = new Random(seed);
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = -Math.Log(1 - random.NextDouble());
        }

        return x;
    }

    [Fact]
    public void Estimate_ExponentialSample_RateBelowTheSample_ExtrapolatesToTheExactQuantile()
    {
        // 300,000 held-out values (the demo baselines' count) at 1e-6 per sample: 0.3 expected exceedances, so the
        // exponential tail over the top 5% is extrapolated. For Exp(1) the quantile exceeded with probability r is
        // −ln r exactly: 13.8155 at 1e-6. The fit (u = 95% quantile ≈ ln 20, β = mean excess ≈ 1 with a relative
        // standard error of 1/√15000 ≈ 0.8%, times ln(0.05/1e-6) = 10.8) lands within ±0.3 of it.
        var threshold = TailThreshold.Estimate(Exponential(300_000, 3), 1e-6, out var method);

        Assert.Equal("exponential-tail", method);
        Assert.InRange(threshold, -Math.Log(1e-6) - 0.3, -Math.Log(1e-6) + 0.3);
    }

    [Fact]
    public void Estimate_ExponentialSample_RateWithEnoughExceedances_IsTheEmpiricalQuantile()
    {
        // 300,000 x 1e-4 = 30 expected exceedances (at least 20): the empirical quantile, −ln 1e-4 = 9.2103 for Exp(1),
        // within its sampling error (the 30th largest of 300,000: about ±1/√30 ≈ ±0.18 on the log scale).
        var threshold = TailThreshold.Estimate(Exponential(300_000, 4), 1e-4, out var method);

        Assert.Equal("empirical-quantile", method);
        Assert.InRange(threshold, -Math.Log(1e-4) - 0.4, -Math.Log(1e-4) + 0.4);
    }

    [Fact]
    public void Estimate_Empty_Throws() =>
        Assert.Throws<ArgumentException>(() => TailThreshold.Estimate([], 1e-6, out _));
}
