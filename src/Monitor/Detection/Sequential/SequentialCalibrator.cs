using System.Globalization;
using EdgeSentinel.Monitor.Randomness;

namespace EdgeSentinel.Monitor.Detection.Sequential;

/// <summary>
/// Calibrates the common threshold of a <see cref="SequentialDetectorBank"/> to a requested average
/// run length (ARL) under no drift, by bootstrap simulation from held-out baseline scores.
/// </summary>
/// <remarks>
/// <para>Each simulated run resamples whole rows of held-out scores (i.i.d., or moving blocks to keep
/// autocorrelation), which keeps the cross-stream correlation, and feeds them to a bank until its
/// first alarm on any stream. The detectors' statistics do not depend on the threshold, so one run
/// that follows the running maximum of the bank's statistic up to a cap gives its run length for
/// every threshold below the cap at once. The estimated ARL(s) is then an exact, monotone function of
/// the threshold s over the same runs (common random numbers), and bisection finds the smallest s
/// whose estimated ARL reaches the target. Runs are added until the estimate's relative standard
/// error is small enough (run lengths are nearly geometric: about 1/√runs) or the budget is spent.</para>
/// <para>A target too costly to simulate (targets × runs × streams beyond
/// <see cref="SequentialCalibrationOptions.MaxSimulatedScores"/>) is extrapolated: ARLs are
/// estimated at thresholds spanning an affordable range, ln ARL is fitted as linear in s (true
/// asymptotically for CUSUM and Shiryaev–Roberts: ARL ≈ C·e^{a·s}), and the fit is solved for the
/// target. With heavy-tailed scores ln ARL bends below the line at high thresholds, so an
/// extrapolated threshold can give a shorter ARL than requested.</para>
/// <para>Recorded-order floor (<see cref="SequentialCalibrationOptions.FloorAtRecordedMaximum"/>): when the recorded rows are
/// at most a tenth of the target ARL, the threshold is raised to 1.05 × the largest statistic the bank reaches on the clean
/// rows fed in their recorded order; the block-maxima floor below applies however many rows were recorded. Data that comes in long
/// regimes (missions, layouts, a robot stuck for minutes) drives alarms by the regime's length rather than by a
/// random-walk excursion, and neither short bootstrap blocks nor the exponential extrapolation see that.
/// With <see cref="SequentialCalibrationOptions.BlockMaximaLength"/> the floor also extrapolates: the tail of the per-regime
/// maxima is fitted (peaks over threshold, exponential excesses) and the threshold is raised to the level a regime exceeds
/// with probability length / ARL —
/// the maximum of 100 recorded missions is only their 1-in-100 level, while ARL 10^6 with 1,000-row missions asks for 1 in 1,000.</para>
/// </remarks>
internal static class SequentialCalibrator
{
    private const int Batches = 10;
    private const double CostSafety = 1.6;
    private const double CapMargin = 1.25;

    /// <summary>
    /// Calibrates a bank of <paramref name="streamCount"/> detectors of <paramref name="kind"/> so that
    /// the mean number of rows until its first alarm under no drift is <paramref name="targetArl"/>.
    /// </summary>
    /// <param name="kind">Detector kind.</param>
    /// <param name="heldOutScores">Row-major rows × streams standardized scores of held-out baseline data; all finite.</param>
    /// <param name="streamCount">Streams per row.</param>
    /// <param name="targetArl">Requested ARL in rows, at least 10.</param>
    /// <param name="seed">Bootstrap seed: the same inputs and seed give the same result.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="recordedStretches">More clean scores (rows × streams) in their recorded order, e.g. the training rows: with
    /// <see cref="SequentialCalibrationOptions.FloorAtRecordedMaximum"/> the threshold is raised above the largest statistic they (and the held-out rows, in the order given) reach.</param>
    public static SequentialCalibration Calibrate(
        SequentialDetectorKind kind,
        ReadOnlySpan<double> heldOutScores,
        int streamCount,
        double targetArl,
        ulong seed,
        SequentialCalibrationOptions? options = null,
        params ReadOnlyMemory<double>[] recordedStretches)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown detector kind");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(streamCount, 1);
        if (!double.IsFinite(targetArl) || targetArl < 10)
        {
            throw new ArgumentOutOfRangeException(nameof(targetArl), targetArl, "must be finite and at least 10");
        }

        options ??= new SequentialCalibrationOptions();
        options.Validate();
        if (heldOutScores.Length == 0 || heldOutScores.Length % streamCount != 0)
        {
            throw new ArgumentException($"held-out scores ({heldOutScores.Length}) must be a non-empty whole number of rows of {streamCount} streams", nameof(heldOutScores));
        }

        var rows = heldOutScores.Length / streamCount;
        if (rows < 2 || options.BlockLength > rows)
        {
            throw new ArgumentException($"held-out scores have {rows} rows: need at least 2 and at least the block length {options.BlockLength}", nameof(heldOutScores));
        }

        for (var i = 0; i < heldOutScores.Length; i++)
        {
            if (!double.IsFinite(heldOutScores[i]))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"held-out score at row {i / streamCount}, stream {i % streamCount} is {heldOutScores[i]}: scores must be finite"),
                    nameof(heldOutScores));
            }
        }

        var shift = options.ShiftParameterFor(kind);
        var simulation = new Simulation(kind, heldOutScores.ToArray(), rows, streamCount, shift, options.ScoreClip, options.BlockLength, seed, options.MaxSimulatedScores);
        var initialRuns = (int)Math.Clamp(Math.Ceiling(1.0 / (options.RelativeStandardError * options.RelativeStandardError)), options.MinRuns, options.MaxRuns);
        var affordableArl = options.MaxSimulatedScores / (initialRuns * (double)streamCount * CostSafety);
        var calibration = targetArl <= affordableArl
            ? CalibrateDirect(simulation, kind, shift, targetArl, initialRuns, seed, options)
            : CalibrateExtrapolated(simulation, kind, shift, targetArl, initialRuns, affordableArl, seed, options);
        if (!options.FloorAtRecordedMaximum)
        {
            return calibration;
        }

        // The clean rows as recorded must not alarm: a bootstrap of short blocks, or a log-linear extrapolation, can miss
        // rare long stretches (a mission unlike the others) that the recorded order keeps. Expected alarms at the target ARL
        // over these rows are rows/ARL; while that is at most 0.1 (the recorded rows at most a tenth of the target ARL) an
        // alarm here proves the threshold too low, so the threshold is raised above the recorded maximum. With more rows than
        // that the clean data is expected to alarm and the recorded maximum is no floor; the block maxima still are: the level
        // a regime exceeds with probability length / ARL is estimated from the recorded regimes however many there are (with
        // R ≥ ARL / length regimes it is an empirical quantile rather than an extrapolation), and the moving-block bootstrap,
        // which strings together pieces of different regimes, does not see whole regimes.
        long recordedRows = rows;
        foreach (var stretch in recordedStretches)
        {
            recordedRows += stretch.Length / streamCount;
        }

        var useRecordedMaximum = recordedRows * 10.0 <= targetArl;
        if (!useRecordedMaximum && options.BlockMaximaLength == 0)
        {
            return calibration;
        }

        // One pass over the recorded rows gives the largest statistic and, with BlockMaximaLength, each block's largest.
        var maxima = new List<double>();
        var floor = BlockMaxima(kind, shift, options.ScoreClip, heldOutScores, streamCount, options.BlockMaximaLength, maxima);
        foreach (var stretch in recordedStretches)
        {
            floor = Math.Max(floor, BlockMaxima(kind, shift, options.ScoreClip, stretch.Span, streamCount, options.BlockMaximaLength, maxima));
        }

        var raised = useRecordedMaximum ? floor * RecordedMaximumMargin : 0.0;
        if (options.BlockMaximaLength > 0 && maxima.Count >= MinimumBlockMaxima)
        {
            raised = Math.Max(raised, TailQuantile(maxima, options.BlockMaximaLength / targetArl));
        }

        var statisticThreshold = calibration.StatisticThreshold;
        if (!(raised > statisticThreshold))
        {
            return calibration;
        }

        var estimated = calibration.Method == SequentialCalibration.ExtrapolatedMethod
            ? Math.Exp(calibration.FitIntercept + (calibration.FitSlope * raised))
            : calibration.EstimatedArl;
        return new SequentialCalibration(
            kind, shift, ToNaturalThreshold(kind, raised), targetArl, estimated, calibration.EstimatedArlStandardError * (estimated / calibration.EstimatedArl),
            calibration.Method, calibration.FitSlope, calibration.FitIntercept, calibration.FitMinArl, calibration.FitMaxArl, calibration.FitPointCount,
            calibration.ScoreClip, calibration.SimulatedRuns, calibration.SimulatedScores, calibration.StreamCount, calibration.HeldOutRows, calibration.BlockLength, seed);
    }

    /// <summary>Fewest whole recorded blocks for the block-maxima floor: fewer do not pin the tail down.</summary>
    internal const int MinimumBlockMaxima = 20;

    /// <summary>
    /// Feeds <paramref name="scores"/> (rows × streams) in order to a fresh bank that never alarms and returns the largest
    /// statistic it reaches; with <paramref name="blockLength"/> &gt; 0 also appends the largest of each whole block of that
    /// many rows to <paramref name="maxima"/> (a trailing partial block counts only for the returned maximum). Rows with
    /// non-finite values are skipped.
    /// </summary>
    internal static double BlockMaxima(SequentialDetectorKind kind, double shift, double scoreClip, ReadOnlySpan<double> scores, int streamCount, int blockLength, List<double> maxima)
    {
        var bank = SequentialDetectorBank.ForCalibration(kind, streamCount, shift, scoreClip);
        var rows = scores.Length / streamCount;
        var max = 0.0;
        var blockMax = 0.0;
        for (var r = 0; r < rows; r++)
        {
            var row = scores.Slice(r * streamCount, streamCount);
            var finite = true;
            foreach (var v in row)
            {
                finite &= double.IsFinite(v);
            }

            if (finite)
            {
                var statistic = bank.UpdateMax(row);
                max = Math.Max(max, statistic);
                blockMax = Math.Max(blockMax, statistic);
            }

            if (blockLength > 0 && (r + 1) % blockLength == 0)
            {
                maxima.Add(blockMax);
                blockMax = 0;
            }
        }

        return max;
    }

    /// <summary>
    /// The level a block maximum exceeds with probability <paramref name="exceedance"/>, from a peaks-over-threshold fit of
    /// the largest ones: above u, the (k+1)-th largest of n maxima (k = max(10, n/5), or max(10, round √n) with
    /// <paramref name="squareRootTail"/>), excesses are taken as exponential (the
    /// generalized Pareto law of the Gumbel domain, ξ = 0) with mean σ = mean of the k excesses, so P(M &gt; m) = (k/n)·e^{−(m−u)/σ}
    /// and the level is u + σ ln(k / (n·p)). Fitting only the top keeps the bulk of quiet blocks from setting the tail
    /// (a Gumbel fitted to all maxima of a few wild missions among many quiet ones understates it); for maxima with lighter
    /// tails, Gaussian-like, the exponential extrapolation errs on the safe side.
    /// </summary>
    /// <remarks>
    /// The top √n suits maxima that are a mixture, as a single stream's often are: the demo robot's range streams have most
    /// missions near 10 and a few wall-following missions at 50–500, and a fit to the top fifth of 1000 missions put one stream's
    /// 1-in-1000 level at 50 where 4000 fresh missions showed 87 (and 87 against 211 for another); the top 32 gave 75 and 152.
    /// A whole bank's maxima are already dominated by its wildest streams and keep the top fifth.
    /// </remarks>
    internal static double TailQuantile(List<double> maxima, double exceedance, bool squareRootTail = false)
    {
        var sorted = maxima.ToArray();
        Array.Sort(sorted);
        Array.Reverse(sorted);
        var n = sorted.Length;
        var k = Math.Min(n - 1, Math.Max(MinimumTail, squareRootTail ? (int)Math.Round(Math.Sqrt(n)) : n / 5));
        var u = sorted[k];
        var sigma = 0.0;
        for (var i = 0; i < k; i++)
        {
            sigma += sorted[i] - u;
        }

        sigma /= k;
        var tailShare = (double)k / n;
        return exceedance >= tailShare ? u : u + (sigma * Math.Log(tailShare / exceedance));
    }

    /// <summary>Fewest maxima in the fitted tail.</summary>
    internal const int MinimumTail = 10;


    /// <summary>The recorded-order floor is this multiple of the largest statistic the clean rows reach.</summary>
    internal const double RecordedMaximumMargin = 1.05;

    private static SequentialCalibration CalibrateDirect(
        Simulation simulation, SequentialDetectorKind kind, double shift, double targetArl, int initialRuns, ulong seed, SequentialCalibrationOptions options)
    {
        var (threshold, _) = RunToLevel(simulation, targetArl, initialRuns, options);
        var (mean, sd) = simulation.RunLengthMoments(threshold, 0, simulation.Paths.Count);
        return new SequentialCalibration(
            kind, shift, ToNaturalThreshold(kind, threshold), targetArl, mean, sd / Math.Sqrt(simulation.Paths.Count),
            SequentialCalibration.DirectMethod, 0, 0, 0, 0, 0,
            simulation.ScoreClip, simulation.Paths.Count, simulation.UsedScores, simulation.Streams, simulation.Rows, simulation.BlockLength, seed);
    }

    private static SequentialCalibration CalibrateExtrapolated(
        Simulation simulation, SequentialDetectorKind kind, double shift, double targetArl, int initialRuns, double affordableArl, ulong seed, SequentialCalibrationOptions options)
    {
        var top = Math.Min(options.ExtrapolationMaxArl, affordableArl);
        if (top < 4 * options.ExtrapolationMinArl)
        {
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"compute budget {options.MaxSimulatedScores} scores affords ARLs up to {top:G4} only, below 4 x ExtrapolationMinArl ({options.ExtrapolationMinArl:G4}); raise MaxSimulatedScores"));
        }

        var (_, cap) = RunToLevel(simulation, top, initialRuns, options);
        var count = options.ExtrapolationPoints;
        var thresholds = new double[count];
        var logArls = new double[count];
        var logMin = Math.Log(options.ExtrapolationMinArl);
        var logTop = Math.Log(top);
        for (var j = 0; j < count; j++)
        {
            var level = Math.Exp(logMin + ((logTop - logMin) * j / (count - 1)));
            thresholds[j] = simulation.Solve(level, cap);
            logArls[j] = Math.Log(simulation.MeanRunLength(thresholds[j], 0, simulation.Paths.Count));
        }

        var (slope, intercept) = FitLine(thresholds, logArls);
        if (!(slope > 0))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"ln ARL did not increase with the threshold (fitted slope {slope}); cannot extrapolate"));
        }

        var statisticThreshold = (Math.Log(targetArl) - intercept) / slope;
        var standardError = targetArl * BatchStandardErrorOfLogArl(simulation, thresholds, statisticThreshold);
        return new SequentialCalibration(
            kind, shift, ToNaturalThreshold(kind, statisticThreshold), targetArl, Math.Exp(intercept + (slope * statisticThreshold)), standardError,
            SequentialCalibration.ExtrapolatedMethod, slope, intercept, Math.Exp(logArls[0]), Math.Exp(logArls[^1]), count,
            simulation.ScoreClip, simulation.Paths.Count, simulation.UsedScores, simulation.Streams, simulation.Rows, simulation.BlockLength, seed);
    }

    /// <summary>Simulates until the threshold reaching <paramref name="level"/> is known to the requested relative standard error.</summary>
    private static (double Threshold, double Cap) RunToLevel(Simulation simulation, double level, int initialRuns, SequentialCalibrationOptions options)
    {
        simulation.AddPaths(initialRuns);
        var cap = 0.5;
        while (true)
        {
            cap = simulation.EnsureCap(level, cap);
            var threshold = simulation.Solve(level, cap);
            var n = simulation.Paths.Count;
            var (mean, sd) = simulation.RunLengthMoments(threshold, 0, n);
            var relativeError = sd / Math.Sqrt(n) / mean;
            if (relativeError <= options.RelativeStandardError || n >= options.MaxRuns)
            {
                return (threshold, cap);
            }

            var wanted = (int)Math.Min(options.MaxRuns, Math.Ceiling(1.05 * n * (relativeError / options.RelativeStandardError) * (relativeError / options.RelativeStandardError)));
            var extraCost = (wanted - n) * simulation.MeanRunLength(cap, 0, n) * simulation.Streams;
            if (simulation.UsedScores + extraCost > simulation.BudgetScores)
            {
                return (threshold, cap);
            }

            simulation.AddPaths(wanted - n);
        }
    }

    /// <summary>Batch-means standard error of the fitted ln ARL at <paramref name="statisticThreshold"/> (runs split in 10 groups).</summary>
    private static double BatchStandardErrorOfLogArl(Simulation simulation, double[] thresholds, double statisticThreshold)
    {
        var n = simulation.Paths.Count;
        var predictions = new double[Batches];
        var logArls = new double[thresholds.Length];
        for (var g = 0; g < Batches; g++)
        {
            var from = g * n / Batches;
            var to = (g + 1) * n / Batches;
            for (var j = 0; j < thresholds.Length; j++)
            {
                logArls[j] = Math.Log(simulation.MeanRunLength(thresholds[j], from, to));
            }

            var (slope, intercept) = FitLine(thresholds, logArls);
            predictions[g] = intercept + (slope * statisticThreshold);
        }

        var mean = predictions.Average();
        var sumSquares = 0.0;
        foreach (var p in predictions)
        {
            sumSquares += (p - mean) * (p - mean);
        }

        return Math.Sqrt(sumSquares / (Batches - 1) / Batches);
    }

    private static (double Slope, double Intercept) FitLine(double[] x, double[] y)
    {
        var mx = x.Average();
        var my = y.Average();
        double sxx = 0, sxy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
        }

        var slope = sxy / sxx;
        return (slope, my - (slope * mx));
    }

    private static double ToNaturalThreshold(SequentialDetectorKind kind, double statisticThreshold) =>
        kind == SequentialDetectorKind.ShiryaevRoberts ? ShiryaevRoberts.ThresholdFromStatistic(statisticThreshold) : statisticThreshold;

    /// <summary>The simulated runs and the bootstrap that drives them.</summary>
    private sealed class Simulation
    {
        private readonly double[] _scores;
        private readonly SequentialDetectorKind _kind;
        private readonly double _shift;
        private SplitMix64 _seeds;

        public Simulation(SequentialDetectorKind kind, double[] scores, int rows, int streams, double shift, double scoreClip, int blockLength, ulong seed, long budgetScores)
        {
            ScoreClip = scoreClip;
            _kind = kind;
            _scores = scores;
            Rows = rows;
            Streams = streams;
            _shift = shift;
            BlockLength = blockLength;
            BudgetScores = budgetScores;
            _seeds = new SplitMix64(seed);
        }

        public int Rows { get; }

        public double ScoreClip { get; }

        public int Streams { get; }

        public int BlockLength { get; }

        public long BudgetScores { get; }

        public long UsedScores { get; private set; }

        public List<RunPath> Paths { get; } = [];

        public void AddPaths(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Paths.Add(new RunPath(SequentialDetectorBank.ForCalibration(_kind, Streams, _shift, ScoreClip), new SplitMix64(_seeds.NextUInt64())));
            }
        }

        /// <summary>Raises the cap until the estimated ARL at the cap reaches <paramref name="level"/>.</summary>
        public double EnsureCap(double level, double cap)
        {
            while (true)
            {
                ExtendAll(cap);
                var n = Paths.Count;
                var arl = MeanRunLength(cap, 0, n);
                if (arl >= level)
                {
                    return cap;
                }

                if (arl < 8)
                {
                    // Run lengths this short cost nothing: walk up in small fixed steps.
                    cap += 0.5;
                    continue;
                }

                // Local slope of ln ARL over the last factor of 4 in ARL. ln ARL is concave in the
                // threshold (exponential at most), so this slope overestimates the slope ahead and the
                // step undershoots rather than overshoots; each step at most multiplies the ARL by 8.
                var lower = Solve(arl / 4, cap);
                var slope = (Math.Log(arl) - Math.Log(MeanRunLength(lower, 0, n))) / (cap - lower);
                var wanted = Math.Min(Math.Log(level * CapMargin / arl), Math.Log(8.0));
                var step = slope > 0 && double.IsFinite(slope) ? wanted / slope : 0.5;
                cap += Math.Max(step, 1e-6 * (1 + cap));
            }
        }

        /// <summary>The smallest threshold (to rounding) whose estimated ARL reaches <paramref name="level"/>.</summary>
        public double Solve(double level, double cap)
        {
            var n = Paths.Count;
            double lo = 0, hi = cap;
            for (var i = 0; i < 200 && hi - lo > 1e-12 * hi; i++)
            {
                var mid = 0.5 * (lo + hi);
                if (MeanRunLength(mid, 0, n) >= level)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid;
                }
            }

            return hi;
        }

        public double MeanRunLength(double threshold, int from, int to) => RunLengthMoments(threshold, from, to).Mean;

        public (double Mean, double StandardDeviation) RunLengthMoments(double threshold, int from, int to)
        {
            double sum = 0, sumSquares = 0;
            for (var i = from; i < to; i++)
            {
                double t = Paths[i].RunLength(threshold);
                sum += t;
                sumSquares += t * t;
            }

            var count = to - from;
            var mean = sum / count;
            var variance = count > 1 ? Math.Max(0, (sumSquares - (count * mean * mean)) / (count - 1)) : 0;
            return (mean, Math.Sqrt(variance));
        }

        private void ExtendAll(double cap)
        {
            foreach (var path in Paths)
            {
                var remainingRows = (BudgetScores - UsedScores) / Streams;
                UsedScores += path.ExtendTo(cap, _scores, Rows, Streams, BlockLength, remainingRows) * Streams;
                if (path.Max < cap)
                {
                    throw new InvalidOperationException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"sequential calibration spent its compute budget ({BudgetScores} scores, MaxSimulatedScores) before a run reached the statistic {cap:G4}; raise the budget, lower the target ARL, or check that the held-out scores vary (constant or tiny scores never move the detectors)"));
                }
            }
        }
    }

    /// <summary>One simulated run: its bank, its generator, and the records of its running maximum statistic.</summary>
    private sealed class RunPath
    {
        private readonly SequentialDetectorBank _bank;
        private readonly List<double> _recordValues = [];
        private readonly List<long> _recordTimes = [];
        private SplitMix64 _random;
        private long _time;
        private double _max = double.NegativeInfinity;
        private int _blockRow;
        private int _blockRemaining;

        public RunPath(SequentialDetectorBank bank, SplitMix64 random)
        {
            _bank = bank;
            _random = random;
        }

        /// <summary>The largest bank statistic seen so far.</summary>
        public double Max => _max;

        /// <summary>Continues the run until its running maximum reaches <paramref name="cap"/> or <paramref name="rowLimit"/> rows were simulated; returns the rows simulated.</summary>
        public long ExtendTo(double cap, double[] scores, int rows, int streams, int blockLength, long rowLimit)
        {
            long steps = 0;
            while (_max < cap)
            {
                if (steps >= rowLimit)
                {
                    break;
                }

                int row;
                if (blockLength == 1)
                {
                    row = _random.NextInt(rows);
                }
                else
                {
                    if (_blockRemaining == 0)
                    {
                        _blockRow = _random.NextInt(rows - blockLength + 1);
                        _blockRemaining = blockLength;
                    }

                    row = _blockRow++;
                    _blockRemaining--;
                }

                var m = _bank.UpdateMax(scores.AsSpan(row * streams, streams));
                _time++;
                steps++;
                if (m > _max)
                {
                    _max = m;
                    _recordValues.Add(m);
                    _recordTimes.Add(_time);
                }
            }

            return steps;
        }

        /// <summary>Rows until the bank's first alarm at <paramref name="threshold"/> (at most the cap reached).</summary>
        public long RunLength(double threshold)
        {
            System.Diagnostics.Debug.Assert(threshold <= _max, "the run was not extended far enough");
            var values = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_recordValues);
            int lo = 0, hi = values.Length - 1;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (values[mid] >= threshold)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            return _recordTimes[lo];
        }
    }
}
