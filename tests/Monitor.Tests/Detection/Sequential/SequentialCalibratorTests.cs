using System.Globalization;
using EdgeSentinel.Monitor.Detection.Sequential;
using Xunit.Abstractions;

namespace EdgeSentinel.Monitor.Tests.Detection.Sequential;

public sealed class SequentialCalibratorTests
{
    private const int HeldOutRows = 20_000;
    private const double Correlation = 0.5;
    private readonly ITestOutputHelper _output;

    public SequentialCalibratorTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <summary>Mean rows to the bank's first alarm on fresh null rows, with its standard error.</summary>
    private static (double Mean, double StandardError) MeasureArl(SequentialDetectorBank bank, NullScoreGenerator fresh, bool heavyTailed, int runs)
    {
        var row = new double[bank.StreamCount];
        double sum = 0, sumSquares = 0;
        for (var r = 0; r < runs; r++)
        {
            bank.Reset();
            long t = 0;
            do
            {
                fresh.FillRow(row, Correlation, heavyTailed);
                t++;
            }
            while (bank.Update(row) < 0);

            sum += t;
            sumSquares += (double)t * t;
        }

        var mean = sum / runs;
        return (mean, Math.Sqrt((sumSquares - (runs * mean * mean)) / (runs - 1) / runs));
    }

    private void Report(string label, SequentialCalibration c) => _output.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"{label}: {c.Kind} param={c.ShiftParameter} threshold={c.Threshold:G6} (stat {c.StatisticThreshold:G6}) target={c.TargetArl:G4} est={c.EstimatedArl:G5}±{c.EstimatedArlStandardError:G3} {c.Method} fit=({c.FitSlope:G4},{c.FitIntercept:G4}) runs={c.SimulatedRuns} scores={c.SimulatedScores}"));

    // Acceptance: for a requested ARL of 10^4 under no drift, the mean run length measured on fresh
    // null data (independent seed, 500 runs: standard error ≈ 4.5%) is within ±25% of the target.
    [Theory]
    [InlineData(SequentialDetectorKind.Cusum, 1, false)]
    [InlineData(SequentialDetectorKind.Cusum, 1, true)]
    [InlineData(SequentialDetectorKind.Cusum, 5, false)]
    [InlineData(SequentialDetectorKind.Cusum, 5, true)]
    [InlineData(SequentialDetectorKind.PageHinkley, 5, true)]
    [InlineData(SequentialDetectorKind.ShiryaevRoberts, 5, true)]
    public void Calibrate_TargetArl1e4_FreshNullRunLengthWithin25Percent(SequentialDetectorKind kind, int streams, bool heavyTailed)
    {
        const double target = 1e4;
        var heldOut = new NullScoreGenerator(100 + streams).Rows(HeldOutRows, streams, Correlation, heavyTailed);
        var calibration = SequentialCalibrator.Calibrate(kind, heldOut, streams, target, seed: 7);
        Report($"{streams} stream(s), heavy={heavyTailed}", calibration);
        Assert.Equal(SequentialCalibration.DirectMethod, calibration.Method);
        Assert.InRange(calibration.EstimatedArlStandardError / calibration.EstimatedArl, 0, 0.06);

        var (measured, standardError) = MeasureArl(new SequentialDetectorBank(calibration), new NullScoreGenerator(9_000 + streams), heavyTailed, runs: 500);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"measured ARL on fresh null data: {measured:F0} ± {standardError:F0} (ratio {measured / target:F3})"));
        Assert.InRange(measured / target, 0.75, 1.25);
    }

    // A 1σ mean shift after ν null samples (ν = 100 unless stated), thresholds calibrated at ARL 10^4. Lorden's bound
    // ln(10^4)/KL with KL = 1/2 is 18.4 samples; it bounds the worst-case delay asymptotically,
    // so a measured mean delay cannot be far below it, and CUSUM (optimal) stays within 2x of it.
    // Page–Hinkley's running mean absorbs the shift (after d post-change samples x̄ has moved by
    // about d/(ν + d)), so its delay depends on the change point ν: only the lower bound holds for
    // an early change; after a long history it behaves like CUSUM.
    [Theory]
    [InlineData(SequentialDetectorKind.Cusum, 100, 2.0)]
    [InlineData(SequentialDetectorKind.ShiryaevRoberts, 100, 2.0)]
    [InlineData(SequentialDetectorKind.PageHinkley, 100, double.PositiveInfinity)]
    [InlineData(SequentialDetectorKind.PageHinkley, 2_000, 2.0)]
    public void Calibrate_OneSigmaShift_DelayNearLordenBound(SequentialDetectorKind kind, int changePoint, double maxRatio)
    {
        const double target = 1e4;
        const int runs = 2_000;
        var heldOut = new NullScoreGenerator(200).Rows(HeldOutRows, 1, 0, false);
        var calibration = SequentialCalibrator.Calibrate(kind, heldOut, 1, target, seed: 8);
        var bank = new SequentialDetectorBank(calibration);
        var fresh = new NullScoreGenerator(201);
        var row = new double[1];
        double sum = 0;
        var falseAlarms = 0;
        for (var r = 0; r < runs; r++)
        {
            bank.Reset();
            var restarted = false;
            for (var t = 0; t < changePoint && !restarted; t++)
            {
                row[0] = fresh.NextGaussian();
                restarted = bank.Update(row) >= 0;
            }

            if (restarted)
            {
                falseAlarms++;
                r--;
                continue;
            }

            var delay = 0;
            do
            {
                row[0] = fresh.NextGaussian() + 1.0;
                delay++;
            }
            while (bank.Update(row) < 0);
            sum += delay;
        }

        var meanDelay = sum / runs;
        var bound = DetectionDelayBound.LordenMinimumDelay(target, DetectionDelayBound.GaussianMeanShiftKl(1.0));
        Report(kind.ToString(), calibration);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mean delay {meanDelay:F2} samples vs Lorden bound {bound:F2} (ratio {meanDelay / bound:F3}); false alarms before the change: {falseAlarms}"));
        Assert.InRange(meanDelay / bound, 0.8, maxRatio);
    }

    [Fact]
    public void Calibrate_TargetArl1e6_ExtrapolatedConsistentWithDirect1e4()
    {
        const int streams = 5;
        var heldOut = new NullScoreGenerator(300).Rows(10_000, streams, Correlation, false);
        var direct = SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, heldOut, streams, 1e4, seed: 11);
        var extrapolated = SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, heldOut, streams, 1e6, seed: 11);
        Report("direct 1e4", direct);
        Report("extrapolated 1e6", extrapolated);
        Assert.Equal(SequentialCalibration.DirectMethod, direct.Method);
        Assert.Equal(SequentialCalibration.ExtrapolatedMethod, extrapolated.Method);
        Assert.True(extrapolated.Threshold > direct.Threshold);
        Assert.InRange(extrapolated.FitMinArl, 250, 400);
        Assert.True(extrapolated.FitMaxArl > 1e4);
        var predicted = extrapolated.PredictedArl(direct.StatisticThreshold);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fit predicts ARL {predicted:F0} at the direct 1e4 threshold"));
        Assert.InRange(predicted / 1e4, 0.75, 1.25);
    }

    // Independent check of the extrapolation: for one N(0,1) stream, Siegmund's approximation of the
    // two-sided CUSUM ARL (1/ARL = 2/ARL⁺, accurate to about 1% here) at the extrapolated threshold.
    [Fact]
    public void Calibrate_TargetArl1e6SingleGaussianStream_MatchesSiegmundWithin25Percent()
    {
        var heldOut = new NullScoreGenerator(301).Rows(HeldOutRows, 1, 0, false);
        var calibration = SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, heldOut, 1, 1e6, seed: 12);
        Report("extrapolated 1e6", calibration);
        Assert.Equal(SequentialCalibration.ExtrapolatedMethod, calibration.Method);
        var b = calibration.Threshold + 1.166;
        var oneSided = (Math.Exp(b) - b - 1) / 0.5;
        var twoSided = oneSided / 2;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Siegmund ARL at h={calibration.Threshold:F3}: {twoSided:F0}"));
        Assert.InRange(twoSided / 1e6, 0.75, 1.25);
    }

    [Fact]
    public void Calibrate_SameSeed_IsReproducible()
    {
        var heldOut = new NullScoreGenerator(400).Rows(5_000, 3, Correlation, true);
        var options = new SequentialCalibrationOptions { BlockLength = 8 };
        var first = SequentialCalibrator.Calibrate(SequentialDetectorKind.ShiryaevRoberts, heldOut, 3, 2_000, seed: 13, options);
        var second = SequentialCalibrator.Calibrate(SequentialDetectorKind.ShiryaevRoberts, heldOut, 3, 2_000, seed: 13, options);
        var other = SequentialCalibrator.Calibrate(SequentialDetectorKind.ShiryaevRoberts, heldOut, 3, 2_000, seed: 14, options);
        Assert.Equal(first, second);
        Assert.NotEqual(first.Threshold, other.Threshold);
        Assert.Equal(8, first.BlockLength);
    }

    // Autocorrelated scores (AR(1), φ = 0.6) alarm more often than i.i.d. ones at the same threshold:
    // a block bootstrap keeps that, resampling single rows does not.
    [Fact]
    public void Calibrate_AutocorrelatedScoresWithBlocks_GivesHigherThresholdThanIid()
    {
        var generator = new NullScoreGenerator(500);
        var scores = new double[HeldOutRows];
        var previous = 0.0;
        for (var i = 0; i < scores.Length; i++)
        {
            previous = (0.6 * previous) + (0.8 * generator.NextGaussian());
            scores[i] = previous;
        }

        var iid = SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, scores, 1, 1_000, seed: 15);
        var blocks = SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, scores, 1, 1_000, seed: 15, new SequentialCalibrationOptions { BlockLength = 50 });
        Report("iid", iid);
        Report("blocks", blocks);
        Assert.True(blocks.Threshold > iid.Threshold + 1.0);
    }

    [Fact]
    public void Calibrate_InvalidInputs_Throw()
    {
        var scores = new double[200];
        Assert.Throws<ArgumentOutOfRangeException>(() => SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, scores, 1, 5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, scores, 0, 100, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SequentialCalibrator.Calibrate((SequentialDetectorKind)5, scores, 1, 100, 1));
        Assert.Throws<ArgumentException>(() => SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, scores, 3, 100, 1));
        Assert.Throws<ArgumentException>(() => SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, ReadOnlySpan<double>.Empty, 1, 100, 1));
        scores[57] = double.NaN;
        var error = Assert.Throws<ArgumentException>(() => SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, scores, 2, 100, 1));
        Assert.Contains("row 28, stream 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calibrate_BudgetTooSmallForExtrapolation_ThrowsWithAdvice()
    {
        var heldOut = new NullScoreGenerator(600).Rows(1_000, 25, Correlation, false);
        var options = new SequentialCalibrationOptions { MaxSimulatedScores = 2_000_000 };
        var error = Assert.Throws<InvalidOperationException>(() => SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, heldOut, 25, 1e6, 1, options));
        Assert.Contains("MaxSimulatedScores", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calibrate_ConstantScores_StopsAtBudgetWithExplanation()
    {
        var heldOut = new double[1_000];
        var options = new SequentialCalibrationOptions { MaxSimulatedScores = 1_000_000 };
        var error = Assert.Throws<InvalidOperationException>(() => SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, heldOut, 1, 100, 1, options));
        Assert.Contains("held-out scores vary", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralBadOptions_ListsThemAll()
    {
        var options = new SequentialCalibrationOptions { BlockLength = 0, RelativeStandardError = 2, ShiryaevRobertsShift = 0, ExtrapolationPoints = 1 };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        foreach (var name in new[] { "BlockLength", "RelativeStandardError", "ShiryaevRobertsShift", "ExtrapolationPoints" })
        {
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }

        new SequentialCalibrationOptions().Validate();
    }
}
