using EdgeSentinel.Monitor.Detection.Sequential;
using Xunit.Abstractions;

namespace EdgeSentinel.Monitor.Tests.Detection.Sequential;

/// <summary>
/// Thresholds by group of streams (<see cref="SequentialStreamGroups"/>): a bank of four quiet i.i.d. N(0, 1) streams and two
/// wandering ones (each block of 200 rows has its own mean, N(0, 0.8²), plus N(0, 1) noise), as the demo robot's acceleration
/// channel sits beside its wall-following range channels.
/// </summary>
public sealed class SequentialStreamGroupsTests(ITestOutputHelper output)
{
    private const int Block = 200;
    private const int Streams = 6;
    private const double TargetArl = 100_000;
    private static readonly int[] Quiet = [0, 1, 2, 3];

    private static readonly Lazy<(SequentialStreamGroups.Result Grouped, SequentialCalibration Single)> Calibrations = new(() =>
    {
        // 600 recorded blocks (120,000 rows): the first 200 held out, the rest the training stretch, as the baseline builder splits them.
        var scores = Rows(new NullScoreGenerator(31), 600 * Block);
        var heldOut = scores.AsSpan(0, 200 * Block * Streams).ToArray();
        var training = scores.AsMemory(200 * Block * Streams);
        var options = new SequentialCalibrationOptions { BlockLength = Block, FloorAtRecordedMaximum = true, BlockMaximaLength = Block };
        var grouped = SequentialStreamGroups.Calibrate(SequentialDetectorKind.Cusum, heldOut, Streams, TargetArl, seed: 5, options, separation: 4, training);
        var single = SequentialStreamGroups.Calibrate(SequentialDetectorKind.Cusum, heldOut, Streams, TargetArl, seed: 5, options, separation: double.PositiveInfinity, training);
        return (grouped, single.Calibration);
    });

    [Fact]
    public void Split_GroupsByLevelHighestFirst()
    {
        // 400 takes everything down to 100: 300. Next 90 down to 22.5: 50. Next 12 down to 3: 10 and 5.
        var groups = SequentialStreamGroups.Split([400, 10, 300, 90, 12, 50, 5], separation: 4);
        Assert.Equal([[0, 2], [3, 5], [1, 4, 6]], groups);
    }

    [Fact]
    public void Split_AtMostFourGroups_TheLastTakesTheRest()
    {
        var groups = SequentialStreamGroups.Split([1000, 200, 40, 8, 1.5], separation: 4);
        Assert.Equal([[0], [1], [2], [3, 4]], groups);
        Assert.Single(SequentialStreamGroups.Split([10, 9, 8, 3], separation: 4));
    }

    [Fact]
    public void Split_PinnedStreams_JoinTheFirstGroupWhateverTheirLevel()
    {
        // Stream 1 (level 10) and stream 6 (level 5) are pinned: they join 400's group; the free streams split as before.
        var groups = SequentialStreamGroups.Split([400, 10, 300, 90, 12, 50, 5], separation: 4, pinned: new HashSet<int> { 1, 6 });
        Assert.Equal([[0, 1, 2, 6], [3, 5], [4]], groups);

        // Everything pinned: one group.
        Assert.Single(SequentialStreamGroups.Split([400, 10, 1], separation: 4, pinned: new HashSet<int> { 0, 1, 2 }));
    }

    [Fact]
    public void BlockDispersion_IidStreamsNearOne_BlockOffsetsNearOnePlusBlockTimesTheirVarianceRatio()
    {
        // One-way ANOVA: with block offsets of variance s_b² over noise of variance 1, E[F] = 1 + Block·s_b² = 1 + 200·0.64 = 129.
        // Under one common mean F ~ F(blocks − 1, many) and 600 blocks put the 0.1% point at 1 + 3.09·√(2/599) = 1.179.
        var scores = Rows(new NullScoreGenerator(41), 600 * Block);
        var dispersion = SequentialStreamGroups.BlockDispersion(scores, Streams, Block, []);
        var limit = SequentialStreamGroups.MaxDispersion(600);
        output.WriteLine($"dispersion {string.Join(", ", dispersion.Select(d => d.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}; limit {limit:F3}");
        Assert.Equal(1 + (3.09 * Math.Sqrt(2.0 / 599)), limit, 12);
        Assert.All(Quiet, s => Assert.InRange(dispersion[s], 0.8, limit));
        Assert.InRange(dispersion[4], 129 * 0.8, 129 * 1.25);
        Assert.InRange(dispersion[5], 129 * 0.8, 129 * 1.25);

        // The same rows split between held-out scores and a stretch give the same dispersion.
        var split = SequentialStreamGroups.BlockDispersion(scores.AsSpan(0, 100 * Block * Streams), Streams, Block, [scores.AsMemory(100 * Block * Streams)]);
        Assert.Equal(dispersion, split);
        Assert.Empty(SequentialStreamGroups.BlockDispersion(scores, Streams, 1, []));
    }

    [Fact]
    public void Calibrate_QuietStreamWithBlockOffsets_StaysInTheFirstGroup()
    {
        // Stream 0 quiet in level but with small block offsets (N(0, 0.15²): F ≈ 1 + 200·0.0225 = 5.5): without the dispersion
        // rule its level would put it with the quiet streams; with it, it keeps the wandering streams' threshold.
        var scores = Rows(new NullScoreGenerator(31), 600 * Block);
        var offsets = new Random(8);
        for (var b = 0; b < 600; b++)
        {
            var offset = 0.15 * Math.Sqrt(-2 * Math.Log(1 - offsets.NextDouble())) * Math.Cos(2 * Math.PI * offsets.NextDouble());
            for (var r = 0; r < Block; r++)
            {
                scores[(((b * Block) + r) * Streams) + 0] += offset;
            }
        }

        var options = new SequentialCalibrationOptions { BlockLength = Block, FloorAtRecordedMaximum = true, BlockMaximaLength = Block };
        var grouped = SequentialStreamGroups.Calibrate(SequentialDetectorKind.Cusum, scores.AsSpan(0, 200 * Block * Streams), Streams, TargetArl, seed: 5, options, separation: 4, scores.AsMemory(200 * Block * Streams));
        output.WriteLine(grouped.Description);
        Assert.Equal([1, 2, 3], grouped.Quiet);
        Assert.Equal(1.0, grouped.Calibration.StreamWeights[0]);
        Assert.True(grouped.Dispersion![0] > SequentialStreamGroups.MaxDispersion(600));
    }

    [Fact]
    public void Calibrate_QuietAndWanderingStreams_QuietOnesGetTheirOwnLowerThreshold()
    {
        var (grouped, single) = Calibrations.Value;
        output.WriteLine(grouped.Description);
        output.WriteLine($"levels {string.Join(", ", grouped.Levels.Select(l => l.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))}; one threshold: {single.Threshold:F1}");
        Assert.Equal(Quiet, grouped.Quiet);
        var weights = grouped.Calibration.StreamWeights;
        Assert.Equal(1.0, weights[4]);
        Assert.Equal(1.0, weights[5]);
        Assert.All(Quiet, s => Assert.Equal(weights[0], weights[s]));
        Assert.True(weights[0] < 0.25, $"quiet weight {weights[0]}");
        Assert.Equal(TargetArl, grouped.Calibration.TargetArl);
        Assert.False(single.IsWeighted);
    }

    [Fact]
    public void Calibrate_QuietGroupThreshold_NearSiegmundsForIidGaussianStreams()
    {
        // The quiet group is four i.i.d. N(0, 1) streams calibrated for an ARL of 2 × 100,000 (two groups): eight one-sided
        // CUSUMs (k = 0.5) whose alarm rates add, so each needs an ARL of 1.6·10^6. Siegmund's approximation for N(−k, 1)
        // increments: ARL = (e^{2kb} − 2kb − 1) / (2k²), b = h + 1.166; solved for 1.6·10^6: b = 13.5897, h = 12.42.
        // The calibration's block-maxima floor extrapolates with an exponential tail, which errs high for Gaussian maxima.
        var (grouped, _) = Calibrations.Value;
        var quietThreshold = grouped.Calibration.Threshold * grouped.Calibration.StreamWeights[0];
        output.WriteLine($"quiet threshold {quietThreshold:F2} against Siegmund's 12.42");
        Assert.InRange(quietThreshold, 0.9 * 12.42, 1.3 * 12.42);
    }

    [Fact]
    public void Calibrate_FreshData_AlarmsWithinTwiceTheTarget()
    {
        // 4·10^6 fresh rows, the bank restarted after every alarm as the monitor does: 40 alarms expected at the target.
        var (grouped, single) = Calibrations.Value;
        var groupedAlarms = CountAlarms(new SequentialDetectorBank(grouped.Calibration), new NullScoreGenerator(77), 20_000);
        var singleAlarms = CountAlarms(new SequentialDetectorBank(single), new NullScoreGenerator(77), 20_000);
        output.WriteLine($"alarms on 4e6 fresh rows: grouped {groupedAlarms}, one threshold {singleAlarms} (target 40)");
        Assert.InRange(groupedAlarms, 20, 80);
        Assert.InRange(singleAlarms, 20, 80);
    }

    [Fact]
    public void Calibrate_OneSigmaShiftOnAQuietStream_FoundWithinTwiceLordensBound()
    {
        // Lorden's bound for a 1σ shift at ARL 10^5: ln(10^5) / (1/2) = 23.0 samples. One threshold makes the quiet stream wait
        // for the wandering streams' level.
        var (grouped, single) = Calibrations.Value;
        var groupedDelay = MeanDelay(grouped.Calibration);
        var singleDelay = MeanDelay(single);
        output.WriteLine($"mean delay of a 1 sd shift on stream 0: grouped {groupedDelay:F1}, one threshold {singleDelay:F1}; bound 23.0");
        Assert.True(groupedDelay <= 2 * 23.03, $"grouped mean delay {groupedDelay:F1}");
        Assert.True(groupedDelay * 5 < singleDelay, $"grouped {groupedDelay:F1} against one threshold {singleDelay:F1}");
    }

    [Fact]
    public void Calibrate_TooFewBlocksOrNoBlockLength_OneThreshold()
    {
        var scores = Rows(new NullScoreGenerator(3), 10 * Block);
        var options = new SequentialCalibrationOptions { BlockLength = Block, FloorAtRecordedMaximum = true, BlockMaximaLength = Block };
        var result = SequentialStreamGroups.Calibrate(SequentialDetectorKind.Cusum, scores, Streams, 10_000, seed: 1, options, separation: 4);
        Assert.Empty(result.Levels);
        Assert.False(result.Calibration.IsWeighted);
        Assert.Throws<ArgumentOutOfRangeException>(() => SequentialStreamGroups.Calibrate(SequentialDetectorKind.Cusum, scores, Streams, 10_000, seed: 1, options, separation: 0.5));
    }

    [Fact]
    public void Bank_WeightedStream_AlarmsAtItsOwnThreshold()
    {
        // Threshold 4, stream 1 weighted 0.5: with z = 1.5 on both streams each statistic grows by 1 per step, so stream 1
        // reaches its threshold 2 at step 2 and stream 0 would reach 4 at step 4.
        var calibration = SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, Rows(new NullScoreGenerator(9), 2_000).AsSpan(0, 2_000 * 2), 2, 300, seed: 1);
        var unit = calibration.WithStreamWeights([1.0, 1.0], 300, 300, 1);
        var half = calibration.WithStreamWeights([1.0, 0.5], 300, 300, 1);
        var steps = new[] { FirstAlarmStep(new SequentialDetectorBank(unit)), FirstAlarmStep(new SequentialDetectorBank(half)) };
        var h = calibration.Threshold;
        Assert.Equal((Stream: 0, Step: (int)Math.Ceiling(h)), steps[0]);
        Assert.Equal((Stream: 1, Step: (int)Math.Ceiling(h / 2)), steps[1]);
        Assert.Equal(h / 2, new SequentialDetectorBank(half).StreamStatisticThreshold(1), 12);
    }

    private static (int Stream, int Step) FirstAlarmStep(SequentialDetectorBank bank)
    {
        for (var step = 1; step < 10_000; step++)
        {
            var alarm = bank.Update([1.5, 1.5]);
            if (alarm >= 0)
            {
                return (alarm, step);
            }
        }

        return (-1, -1);
    }

    private static int CountAlarms(SequentialDetectorBank bank, NullScoreGenerator random, int blocks)
    {
        var row = new double[Streams];
        var offsets = new double[2];
        var alarms = 0;
        for (var b = 0; b < blocks; b++)
        {
            offsets[0] = 0.8 * random.NextGaussian();
            offsets[1] = 0.8 * random.NextGaussian();
            for (var r = 0; r < Block; r++)
            {
                Fill(random, offsets, row);
                if (bank.Update(row) >= 0)
                {
                    alarms++;
                    bank.Reset();
                }
            }
        }

        return alarms;
    }

    private static double MeanDelay(SequentialCalibration calibration)
    {
        var random = new NullScoreGenerator(123);
        var row = new double[Streams];
        var offsets = new double[2];
        var total = 0.0;
        const int Trials = 50;
        for (var trial = 0; trial < Trials; trial++)
        {
            var bank = new SequentialDetectorBank(calibration);
            offsets[0] = 0.8 * random.NextGaussian();
            offsets[1] = 0.8 * random.NextGaussian();
            var delay = 0;
            while (delay < 100_000)
            {
                if (delay % Block == 0)
                {
                    offsets[0] = 0.8 * random.NextGaussian();
                    offsets[1] = 0.8 * random.NextGaussian();
                }

                Fill(random, offsets, row);
                row[0] += 1.0;
                delay++;
                if (bank.Update(row) >= 0)
                {
                    break;
                }
            }

            total += delay;
        }

        return total / Trials;
    }

    private static double[] Rows(NullScoreGenerator random, int rows)
    {
        var scores = new double[rows * Streams];
        var offsets = new double[2];
        for (var r = 0; r < rows; r++)
        {
            if (r % Block == 0)
            {
                offsets[0] = 0.8 * random.NextGaussian();
                offsets[1] = 0.8 * random.NextGaussian();
            }

            Fill(random, offsets, scores.AsSpan(r * Streams, Streams));
        }

        return scores;
    }

    private static void Fill(NullScoreGenerator random, double[] offsets, Span<double> row)
    {
        for (var s = 0; s < 4; s++)
        {
            row[s] = random.NextGaussian();
        }

        row[4] = offsets[0] + random.NextGaussian();
        row[5] = offsets[1] + random.NextGaussian();
    }
}
