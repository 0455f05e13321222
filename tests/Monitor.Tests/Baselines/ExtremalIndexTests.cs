using EdgeSentinel.Monitor.Baselines;

namespace EdgeSentinel.Monitor.Tests.Baselines;

/// <summary>
/// Runs declustering and the episode-onset thresholds on processes whose extremal index is known
/// analytically: the moving maximum X_t = max(Z_t, Z_{t−1}) of i.i.d. Z has θ = 1/2 (each large Z
/// shows in two consecutive X), and a sequence whose every value is repeated k times has θ = 1/k.
/// </summary>
public sealed class ExtremalIndexTests
{
    private const int RunLength = 50;

    /// <summary>X_t = max(Z_t, Z_{t−1}), Z i.i.d. standard exponential.</summary>
    private static double[] MovingMaximum(int n, int seed)
    {
        var random = new Random(seed);
        var x = new double[n];
        var previous = -Math.Log(1 - random.NextDouble());
        for (var t = 0; t < n; t++)
        {
            var z = -Math.Log(1 - random.NextDouble());
            x[t] = Math.Max(z, previous);
            previous = z;
        }

        return x;
    }

    /// <summary>Pareto(α = 2) values, each repeated <paramref name="k"/> times in a row.</summary>
    private static double[] RepeatedPareto(int n, int k, int seed)
    {
        var random = new Random(seed);
        var x = new double[n];
        for (var t = 0; t < n; t += k)
        {
            var v = 1 / Math.Sqrt(1 - random.NextDouble());
            for (var j = t; j < Math.Min(n, t + k); j++)
            {
                x[j] = v;
            }
        }

        return x;
    }

    [Fact]
    public void Count_HandMadeSeries_OnsetsNeedRunLengthQuietSamplesBefore()
    {
        // Exceedances (> 1) at 0, 1, 4, 8, 9: with R = 2, 4 has 2 quiet samples before (2, 3) → onset;
        // 8 has 3 (5, 6, 7) → onset; 1 and 9 follow an exceedance → not. With R = 3, 4 is no onset (only 2 quiet).
        double[] series = [5, 5, 0, 0, 5, 0, 0, 0, 5, 5];

        Assert.Equal((5, 3), ExtremalIndex.Count(series, 1, 2));
        Assert.Equal((5, 2), ExtremalIndex.Count(series, 1, 3));
        Assert.Equal((5, 5), ExtremalIndex.Count(series, 1, 0));
    }

    [Fact]
    public void Estimate_MovingMaximum_RecoversThetaOneHalf()
    {
        var theta = ExtremalIndex.Estimate(MovingMaximum(200_000, 7), RunLength, out _);

        Assert.InRange(theta, 0.45, 0.55);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void Estimate_EachValueRepeatedKTimes_RecoversOneOverK(int k)
    {
        var theta = ExtremalIndex.Estimate(RepeatedPareto(300_000, k, 11), RunLength, out _);

        Assert.InRange(theta, 0.9 / k, 1.05 / k);
    }

    [Theory]
    [InlineData(40_000, 0.80, 0.95)] // level 1 in 400: chance overlap within 50 is 1 − 0.9975^50 ≈ 0.12, divided out
    [InlineData(1_200, 0.0, 1.0)]    // level 1 in 20: q·R = 2.5, clusters cannot be told from chance; θ is taken as 1
    public void Estimate_IndependentValues_ChanceOverlapsWithinTheRunLengthGiveNoCredit(int n, double uncorrectedLow, double uncorrectedHigh)
    {
        // θ of independent values is 1; uncorrected, onsets / exceedances at the level is below it.
        var random = new Random(17);
        var z = new double[n];
        for (var i = 0; i < z.Length; i++)
        {
            z[i] = -Math.Log(1 - random.NextDouble());
        }

        var theta = ExtremalIndex.Estimate(z, RunLength, out var level);
        var (exceedances, onsets) = ExtremalIndex.Count(z, level, RunLength);

        Assert.InRange((double)onsets / exceedances, uncorrectedLow, uncorrectedHigh);
        Assert.InRange(theta, 0.9, 1.0);
    }

    [Fact]
    public void Estimate_RunLengthZero_IsOne()
    {
        Assert.Equal(1.0, ExtremalIndex.Estimate(MovingMaximum(10_000, 3), 0, out _));
    }

    [Fact]
    public void OnsetThreshold_MovingMaximum_MatchesTheAnalyticLevelAndFreshOnsetRate()
    {
        // Onsets of X above u are (up to merges within R) the exceedances of Z: P(Z > u) = e^−u = rate → u = ln(1/rate).
        // With θ ignored the threshold would sit where X itself exceeds at the rate: 2e^−u − e^−2u = rate → u ≈ ln(2/rate).
        const double rate = 2e-4;
        var calibration = MovingMaximum(1_000_000, 21);
        var threshold = ExtremalIndex.OnsetThreshold(calibration, rate, RunLength, out var theta, out var method);

        Assert.Equal("empirical-quantile", method);
        Assert.InRange(theta, 0.45, 0.55);
        Assert.InRange(threshold, Math.Log(1 / rate) - 0.15, Math.Log(1 / rate) + 0.15);

        // Fresh data from the same process: the onset rate is near the target (expected 400 onsets, Poisson sd 20).
        var fresh = MovingMaximum(2_000_000, 22);
        var (_, onsets) = ExtremalIndex.Count(fresh, threshold, RunLength);
        Assert.InRange(onsets / (double)fresh.Length / rate, 0.8, 1.25);

        // The same bound fails when θ is forced to 1 (a per-row threshold): about half the target.
        var perRow = TailThreshold.Estimate(calibration, rate, out _);
        var (_, perRowOnsets) = ExtremalIndex.Count(fresh, perRow, RunLength);
        Assert.InRange(perRowOnsets / (double)fresh.Length / rate, 0.35, 0.65);
    }

    [Fact]
    public void OnsetThreshold_IndependentValues_IsThePerRowQuantile()
    {
        // θ = 1: the onset threshold is the ordinary rate quantile (exponential: ln(1/rate)).
        var random = new Random(5);
        var z = new double[400_000];
        for (var i = 0; i < z.Length; i++)
        {
            z[i] = -Math.Log(1 - random.NextDouble());
        }

        var threshold = ExtremalIndex.OnsetThreshold(z, 1e-3, RunLength, out var theta, out _);

        Assert.InRange(theta, 0.9, 1.0);
        Assert.InRange(threshold, Math.Log(1e3) - 0.15, Math.Log(1e3) + 0.15);
    }
}
