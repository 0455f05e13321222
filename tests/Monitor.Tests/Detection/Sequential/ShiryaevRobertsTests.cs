using EdgeSentinel.Monitor.Detection.Sequential;

namespace EdgeSentinel.Monitor.Tests.Detection.Sequential;

public sealed class ShiryaevRobertsTests
{
    [Fact]
    public void Update_RandomScores_MatchesLinearSpaceRecursion()
    {
        const double delta = 0.8;
        const double a = 50.0;
        var sr = new ShiryaevRoberts(threshold: a, shift: delta);
        var generator = new NullScoreGenerator(21);
        double up = 0, down = 0;
        for (var t = 0; t < 3000; t++)
        {
            var z = generator.NextGaussian();
            up = (1 + up) * Math.Exp((delta * z) - (delta * delta / 2));
            down = (1 + down) * Math.Exp((-delta * z) - (delta * delta / 2));
            var alarm = sr.Update(z);
            Assert.Equal(up, sr.UpperR, up * 1e-9 + 1e-12);
            Assert.Equal(down, sr.LowerR, down * 1e-9 + 1e-12);
            Assert.Equal(up >= a || down >= a, alarm);
            if (alarm)
            {
                sr.Reset();
                up = 0;
                down = 0;
            }
        }
    }

    // Under no change Rₙ − n is a martingale with R₀ = 0 (Pollak 1985), so E[Rₙ] = n for each side.
    [Fact]
    public void Update_NoChange_MeanOfRIsNumberOfSamples()
    {
        const int n = 20;
        const int paths = 20_000;
        var generator = new NullScoreGenerator(22);
        var sr = new ShiryaevRoberts(threshold: 1e300, shift: 0.5);
        double sum = 0, sumSquares = 0;
        for (var p = 0; p < paths; p++)
        {
            sr.Reset();
            for (var t = 0; t < n; t++)
            {
                sr.Update(generator.NextGaussian());
            }

            sum += sr.UpperR;
            sumSquares += sr.UpperR * sr.UpperR;
        }

        var mean = sum / paths;
        var standardError = Math.Sqrt((sumSquares - (paths * mean * mean)) / (paths - 1) / paths);
        Assert.InRange(mean, n - (4 * standardError), n + (4 * standardError));
    }

    [Fact]
    public void Update_LongSustainedShift_StatisticStaysFinite()
    {
        var sr = new ShiryaevRoberts(threshold: 1e6, shift: 1.0);
        for (var t = 0; t < 100_000; t++)
        {
            Assert.True(sr.Update(5.0) || t < 5);
        }

        Assert.True(double.IsFinite(sr.Statistic));
        Assert.True(sr.Statistic > 100_000);  // ln R grows by δz − δ²/2 = 4.5 per sample; R itself overflows a double
        Assert.Equal(double.PositiveInfinity, sr.UpperR);
    }

    [Fact]
    public void Reset_AfterAlarm_ReturnsToZero()
    {
        var sr = new ShiryaevRoberts(threshold: 10);
        Assert.True(sr.Update(5));
        sr.Reset();
        Assert.Equal(0.0, sr.Statistic);
        Assert.Equal(0.0, sr.UpperR);
        Assert.False(sr.Update(0));
    }

    [Fact]
    public void Update_ManyScores_AllocatesNothing()
    {
        var sr = new ShiryaevRoberts(1000.0);
        var scores = new NullScoreGenerator(3).Rows(10_000, 1, 0, false);
        sr.Update(0.1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var alarms = 0;
        foreach (var z in scores)
        {
            alarms += sr.Update(z) ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(alarms >= 0);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(double.PositiveInfinity, 1.0)]
    [InlineData(100.0, 0.0)]
    [InlineData(100.0, double.NaN)]
    public void Constructor_InvalidParameters_Throws(double threshold, double shift)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShiryaevRoberts(threshold, shift));
    }
}
