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
        double windowAlpha)
    {
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
        var minP = new double[windows];
        Array.Fill(minP, 1.0);
        var tests = 0;
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
                tests += Track(statistics, channelEffects[channel.Index], minWindows, KsPValue, minP);
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
                tests += Track(statistics, channelEffects[channel.Index], minWindows, ChiSquarePValue, minP);
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
            tests += Track(statistics, tapEffects[t], minWindows, ChiSquarePValue, minP);
        }

        // Holm rejects anything in a window exactly when its smallest p-value is at most alpha / (number of tests).
        var rejected = tests == 0 ? 0 : minP.Count(p => p <= windowAlpha / tests);
        return new WindowNullCalibration(windows, true, channelEffects, tapEffects, rejected);
    }

    private static double KsPValue(WindowStatistic s, double effect) =>
        KolmogorovSmirnov.AsymptoticPValue(s.Statistic, Math.Max(1.0, s.WindowCount / effect), s.ReferenceCount);

    /// <summary>Folds one test's calibrated p-values into each window's smallest; returns 1 when the test counts (enough windows), else 0.</summary>
    private static int Track(List<WindowStatistic> statistics, double effect, int minWindows, Func<WindowStatistic, double, double> pValue, double[] minP)
    {
        if (statistics.Count < minWindows)
        {
            return 0;
        }

        foreach (var s in statistics)
        {
            minP[s.Window] = Math.Min(minP[s.Window], pValue(s, effect));
        }

        return 1;
    }

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

        if (Covered(1.0))
        {
            return 1.0;
        }

        if (!Covered(maxEffect))
        {
            return maxEffect;
        }

        double low = 0, high = Math.Log(maxEffect);
        for (var step = 0; step < BisectionSteps && high - low > 1e-4; step++)
        {
            var mid = 0.5 * (low + high);
            if (Covered(Math.Exp(mid)))
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
