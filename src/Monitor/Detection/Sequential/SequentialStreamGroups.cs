using System.Globalization;

namespace EdgeSentinel.Monitor.Detection.Sequential;

/// <summary>
/// Calibrates a bank whose streams are far apart in how high their clean statistics climb in groups, each with its own
/// threshold, so that a few wandering streams do not set the threshold of all the others.
/// </summary>
/// <remarks>
/// <para>With one common threshold, the bank's false alarms come almost only from the streams whose clean statistic climbs
/// highest (in the demo world a side range sensor that reads a wall for hundreds of samples while the robot follows it, which
/// looks to a CUSUM like a sustained bias), and the threshold those streams need makes every other stream slow: a stream whose
/// clean statistic stays near 10 waits for 400. Each stream's level is measured on its own: the level its largest statistic
/// per block exceeds with probability block / ARL (<see cref="SequentialCalibrator.TailQuantile"/>, top √n of the block maxima
/// of the stream run alone in recorded order). Highest first, a group takes the highest level not yet placed and every stream
/// within <c>separation</c> of it (<see cref="Split"/>).</para>
/// <para>Each group is calibrated as a bank of its own (the same bootstrap and block-maxima floors as a whole bank) at G times
/// the target ARL, so the G groups together alarm at the target rate (the rates of nearly independent alarm processes add).
/// The first group's threshold becomes the calibration's <see cref="SequentialCalibration.Threshold"/> and every stream gets the
/// weight of its group's threshold to it. Groups, not a threshold per stream: one threshold per stream would rest on that
/// stream's few extreme blocks alone, and the bank's alarm rate is a sum over streams, so the streams whose level happened to be
/// underestimated would set it.</para>
/// <para>Even a group's threshold rests on the recorded blocks: a regime rarer than they are (a kind of mission not recorded)
/// can drive a quiet stream far above it. That happens to streams whose blocks each have an offset of their own (a side range
/// sensor following a different wall in every mission): their statistic's tail is set by the spread of those offsets, of
/// which the recording holds one draw per block, so its rare end is barely sampled. Such streams (block dispersion
/// <see cref="BlockDispersion"/> above the 0.1% point of F under one common mean, <see cref="MaxDispersion"/>) stay in the
/// first group; only streams whose block means vary as noise alone explains can get a lower threshold, whose tail is set by
/// the within-block noise that every block samples. On the demo policy (session 9, without this rule) the quiet group's
/// streams reached 3–5 times their training maximum in fresh missions; with it, its quiet group (acceleration, goal
/// distance, one action probability) did not alarm in 2·10^7 fresh clean inferences.</para>
/// </remarks>
internal static class SequentialStreamGroups
{

    /// <summary>The outcome: the calibration to use and what was measured.</summary>
    /// <param name="Calibration">The bank's calibration (weighted when the streams were split).</param>
    /// <param name="Levels">Each stream's own level (statistic scale); empty when too few whole blocks were recorded to measure them.</param>
    /// <param name="Quiet">The streams outside the first (highest) group, whose thresholds are lower (empty: one group).</param>
    /// <param name="Description">One line on what was done, for progress reports.</param>
    /// <param name="Dispersion">Each stream's block dispersion (<see cref="BlockDispersion"/>); null when not measured.</param>
    public sealed record Result(SequentialCalibration Calibration, double[] Levels, int[] Quiet, string Description, double[]? Dispersion = null);

    /// <summary>
    /// Calibrates the bank as <see cref="SequentialCalibrator.Calibrate"/> does when its streams' levels are within
    /// <paramref name="separation"/> of each other, and in groups (<see cref="Split"/>) when they are not.
    /// </summary>
    /// <param name="kind">Detector kind.</param>
    /// <param name="heldOutScores">Row-major held-out scores, as for <see cref="SequentialCalibrator.Calibrate"/>.</param>
    /// <param name="streamCount">Streams per row.</param>
    /// <param name="targetArl">The whole bank's target ARL.</param>
    /// <param name="seed">Bootstrap seed.</param>
    /// <param name="options">Calibration settings; the stream levels need <see cref="SequentialCalibrationOptions.BlockMaximaLength"/> &gt; 0.</param>
    /// <param name="separation">Level ratio between groups; +∞ never splits. At least 1.</param>
    /// <param name="recordedStretches">More clean scores in recorded order (e.g. the training rows).</param>
    public static Result Calibrate(
        SequentialDetectorKind kind,
        ReadOnlySpan<double> heldOutScores,
        int streamCount,
        double targetArl,
        ulong seed,
        SequentialCalibrationOptions options,
        double separation,
        params ReadOnlyMemory<double>[] recordedStretches)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (double.IsNaN(separation) || separation < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(separation), separation, "must be at least 1 (+Infinity: one group)");
        }

        var levels = StreamLevels(kind, options, heldOutScores, streamCount, targetArl, recordedStretches);
        if (levels.Length == 0 || streamCount < 2 || double.IsPositiveInfinity(separation))
        {
            return new Result(SequentialCalibrator.Calibrate(kind, heldOutScores, streamCount, targetArl, seed, options, recordedStretches), levels, [], "one threshold for every stream (too few whole blocks to compare the streams' levels, or splitting off)");
        }

        var dispersion = BlockDispersion(heldOutScores, streamCount, options.BlockMaximaLength, recordedStretches);
        var maxDispersion = MaxDispersion(dispersion.Length == 0 ? 0 : BlockCount(heldOutScores, streamCount, options.BlockMaximaLength, recordedStretches));
        var pinned = Enumerable.Range(0, streamCount).Where(st => !(dispersion.Length > 0 && dispersion[st] <= maxDispersion)).ToHashSet();
        var groups = Split(levels, separation, pinned);
        if (groups.Count == 1)
        {
            return new Result(SequentialCalibrator.Calibrate(kind, heldOutScores, streamCount, targetArl, seed, options, recordedStretches), levels, [],
                F($"one threshold for every stream: their levels are within {separation:G3}x of the highest ({levels.Max():G4}), or the streams below that vary from block to block ({pinned.Count} do)"), dispersion);
        }

        // Each group a bank of its own at G times the target ARL: the groups' alarm rates add up to the target.
        var groupArl = groups.Count * targetArl;
        var calibrations = new SequentialCalibration[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            var members = groups[g];
            calibrations[g] = SequentialCalibrator.Calibrate(kind, Columns(heldOutScores, streamCount, members), members.Length, groupArl, seed + (ulong)g, options,
                [.. recordedStretches.Select(r => (ReadOnlyMemory<double>)Columns(r.Span, streamCount, members))]);
        }

        // A group's threshold is at least the highest level of a member run alone at the group's ARL (top-√n tail): the group's
        // own calibration fits its block maxima with the top fifth, which a mixture of quiet and rare wild blocks understates.
        var groupLevels = StreamLevels(kind, options, heldOutScores, streamCount, groupArl, recordedStretches);
        var thresholds = new double[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            thresholds[g] = g == 0 ? calibrations[0].StatisticThreshold : Math.Max(calibrations[g].StatisticThreshold, groups[g].Max(m => groupLevels[m]));
        }

        var weights = new double[streamCount];
        var rate = 0.0;
        var variance = 0.0; // of the rate, by the delta method: var(1/A) = se² / A⁴
        for (var g = 0; g < groups.Count; g++)
        {
            foreach (var s in groups[g])
            {
                weights[s] = thresholds[g] / thresholds[0];
            }

            var arl = calibrations[g].EstimatedArl;
            rate += 1.0 / arl;
            variance += Math.Pow(calibrations[g].EstimatedArlStandardError / (arl * arl), 2);
        }

        var estimated = 1.0 / rate;
        var standardError = Math.Sqrt(variance) * estimated * estimated;
        var calibration = calibrations[0].WithStreamWeights(weights, targetArl, estimated, standardError);
        var quiet = groups.Skip(1).SelectMany(g => g).Order().ToArray();
        var description = F($"{groups.Count} groups of streams by their own level (each group's highest at least {separation:G3}x the next group's; {pinned.Count} streams whose block means vary more than one mean explains stay in the first), each calibrated for an ARL of {groupArl:G3}: ")
            + string.Join("; ", groups.Select((members, g) => F($"{members.Length} streams at {thresholds[g]:G4} (calibrated {calibrations[g].Threshold:G4})")));
        return new Result(calibration, levels, quiet, description, dispersion);
    }

    /// <summary>Most groups: each costs the others a factor ln(G) in threshold.</summary>
    public const int MaxGroups = 4;

    /// <summary>
    /// Splits the streams by level, highest first: a group holds the highest level not yet placed and every stream at least
    /// 1/<paramref name="separation"/> of it; at most <see cref="MaxGroups"/> groups (the last takes the rest). The
    /// <paramref name="pinned"/> streams all go to the first group, whatever their level.
    /// </summary>
    internal static List<int[]> Split(double[] levels, double separation, IReadOnlySet<int>? pinned = null)
    {
        pinned ??= new HashSet<int>();
        var order = Enumerable.Range(0, levels.Length).Where(s => !pinned.Contains(s)).OrderByDescending(s => levels[s]).ThenBy(s => s).ToArray();
        var groups = new List<int[]>();
        var next = 0;
        if (pinned.Count > 0)
        {
            // The first group: the pinned streams, whatever their level, and every free one within separation of the highest level of all.
            var top = levels.Max();
            var end = 0;
            while (end < order.Length && levels[order[end]] >= top / separation)
            {
                end++;
            }

            groups.Add([.. pinned.Concat(order[..end]).Order()]);
            next = end;
        }

        while (next < order.Length)
        {
            var floor = groups.Count == MaxGroups - 1 ? double.NegativeInfinity : levels[order[next]] / separation;
            var end = next;
            while (end < order.Length && levels[order[end]] >= floor)
            {
                end++;
            }

            groups.Add([.. order[next..end].Order()]);
            next = end;
        }

        return groups;
    }

    /// <summary>
    /// Each stream's own level: run alone in recorded order over the held-out rows and the stretches, the level its block
    /// maximum exceeds with probability block / <paramref name="targetArl"/>; empty when there are fewer than
    /// <see cref="SequentialCalibrator.MinimumBlockMaxima"/> whole blocks or no block length.
    /// </summary>
    internal static double[] StreamLevels(SequentialDetectorKind kind, SequentialCalibrationOptions options, ReadOnlySpan<double> heldOutScores, int streamCount, double targetArl, ReadOnlyMemory<double>[] recordedStretches)
    {
        var block = options.BlockMaximaLength;
        if (block <= 0)
        {
            return [];
        }

        var blocks = heldOutScores.Length / streamCount / block;
        foreach (var stretch in recordedStretches)
        {
            blocks += stretch.Length / streamCount / block;
        }

        if (blocks < SequentialCalibrator.MinimumBlockMaxima)
        {
            return [];
        }

        var shift = options.ShiftParameterFor(kind);
        var levels = new double[streamCount];
        var maxima = new List<double>(blocks);
        for (var s = 0; s < streamCount; s++)
        {
            maxima.Clear();
            int[] one = [s];
            SequentialCalibrator.BlockMaxima(kind, shift, options.ScoreClip, Columns(heldOutScores, streamCount, one), 1, block, maxima);
            foreach (var stretch in recordedStretches)
            {
                SequentialCalibrator.BlockMaxima(kind, shift, options.ScoreClip, Columns(stretch.Span, streamCount, one), 1, block, maxima);
            }

            levels[s] = SequentialCalibrator.TailQuantile(maxima, block / targetArl, squareRootTail: true);
        }

        return levels;
    }

    /// <summary>
    /// Per stream, how much more its block means vary than its within-block spread explains: the one-way ANOVA ratio
    /// F = (variance of the block means × block length) / (mean within-block variance), over the whole blocks of the held-out
    /// rows and the stretches. About 1 when blocks (missions) share one mean; well above 1 when each block has its own offset
    /// (a side range sensor following a different wall in every mission). Empty without a block length.
    /// </summary>
    internal static double[] BlockDispersion(ReadOnlySpan<double> heldOutScores, int streamCount, int block, ReadOnlyMemory<double>[] recordedStretches)
    {
        if (block <= 1)
        {
            return [];
        }

        var result = new double[streamCount];
        var means = new List<double>();
        for (var s = 0; s < streamCount; s++)
        {
            means.Clear();
            var within = 0.0;
            var blocks = 0;
            Accumulate(heldOutScores, s);
            foreach (var stretch in recordedStretches)
            {
                Accumulate(stretch.Span, s);
            }

            if (blocks < 2 || within <= 0)
            {
                result[s] = double.PositiveInfinity;
                continue;
            }

            var grand = means.Average();
            var between = means.Sum(m => (m - grand) * (m - grand)) / (blocks - 1);
            result[s] = between * block / (within / blocks);

            void Accumulate(ReadOnlySpan<double> rows, int stream)
            {
                var count = rows.Length / streamCount / block;
                for (var b = 0; b < count; b++)
                {
                    double sum = 0, sumSquares = 0;
                    for (var r = 0; r < block; r++)
                    {
                        var v = rows[((b * block) + r) * streamCount + stream];
                        sum += v;
                        sumSquares += v * v;
                    }

                    var mean = sum / block;
                    means.Add(mean);
                    within += (sumSquares - (block * mean * mean)) / (block - 1);
                    blocks++;
                }
            }
        }

        return result;
    }

    /// <summary>Whole blocks in the held-out rows and the stretches.</summary>
    internal static int BlockCount(ReadOnlySpan<double> heldOutScores, int streamCount, int block, ReadOnlyMemory<double>[] recordedStretches)
    {
        var blocks = heldOutScores.Length / streamCount / block;
        foreach (var stretch in recordedStretches)
        {
            blocks += stretch.Length / streamCount / block;
        }

        return blocks;
    }

    /// <summary>
    /// The largest block dispersion with which a stream may get a threshold of its own: the upper 0.1% point of F with
    /// blocks − 1 and many degrees of freedom under equal block means, 1 + 3.09·√(2 / (blocks − 1)) (normal approximation to χ²/df).
    /// </summary>
    internal static double MaxDispersion(int blocks) => blocks < 2 ? double.NegativeInfinity : 1 + (3.09 * Math.Sqrt(2.0 / (blocks - 1)));

    /// <summary>The columns <paramref name="streams"/> of row-major <paramref name="rows"/>, row-major.</summary>
    internal static double[] Columns(ReadOnlySpan<double> rows, int streamCount, int[] streams)
    {
        var count = rows.Length / streamCount;
        var result = new double[count * streams.Length];
        for (var r = 0; r < count; r++)
        {
            var row = rows.Slice(r * streamCount, streamCount);
            var target = result.AsSpan(r * streams.Length, streams.Length);
            for (var j = 0; j < streams.Length; j++)
            {
                target[j] = row[streams[j]];
            }
        }

        return result;
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
