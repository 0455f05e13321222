using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Statistics;

namespace EdgeSentinel.Monitor.Baselines;

/// <summary>
/// Estimates the window tests' design effects from consecutive windows of the training rows
/// (see <see cref="WindowNullCalibration"/> for the method).
/// </summary>
/// <remarks>
/// Each window is compared with the training reference less the rows within <c>gap</c> rows of it
/// (the rows a live window from a new stretch of data would not share): the reference sample's rows
/// for KS, the training counts for chi-square, the training mean for the tap mean shift.
/// Allocates freely; runs once per baseline.
/// </remarks>
internal static class WindowNullCalibrator
{
    private const int BisectionSteps = 40;

    /// <summary>One window's test statistic with the sizes its p-value depends on.</summary>
    internal readonly record struct WindowStatistic(double Statistic, double WindowCount, double ReferenceCount, int Window = 0);

    /// <summary>
    /// Fraction of the clean training windows whose decision scores the tail fit of the window decision uses
    /// (the peaks over the score of the ⌈fraction·W⌉+1-th largest window).
    /// </summary>
    internal const double DecisionTailFraction = 0.03;

    /// <summary>Fewest windows in that top fraction for the decision's tail to be fitted at all (W ≥ 667 at 3%); with fewer the per-test design effects stand as solved.</summary>
    internal const int MinDecisionTailWindows = 20;

    /// <summary>Largest common factor on the design effects that the decision calibration may apply.</summary>
    internal const double MaxDecisionScale = 16;

    /// <summary>One calibrated test: its training-window statistics, p-value, solved design effect and its cap.</summary>
    private sealed record CalibratedTest(string Name, ChannelRole Role, WindowStatistic[] Statistics, Func<WindowStatistic, double, double> PValue, double Effect, double MaxEffect);

    public static WindowNullCalibration Estimate(
        FingerprintSchema schema,
        ReadOnlySpan<double> training,
        int rows,
        int[] referenceRows,
        MahalanobisPrecisions precisions,
        IReadOnlySet<int> untested,
        int windowSize,
        int gap,
        int minWindows,
        double windowAlpha,
        MultipleTestingMethod multipleTesting,
        out double scale)
    {
        scale = 1.0;
        var width = schema.Channels.Count;
        var windows = rows / windowSize;
        if (windows < minWindows)
        {
            return WindowNullCalibration.Uncalibrated(windows, width, schema.Taps.Count);
        }

        var sortedReference = referenceRows.Order().ToArray();
        var channelEffects = new double[width];
        Array.Fill(channelEffects, 1.0);
        var statistics = new List<WindowStatistic>(windows);
        var window = new List<double>(windowSize);
        var reference = new List<double>(sortedReference.Length);
        var calibrated = new List<CalibratedTest>();
        foreach (var channel in schema.Channels)
        {
            if (untested.Contains(channel.Index))
            {
                continue;
            }

            statistics.Clear();
            if (channel.ValueKind == ChannelValueKind.Continuous)
            {
                for (var w = 0; w < windows; w++)
                {
                    var (start, end) = (w * windowSize, (w + 1) * windowSize);
                    Collect(training, width, channel.Index, start, end, window);
                    reference.Clear();
                    foreach (var r in sortedReference)
                    {
                        if (r < start - gap || r >= end + gap)
                        {
                            var v = training[(r * width) + channel.Index];
                            if (double.IsFinite(v))
                            {
                                reference.Add(v);
                            }
                        }
                    }

                    if (window.Count >= Monitoring.WindowAnalyzer.MinimumValues && reference.Count >= Monitoring.WindowAnalyzer.MinimumValues)
                    {
                        var d = KolmogorovSmirnov.Statistic(window.ToArray(), reference.ToArray());
                        statistics.Add(new WindowStatistic(d, window.Count, reference.Count, w));
                    }
                }

                channelEffects[channel.Index] = Solve(statistics, windowSize, minWindows, KsPValue);
                Keep(calibrated, channel.Name, channel.Role, statistics, KsPValue, channelEffects[channel.Index], windowSize, minWindows);
            }
            else
            {
                var total = CategoryCounts(training, width, channel, 0, rows);
                for (var w = 0; w < windows; w++)
                {
                    var (start, end) = (w * windowSize, (w + 1) * windowSize);
                    var counts = CategoryCounts(training, width, channel, start, end);
                    var zone = CategoryCounts(training, width, channel, Math.Max(0, start - gap), Math.Min(rows, end + gap));
                    var rest = new long[total.Length];
                    for (var k = 0; k < rest.Length; k++)
                    {
                        rest[k] = total[k] - zone[k];
                    }

                    if (counts.Sum() >= Monitoring.WindowAnalyzer.MinimumValues && rest.Sum() > 0)
                    {
                        var chi = ChiSquare.Homogeneity(rest, counts);
                        statistics.Add(new WindowStatistic(chi.Statistic, ChiSquareDegreesOfFreedom(rest, counts), 0, w));
                    }
                }

                channelEffects[channel.Index] = Solve(statistics, MaxDividedStatisticEffect, minWindows, ChiSquarePValue);
                Keep(calibrated, channel.Name, channel.Role, statistics, ChiSquarePValue, channelEffects[channel.Index], MaxDividedStatisticEffect, minWindows);
            }
        }

        var tapEffects = new double[schema.Taps.Count];
        for (var t = 0; t < tapEffects.Length; t++)
        {
            statistics.Clear();
            var start = schema.TapStarts[t];
            var dim = schema.Taps[t].ProjectedDimension;
            var totalSum = new double[dim];
            var totalRows = TapSums(training, width, start, dim, 0, rows, totalSum);
            var zoneSum = new double[dim];
            var windowSum = new double[dim];
            var mean = new double[dim];
            var windowMean = new double[dim];
            for (var w = 0; w < windows; w++)
            {
                var (first, end) = (w * windowSize, (w + 1) * windowSize);
                var zoneRows = TapSums(training, width, start, dim, Math.Max(0, first - gap), Math.Min(rows, end + gap), zoneSum);
                var windowRows = TapSums(training, width, start, dim, first, end, windowSum);
                if (windowRows < Monitoring.WindowAnalyzer.MinimumValues || totalRows - zoneRows < 1)
                {
                    continue;
                }

                for (var j = 0; j < dim; j++)
                {
                    mean[j] = (totalSum[j] - zoneSum[j]) / (totalRows - zoneRows);
                    windowMean[j] = windowSum[j] / windowRows;
                }

                var shift = MeanShift.Test(mean, precisions(t), windowMean, windowRows);
                statistics.Add(new WindowStatistic(shift.Statistic, dim, 0, w));
            }

            tapEffects[t] = Solve(statistics, MaxDividedStatisticEffect, minWindows, ChiSquarePValue);
            Keep(calibrated, "tap." + schema.Taps[t].Name, ChannelRole.Activation, statistics, ChiSquarePValue, tapEffects[t], MaxDividedStatisticEffect, minWindows);
        }

        // The per-test effects fit each test's bulk and its most extreme training window, but the window alarms on the smallest
        // Holm-adjusted p-value of all tests together: with whole missions moving many channels at once, that decision's tail can
        // be heavier than alpha even so. Scale every effect by the smallest common factor at which the decision's fitted tail
        // meets alpha on the training windows.
        var options = new DriftDecisionOptions { Alpha = windowAlpha, MultipleTestingMethod = multipleTesting };
        scale = DecisionScale(calibrated, windows, options);
        for (var i = 0; i < width; i++)
        {
            channelEffects[i] = Scaled(channelEffects[i], scale, i, calibrated, schema);
        }

        for (var t = 0; t < tapEffects.Length; t++)
        {
            tapEffects[t] = Math.Min(tapEffects[t] * scale, MaxDividedStatisticEffect);
        }

        var rejected = DecisionScores(calibrated, windows, scale, options).Count(s => s >= -Math.Log10(windowAlpha));
        return new WindowNullCalibration(windows, true, channelEffects, tapEffects, rejected);
    }

    /// <summary>An effect times the decision scale, within its test's cap (KS: the window size).</summary>
    private static double Scaled(double effect, double scale, int channel, List<CalibratedTest> calibrated, FingerprintSchema schema)
    {
        if (scale == 1.0)
        {
            return effect;
        }

        var name = schema.Channels[channel].Name;
        var test = calibrated.Find(c => c.Name == name);
        return test is null ? effect : Math.Min(effect * scale, test.MaxEffect);
    }

    private static void Keep(List<CalibratedTest> calibrated, string name, ChannelRole role, List<WindowStatistic> statistics,
        Func<WindowStatistic, double, double> pValue, double effect, double maxEffect, int minWindows)
    {
        if (statistics.Count >= minWindows)
        {
            calibrated.Add(new CalibratedTest(name, role, [.. statistics], pValue, effect, maxEffect));
        }
    }

    /// <summary>
    /// The smallest factor s in [1, <see cref="MaxDecisionScale"/>] on all design effects at which the training windows' decision
    /// scores have a fitted tail probability (<see cref="DecisionTailProbability"/>) of at most alpha at the alarm level
    /// −log10 alpha; 1 when that already holds or too few windows make the top <see cref="DecisionTailFraction"/>.
    /// </summary>
    private static double DecisionScale(List<CalibratedTest> calibrated, int windows, DriftDecisionOptions options)
    {
        if (calibrated.Count == 0 || Math.Ceiling(DecisionTailFraction * windows) < MinDecisionTailWindows)
        {
            return 1.0;
        }

        var level = -Math.Log10(options.Alpha);
        return SmallestPassing(
            scale => DecisionTailProbability(DecisionScores(calibrated, windows, scale, options), level) <= options.Alpha,
            MaxDecisionScale, 1e-3);
    }

    /// <summary>
    /// The smallest x in [1, <paramref name="max"/>] that <paramref name="passes"/> (bisection on log x to within
    /// <paramref name="logTolerance"/>, assuming larger x pass more easily): 1 when 1 passes, <paramref name="max"/> when max does not.
    /// </summary>
    private static double SmallestPassing(Func<double, bool> passes, double max, double logTolerance)
    {
        if (passes(1.0))
        {
            return 1.0;
        }

        if (!passes(max))
        {
            return max;
        }

        double low = 0, high = Math.Log(max);
        for (var step = 0; step < BisectionSteps && high - low > logTolerance; step++)
        {
            var mid = 0.5 * (low + high);
            if (passes(Math.Exp(mid)))
            {
                high = mid;
            }
            else
            {
                low = mid;
            }
        }

        return Math.Exp(high);
    }

    /// <summary>
    /// Each training window's decision score as the live window analysis computes it (<see cref="DriftDecision"/>: the largest
    /// input-drift or behavior-divergence score, −log10 of the smallest adjusted p-value of its group) with every effect times
    /// <paramref name="scale"/>; windows without any test score 0.
    /// </summary>
    private static double[] DecisionScores(List<CalibratedTest> calibrated, int windows, double scale, DriftDecisionOptions options)
    {
        var perWindow = new List<ChannelTestOutcome>?[windows];
        foreach (var test in calibrated)
        {
            var effect = Math.Min(test.Effect * scale, test.MaxEffect);
            foreach (var s in test.Statistics)
            {
                (perWindow[s.Window] ??= new List<ChannelTestOutcome>(calibrated.Count))
                    .Add(new ChannelTestOutcome(test.Name, test.Role, "calibration", s.Statistic, test.PValue(s, effect), 0));
            }
        }

        var scores = new double[windows];
        for (var w = 0; w < windows; w++)
        {
            if (perWindow[w] is not { Count: > 0 } outcomes)
            {
                continue;
            }

            foreach (var signal in DriftDecision.Evaluate(outcomes, 0, 0, options))
            {
                if (signal.Kind is AlertKind.InputDrift or AlertKind.BehaviorDivergence)
                {
                    scores[w] = Math.Max(scores[w], signal.Score);
                }
            }
        }

        return scores;
    }

    /// <summary>
    /// Estimated probability that a window's score reaches <paramref name="level"/>, from a sample of window scores: the
    /// exponential tail (peaks over threshold) fitted to the top k = ⌈<see cref="DecisionTailFraction"/>·W⌉ scores,
    /// (k/W)·exp(−(level − u)/β) with u the (k+1)-th largest score and β the top k's mean excess over u; the empirical
    /// fraction when the level is at or below u.
    /// </summary>
    internal static double DecisionTailProbability(IReadOnlyList<double> scores, double level)
    {
        var n = scores.Count;
        if (n == 0)
        {
            return 0;
        }

        var sorted = scores.ToArray();
        Array.Sort(sorted);
        Array.Reverse(sorted);
        var k = Math.Min(n - 1, Math.Max(1, (int)Math.Ceiling(DecisionTailFraction * n)));
        var u = sorted[k];
        if (level <= u)
        {
            return sorted.Count(s => s >= level) / (double)n;
        }

        var excess = 0.0;
        for (var i = 0; i < k; i++)
        {
            excess += sorted[i] - u;
        }

        var beta = excess / k;
        return beta <= 0 ? 0 : k / (double)n * Math.Exp(-(level - u) / beta);
    }

    private static double KsPValue(WindowStatistic s, double effect) =>
        KolmogorovSmirnov.AsymptoticPValue(s.Statistic, Math.Max(1.0, s.WindowCount / effect), s.ReferenceCount);

    /// <summary>The tap's precision matrix (row-major), by tap index.</summary>
    internal delegate double[] MahalanobisPrecisions(int tap);

    /// <summary>
    /// Largest design effect of a test whose statistic is divided by it (chi-square, tap mean shift). Unlike a KS window's
    /// effective size (at least one row, so at most the window size), a divided statistic has no natural bound: mission-level
    /// offsets of a tap's mean make whole windows vary more than single rows do, and with the effect capped at the window size
    /// such clean windows were still rejected (both tap mean shifts of the demo policy sat at the cap, 256).
    /// </summary>
    internal const double MaxDividedStatisticEffect = 1e6;

    /// <summary>
    /// The smallest design effect in [1, <paramref name="maxEffect"/>] at which, for each matched quantile q,
    /// the ⌈q·W⌉-th smallest of the W window p-values is at least q, and the smallest is at least <see cref="WindowNullCalibration.TailLevel"/>/W (the tail);
    /// 1 when there are too few windows.
    /// </summary>
    internal static double Solve(IReadOnlyList<WindowStatistic> statistics, double maxEffect, int minWindows, Func<WindowStatistic, double, double> pValue)
    {
        if (statistics.Count < minWindows)
        {
            return 1.0;
        }

        var p = new double[statistics.Count];
        bool Covered(double effect)
        {
            for (var i = 0; i < p.Length; i++)
            {
                p[i] = pValue(statistics[i], effect);
            }

            Array.Sort(p);
            foreach (var q in WindowNullCalibration.MatchedQuantiles)
            {
                var k = Math.Max(1, (int)Math.Ceiling(q * p.Length));
                if (p[k - 1] < q)
                {
                    return false;
                }
            }

            // The tail: the most extreme clean window must not look rarer than one in 10·W (W windows seen). Under a
            // correct null this binds in about 1 − e^(−0.1) ≈ 10% of calibrations; a rare, far stretch always binds it.
            return p[0] >= WindowNullCalibration.TailLevel / p.Length;
        }

        return SmallestPassing(Covered, maxEffect, 1e-4);
    }

    /// <summary>P-value of a chi-square statistic (degrees of freedom in <see cref="WindowStatistic.WindowCount"/>) divided by the design effect.</summary>
    internal static double ChiSquarePValue(WindowStatistic s, double effect) =>
        s.WindowCount < 1 ? 1.0 : SpecialFunctions.ChiSquareSurvival(s.Statistic / effect, s.WindowCount);

    /// <summary>Degrees of freedom of the homogeneity test: categories seen in either row, minus one.</summary>
    internal static int ChiSquareDegreesOfFreedom(ReadOnlySpan<long> baselineCounts, ReadOnlySpan<long> windowCounts)
    {
        var kept = 0;
        for (var k = 0; k < baselineCounts.Length; k++)
        {
            if (baselineCounts[k] + windowCounts[k] > 0)
            {
                kept++;
            }
        }

        return kept - 1;
    }

    private static void Collect(ReadOnlySpan<double> training, int width, int channel, int start, int end, List<double> values)
    {
        values.Clear();
        for (var r = start; r < end; r++)
        {
            var v = training[(r * width) + channel];
            if (double.IsFinite(v))
            {
                values.Add(v);
            }
        }
    }

    private static long[] CategoryCounts(ReadOnlySpan<double> training, int width, ChannelDefinition channel, int start, int end)
    {
        var counts = new long[channel.CategoryCount];
        for (var r = start; r < end; r++)
        {
            var v = training[(r * width) + channel.Index];
            if (double.IsFinite(v) && v >= 0 && v < channel.CategoryCount)
            {
                counts[(int)v]++;
            }
        }

        return counts;
    }

    private static int TapSums(ReadOnlySpan<double> training, int width, int start, int dim, int first, int end, double[] sums)
    {
        Array.Clear(sums);
        var count = 0;
        for (var r = first; r < end; r++)
        {
            var row = training.Slice((r * width) + start, dim);
            var finite = true;
            foreach (var v in row)
            {
                finite &= double.IsFinite(v);
            }

            if (!finite)
            {
                continue;
            }

            count++;
            for (var j = 0; j < dim; j++)
            {
                sums[j] += row[j];
            }
        }

        return count;
    }
}
