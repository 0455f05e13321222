using EdgeSentinel.Monitor.Detection.Sequential;

namespace EdgeSentinel.Monitor.Tests.Detection.Sequential;

public sealed class PageHinkleyTests
{
    [Fact]
    public void Update_RandomScores_MatchesTextbookMinMaxForm()
    {
        // Textbook form: U_T = Σ_{t≤T} (x_t − x̄_t − δ), PH⁺ = U_T − min_{t≤T} U_t (U_0 = 0);
        // L_T = Σ (x_t − x̄_t + δ), PH⁻ = max_{t≤T} L_t − L_T.
        const double delta = 0.3;
        var ph = new PageHinkley(threshold: 1e9, tolerance: delta);
        var generator = new NullScoreGenerator(11);
        double sum = 0, u = 0, l = 0, minU = 0, maxL = 0;
        for (var t = 1; t <= 2000; t++)
        {
            var x = generator.NextGaussian() + (t > 1000 ? 0.7 : 0.0);
            sum += x;
            var mean = sum / t;
            u += x - mean - delta;
            l += x - mean + delta;
            minU = Math.Min(minU, u);
            maxL = Math.Max(maxL, l);
            ph.Update(x);
            Assert.Equal(u - minU, ph.Upper, 1e-9);
            Assert.Equal(maxL - l, ph.Lower, 1e-9);
            Assert.Equal(mean, ph.Mean, 1e-12);
        }

        Assert.Equal(2000, ph.Count);
    }

    [Fact]
    public void Update_MeanIncrease_AlarmsOnUpperSide()
    {
        var ph = new PageHinkley(threshold: 10, tolerance: 0.5);
        var generator = new NullScoreGenerator(12);
        for (var t = 0; t < 500; t++)
        {
            ph.Update(0.2 * generator.NextGaussian());
        }

        var steps = 0;
        while (!ph.Update(2.0 + (0.2 * generator.NextGaussian())))
        {
            steps++;
            Assert.True(steps < 100);
        }

        Assert.True(ph.Upper >= 10);
        Assert.True(ph.Lower < 10);
    }

    [Fact]
    public void Reset_ForgetsRunningMean()
    {
        var ph = new PageHinkley(threshold: 5);
        for (var i = 0; i < 10; i++)
        {
            ph.Update(3.0);
        }

        ph.Reset();
        Assert.Equal(0, ph.Count);
        Assert.Equal(0.0, ph.Mean);
        Assert.Equal(0.0, ph.Statistic);
        ph.Update(-1.0);
        Assert.Equal(-1.0, ph.Mean);
        Assert.Equal(0.0, ph.Statistic);  // the first score is its own mean: no deviation
    }

    [Fact]
    public void Update_ManyScores_AllocatesNothing()
    {
        var ph = new PageHinkley(8.0);
        var scores = new NullScoreGenerator(3).Rows(10_000, 1, 0, false);
        ph.Update(0.1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var alarms = 0;
        foreach (var z in scores)
        {
            alarms += ph.Update(z) ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(alarms >= 0);
    }

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(double.NaN, 0.5)]
    [InlineData(3.0, -1.0)]
    public void Constructor_InvalidParameters_Throws(double threshold, double tolerance)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PageHinkley(threshold, tolerance));
    }
}
