using EdgeSentinel.Monitor.Detection.Sequential;

namespace EdgeSentinel.Monitor.Tests.Detection.Sequential;

public sealed class TwoSidedCusumTests
{
    /// <summary>Siegmund's (1985) one-sided CUSUM ARL for N(μ,1) scores: (e^{−2Δb} + 2Δb − 1)/(2Δ²), Δ = μ − k, b = h + 1.166.</summary>
    private static double SiegmundOneSidedArl(double mean, double k, double h)
    {
        var delta = mean - k;
        var b = h + 1.166;
        return (Math.Exp(-2 * delta * b) + (2 * delta * b) - 1) / (2 * delta * delta);
    }

    private static (double Mean, double StandardError) SimulateRunLength(double h, double k, double shift, int runs, int seed, bool upperOnly)
    {
        var generator = new NullScoreGenerator(seed);
        var cusum = new TwoSidedCusum(h, k);
        double sum = 0, sumSquares = 0;
        for (var r = 0; r < runs; r++)
        {
            cusum.Reset();
            long t = 0;
            while (true)
            {
                t++;
                var alarm = cusum.Update(generator.NextGaussian() + shift);
                if (upperOnly ? cusum.Upper >= h : alarm)
                {
                    break;
                }
            }

            sum += t;
            sumSquares += (double)t * t;
        }

        var mean = sum / runs;
        var sd = Math.Sqrt((sumSquares - (runs * mean * mean)) / (runs - 1));
        return (mean, sd / Math.Sqrt(runs));
    }

    // Montgomery, Introduction to Statistical Quality Control (6th ed.), Table 9.3: two-sided tabular
    // CUSUM, k = 0.5: h = 4 gives ARL0 = 168 and ARL(1σ) = 8.38; h = 5 gives ARL0 = 465 and ARL(1σ) = 10.4.
    // Tolerance: 4 Monte Carlo standard errors plus half a unit of the table's last printed digit.
    [Theory]
    [InlineData(4.0, 0.0, 168.0, 0.5, 20_000)]
    [InlineData(5.0, 0.0, 465.0, 0.5, 20_000)]
    [InlineData(4.0, 1.0, 8.38, 0.005, 20_000)]
    [InlineData(5.0, 1.0, 10.4, 0.05, 20_000)]
    public void Update_StandardNormal_MatchesMontgomeryTwoSidedArl(double h, double shift, double expected, double rounding, int runs)
    {
        var (mean, standardError) = SimulateRunLength(h, 0.5, shift, runs, seed: 1000 + (int)(h * 10) + (int)shift, upperOnly: false);
        Assert.InRange(mean, expected - (4 * standardError) - rounding, expected + (4 * standardError) + rounding);
    }

    // Siegmund's approximation is within about 1% of the exact one-sided ARL here (exact, by the
    // integral equation in cusum_arl_reference.py: 335.4 for h = 4 and 930.9 for h = 5, against
    // Siegmund's 338.0 and 938.6).
    [Theory]
    [InlineData(4.0, 20_000)]
    [InlineData(5.0, 10_000)]
    public void Update_UpperSideOnly_MatchesSiegmundApproximation(double h, int runs)
    {
        var expected = SiegmundOneSidedArl(0, 0.5, h);
        var (mean, standardError) = SimulateRunLength(h, 0.5, 0, runs, seed: 2000 + (int)h, upperOnly: true);
        var tolerance = (4 * standardError) + (0.01 * expected);
        Assert.InRange(mean, expected - tolerance, expected + tolerance);
    }

    [Fact]
    public void Update_KnownSequence_FollowsTabularRecursion()
    {
        var cusum = new TwoSidedCusum(threshold: 2.0, allowance: 0.5);
        Assert.False(cusum.Update(1.5));   // C+ = 1.0, C- = 0
        Assert.Equal(1.0, cusum.Upper, 12);
        Assert.Equal(0.0, cusum.Lower, 12);
        Assert.False(cusum.Update(0.75));  // C+ = 1.25
        Assert.True(cusum.Update(1.25));   // C+ = 2.0 reaches h
        Assert.Equal(2.0, cusum.Statistic, 12);
        Assert.True(cusum.Update(-3.0));   // C+ = 0, C- = 2.5 reaches h
        Assert.Equal(2.5, cusum.Lower, 12);
        Assert.True(cusum.Statistic >= cusum.Threshold);
    }

    [Fact]
    public void Reset_AfterAlarm_ReturnsToZero()
    {
        var cusum = new TwoSidedCusum(1.0);
        Assert.True(cusum.Update(5.0));
        cusum.Reset();
        Assert.Equal(0.0, cusum.Upper);
        Assert.Equal(0.0, cusum.Lower);
        Assert.False(cusum.Update(1.0));
    }

    [Fact]
    public void Update_ManyScores_AllocatesNothing()
    {
        var cusum = new TwoSidedCusum(5.0);
        var scores = new NullScoreGenerator(3).Rows(10_000, 1, 0, false);
        var alarms = 0;
        cusum.Update(0.1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var z in scores)
        {
            alarms += cusum.Update(z) ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(alarms >= 0);
    }

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(-1.0, 0.5)]
    [InlineData(double.NaN, 0.5)]
    [InlineData(double.PositiveInfinity, 0.5)]
    [InlineData(4.0, -0.1)]
    [InlineData(4.0, double.NaN)]
    public void Constructor_InvalidParameters_Throws(double h, double k)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TwoSidedCusum(h, k));
    }
}
