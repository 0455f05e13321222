using EdgeSentinel.Monitor.Detection.Sequential;
using Xunit.Abstractions;

namespace EdgeSentinel.Monitor.Tests.Detection.Sequential;

/// <summary>
/// The block-maxima (Gumbel) floor of <see cref="SequentialCalibrator"/>: data that comes in regimes (missions) alarms by the
/// regime, and the largest statistic of R recorded regimes is only their 1-in-R level, while the target ARL asks for
/// 1 in ARL / length.
/// </summary>
public sealed class SequentialCalibratorRegimeFloorTests(ITestOutputHelper output)
{
    private const int Block = 200;

    // Reference: a Gumbel(50, 8) sample from SciPy (stats.gumbel_r.rvs(loc=50, scale=8, size=30, random_state=default_rng(20261124)),
    // rounded to 4 decimals). Peaks over threshold with k = max(10, 30/5) = 10: u = 11th largest = 59.6097, σ = mean excess of
    // the top 10 = 6.39734; levels from stats.genpareto.ppf(1 − p·n/k, c=0, loc=u, scale=σ).
    private static readonly double[] Sample =
    [
        75.7365, 76.2378, 44.1675, 49.4824, 54.7306, 59.7617, 61.7555, 51.1146, 59.6097, 57.1352, 69.134, 52.0655, 39.0996, 64.472, 50.079,
        63.2849, 63.8002, 43.1976, 51.1282, 43.6784, 52.0477, 44.6014, 66.0337, 48.044, 56.3334, 46.9886, 56.8578, 42.1334, 59.8541, 45.7286,
    ];

    [Fact]
    public void TailQuantile_MatchesScipyExponentialPeaksOverThreshold()
    {
        Assert.Equal(96.77276281765555, SequentialCalibrator.TailQuantile([.. Sample], 1e-3), 9);
        Assert.Equal(71.74622156410985, SequentialCalibrator.TailQuantile([.. Sample], 0.05), 9);
        Assert.Equal(59.6097, SequentialCalibrator.TailQuantile([.. Sample], 0.5), 12); // within the fitted share: the tail's base
    }

    [Fact]
    public void TailQuantile_LargeGumbelSample_RecoversTheOneInAThousandLevel()
    {
        // Gumbel(10, 2) by inversion: x = μ − β ln(−ln U); its excesses are asymptotically exponential with mean β.
        // True 1e-3 exceedance level: 10 − 2 ln(−ln 0.999) = 23.8148.
        var random = new Random(7);
        var sample = new List<double>();
        for (var i = 0; i < 5000; i++)
        {
            sample.Add(10 - (2 * Math.Log(-Math.Log(1 - random.NextDouble()))));
        }

        Assert.InRange(SequentialCalibrator.TailQuantile(sample, 1e-3), 23.8148 * 0.95, 23.8148 * 1.05);
    }

    [Fact]
    public void Calibrate_RegimeData_BlockMaximaFloorHoldsTheTargetWhereTheRecordedMaximumDoesNot()
    {
        // Scores in regimes of 200 rows, each with its own mean offset δ ~ N(0, 0.3²) (a mission unlike the others), plus
        // N(0, 1) noise. 100 regimes recorded (20,000 rows); target ARL 200,000 rows, so a regime may exceed the threshold with
        // probability 200 / 200,000 = 1e-3. The i.i.d. bootstrap (block length 1) cannot see the regimes.
        var (withMaxima, maximumOnly, overWithMaxima, overMaximumOnly) = CalibrateWithAndWithoutBlockMaxima(recordedSeed: 11, recorded: 100, heldOut: 20, freshSeed: 99);
        output.WriteLine($"threshold with block maxima {withMaxima:F2}: {overWithMaxima} of 20000 regimes over; recorded maximum only {maximumOnly:F2}: {overMaximumOnly}");

        Assert.InRange(overWithMaxima, 0, 40);
        Assert.True(overMaximumOnly > 40, $"the recorded maximum alone should miss the target here ({overMaximumOnly} of 20000 over)");
        Assert.True(withMaxima > maximumOnly);
    }

    [Fact]
    public void Calibrate_AsManyRegimesAsTheTargetAsksFor_BlockMaximaFloorStillApplies()
    {
        // 1000 regimes recorded (200,000 rows) for a target ARL of 200,000 rows: the recorded rows are more than a tenth of the
        // target, so the recorded maximum is no floor (the clean rows are expected to alarm about once); the block maxima still
        // pin the 1-in-1000-regimes level, which the bootstrap (block length 1) does not see at all.
        var (withMaxima, bootstrapOnly, overWithMaxima, overBootstrapOnly) = CalibrateWithAndWithoutBlockMaxima(recordedSeed: 12, recorded: 1000, heldOut: 300, freshSeed: 98);
        output.WriteLine($"threshold with block maxima {withMaxima:F2}: {overWithMaxima} of 20000 regimes over; bootstrap only {bootstrapOnly:F2}: {overBootstrapOnly}");

        Assert.InRange(overWithMaxima, 0, 40);
        Assert.True(overBootstrapOnly > 40, $"the bootstrap alone should miss the target here ({overBootstrapOnly} of 20000 over)");
    }

    [Fact]
    public void Validate_NegativeBlockMaximaLength_Listed()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new SequentialCalibrationOptions { BlockMaximaLength = -1 }.Validate());
        Assert.Contains("BlockMaximaLength = -1", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Calibrates a one-stream CUSUM for ARL 200,000 on <paramref name="recorded"/> regimes (the first <paramref name="heldOut"/> held out,
    /// the rest as the recorded training stretch) with and without the block-maxima floor (the recorded-maximum floor on in both), and
    /// counts how many of 20,000 fresh regimes reach each threshold (expected at the target: 20; twice the target: 40).
    /// </summary>
    private static (double WithMaxima, double Without, int OverWithMaxima, int OverWithout) CalibrateWithAndWithoutBlockMaxima(int recordedSeed, int recorded, int heldOut, int freshSeed)
    {
        var scores = Regimes(recordedSeed, recorded);
        var held = scores.AsSpan(0, heldOut * Block).ToArray();
        var training = scores.AsMemory(heldOut * Block);
        var withMaxima = SequentialCalibrator.Calibrate(
            SequentialDetectorKind.Cusum, held, 1, 200_000, seed: 3, new SequentialCalibrationOptions { FloorAtRecordedMaximum = true, BlockMaximaLength = Block }, training);
        var without = SequentialCalibrator.Calibrate(
            SequentialDetectorKind.Cusum, held, 1, 200_000, seed: 3, new SequentialCalibrationOptions { FloorAtRecordedMaximum = true }, training);
        var fresh = new List<double>();
        SequentialCalibrator.BlockMaxima(SequentialDetectorKind.Cusum, withMaxima.ShiftParameter, withMaxima.ScoreClip, Regimes(freshSeed, 20_000), 1, Block, fresh);
        return (withMaxima.StatisticThreshold, without.StatisticThreshold,
            fresh.Count(m => m >= withMaxima.StatisticThreshold), fresh.Count(m => m >= without.StatisticThreshold));
    }

    private static double[] Regimes(int seed, int count)
    {
        var random = new NullScoreGenerator(seed);
        var scores = new double[count * Block];
        for (var b = 0; b < count; b++)
        {
            var offset = 0.3 * random.NextGaussian();
            for (var r = 0; r < Block; r++)
            {
                scores[(b * Block) + r] = offset + random.NextGaussian();
            }
        }

        return scores;
    }
}
