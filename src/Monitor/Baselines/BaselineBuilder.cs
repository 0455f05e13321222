using System.Globalization;
using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Detection.Sequential;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Sketches;

namespace EdgeSentinel.Monitor.Baselines;

/// <summary>
/// Builds and calibrates a <see cref="Baseline"/> from training observations (the fingerprint)
/// and held-out observations (threshold calibration), plus canaries.
/// </summary>
/// <remarks>
/// Keeps the projected rows in memory (8 bytes per channel per row). Not thread-safe.
/// Calibration assumes held-out rows are exchangeable with live rows under no drift; the
/// sequential thresholds are found by bootstrapping whole held-out rows (blocks of
/// <see cref="BaselineOptions.CalibrationBlockLength"/>). The window tests' null is calibrated on
/// consecutive windows of the training rows, so give training rows in time order
/// (<see cref="WindowNullCalibration"/>).
/// </remarks>
public sealed class BaselineBuilder
{
    private readonly FingerprintSchema _schema;
    private readonly ModelIdentity _model;
    private readonly BaselineOptions _options;
    private readonly ObservationProjector _projector;
    private readonly List<double> _training = [];
    private readonly List<double> _heldOut = [];
    private readonly List<Canary> _canaries = [];
    private readonly double[] _row;

    /// <summary>Starts a baseline for <paramref name="model"/> with the channels of <paramref name="schema"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    public BaselineBuilder(FingerprintSchema schema, ModelIdentity model, BaselineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new BaselineOptions();
        var problems = _options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid baseline options:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", problems), nameof(options));
        }

        _schema = schema;
        _model = model;
        _projector = new ObservationProjector(schema);
        _row = new double[schema.Channels.Count];
    }

    /// <summary>Training rows added so far.</summary>
    public int TrainingCount => _training.Count / _row.Length;

    /// <summary>Held-out rows added so far.</summary>
    public int HeldOutCount => _heldOut.Count / _row.Length;

    /// <summary>Adds one training inference.</summary>
    public void AddTraining(ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputs, ReadOnlySpan<float> taps, double latencyMs = 0) =>
        Add(_training, inputs, outputs, taps, latencyMs);

    /// <summary>Adds one held-out inference, used only to calibrate thresholds.</summary>
    public void AddHeldOut(ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputs, ReadOnlySpan<float> taps, double latencyMs = 0) =>
        Add(_heldOut, inputs, outputs, taps, latencyMs);

    /// <summary>Adds a canary: an input and the output the model gave for it.</summary>
    public void AddCanary(ReadOnlySpan<float> inputs, ReadOnlySpan<float> expectedOutputs) => _canaries.Add(new Canary(inputs, expectedOutputs));

    /// <summary>Builds the baseline: fingerprint, reference samples, scoring model and calibrated thresholds.</summary>
    /// <param name="timeProvider">Source of the creation time; the system clock when null.</param>
    /// <param name="progress">Receives one line per stage.</param>
    /// <exception cref="InvalidOperationException">Too few training or held-out rows.</exception>
    public Baseline Build(TimeProvider? timeProvider = null, IProgress<string>? progress = null)
    {
        var width = _row.Length;
        var trainingRows = TrainingCount;
        var heldOutRows = HeldOutCount;
        if (trainingRows < _options.MinTrainingRows || heldOutRows < _options.MinHeldOutRows)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"A baseline needs at least {_options.MinTrainingRows} training rows and {_options.MinHeldOutRows} held-out rows; got {trainingRows} and {heldOutRows}."));
        }

        var training = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_training);
        var heldOut = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_heldOut);

        progress?.Report(F($"fingerprint: summarizing {trainingRows} training rows"));
        var first = new FingerprintAccumulator(_schema);
        for (var r = 0; r < trainingRows; r++)
        {
            first.Add(training.Slice(r * width, width));
        }

        var quantilePass = first.ToFingerprint();
        var edges = new double[]?[width];
        for (var c = 0; c < width; c++)
        {
            var q = quantilePass.Channels[c].Quantiles;
            edges[c] = q is null || q.Count == 0 ? null : BinnedHistogram.EdgesFromQuantiles(q, _options.HistogramBins);
        }

        var second = new FingerprintAccumulator(_schema, edges);
        for (var r = 0; r < trainingRows; r++)
        {
            second.Add(training.Slice(r * width, width));
        }

        var fingerprint = second.ToFingerprint();

        progress?.Report(F($"reference samples: keeping up to {_options.ReferenceSampleSize} values per channel"));
        var samples = ReferenceSamples(training, trainingRows, width, out var referenceRows);

        var untested = ResolveUntested();
        var nonStationary = NonStationaryChannels(fingerprint, heldOut, heldOutRows, width, untested);
        foreach (var c in nonStationary)
        {
            progress?.Report(F($"warning: channel '{_schema.Channels[c].Name}' moved between training and held-out data (more than {_options.NonStationaryShift} sd): left out of the sequential detectors; window tests still cover it"));
        }

        progress?.Report("scoring model: standardization and tap covariance (Ledoit-Wolf shrinkage)");
        var scoring = ScoringModel.Create(fingerprint, new HashSet<int>(untested.Concat(nonStationary)));
        var streams = scoring.StreamCount;
        var scores = new double[streams];
        var tapDistances = new double[_schema.Taps.Count];

        // Standardize the tap distance streams with the training distances.
        var distanceMoments = new MomentsSketch[tapDistances.Length];
        for (var t = 0; t < distanceMoments.Length; t++)
        {
            distanceMoments[t] = new MomentsSketch();
        }

        for (var r = 0; r < trainingRows && tapDistances.Length > 0; r++)
        {
            scoring.Score(training.Slice(r * width, width), _schema.TapStarts, scores, tapDistances);
            for (var t = 0; t < tapDistances.Length; t++)
            {
                distanceMoments[t].Add(tapDistances[t]);
            }
        }

        scoring = scoring.WithTapDistanceStandardization(
            [.. distanceMoments.Select(m => double.IsFinite(m.Mean) ? m.Mean : 0.0)],
            [.. distanceMoments.Select(m => ScoringModel.Scale(m.StandardDeviation, m.Mean))]);

        // A tap whose held-out distances sit well above training's feeds no sequential stream either.
        var tapShift = new MomentsSketch[tapDistances.Length];
        for (var t = 0; t < tapShift.Length; t++)
        {
            tapShift[t] = new MomentsSketch();
        }

        for (var r = 0; r < heldOutRows && tapDistances.Length > 0; r++)
        {
            scoring.Score(heldOut.Slice(r * width, width), _schema.TapStarts, scores, tapDistances);
            for (var t = 0; t < tapDistances.Length; t++)
            {
                tapShift[t].Add((tapDistances[t] - scoring.TapDistanceMeans[t]) / scoring.TapDistanceScales[t]);
            }
        }

        var movedTaps = new HashSet<int>();
        for (var t = 0; t < tapShift.Length; t++)
        {
            if (tapShift[t].Count > 0 && Math.Abs(tapShift[t].Mean) > _options.NonStationaryShift)
            {
                movedTaps.Add(t);
                progress?.Report(F($"warning: tap '{_schema.Taps[t].Name}' moved between training and held-out data: left out of the sequential detectors; activation anomalies and window tests still cover it"));
                nonStationary = [.. nonStationary.Concat(Enumerable.Range(_schema.TapStarts[t], _schema.Taps[t].ProjectedDimension)).Order()];
            }
        }

        scoring = scoring.WithoutTapStreams(movedTaps);
        streams = scoring.StreamCount;
        scores = new double[streams];

        // Lag-1 autocorrelation of each stream over the training rows, in the order they were added.
        var rho = StreamAutocorrelation(scoring, training, trainingRows, width, scores, tapDistances);
        scoring = scoring.WithAutocorrelation(rho);
        var prewhitened = rho.Count(r => r != 0);
        if (prewhitened > 0)
        {
            progress?.Report(F($"scoring model: {prewhitened} of {streams} streams are autocorrelated in time (|rho| >= {ScoringModel.NegligibleAutocorrelation}) and are prewhitened"));
        }

        // The training rows' scores in recorded order: the sequential threshold must not alarm on them either.
        scoring.ResetState();
        var trainingScores = new double[trainingRows * streams];
        for (var r = 0; r < trainingRows; r++)
        {
            scoring.Score(training.Slice(r * width, width), _schema.TapStarts, scores, tapDistances);
            scores.CopyTo(trainingScores.AsSpan(r * streams, streams));
        }

        scoring.ResetState();
        progress?.Report(F($"calibration: scoring {heldOutRows} held-out rows"));
        var heldOutScores = new List<double>(heldOutRows * streams);
        var heldOutDistances = new List<double>[tapDistances.Length];
        for (var t = 0; t < heldOutDistances.Length; t++)
        {
            heldOutDistances[t] = new List<double>(heldOutRows);
        }

        var skipped = 0;
        for (var r = 0; r < heldOutRows; r++)
        {
            scoring.Score(heldOut.Slice(r * width, width), _schema.TapStarts, scores, tapDistances);
            if (!AllFinite(scores) || !AllFinite(tapDistances))
            {
                skipped++;
                continue;
            }

            heldOutScores.AddRange(scores);
            for (var t = 0; t < tapDistances.Length; t++)
            {
                heldOutDistances[t].Add(tapDistances[t]);
            }
        }

        if (heldOutRows - skipped < _options.MinHeldOutRows)
        {
            throw new InvalidOperationException(F($"Only {heldOutRows - skipped} of {heldOutRows} held-out rows have finite values; at least {_options.MinHeldOutRows} are needed."));
        }

        progress?.Report(F($"calibration: sequential {_options.SequentialDetector} bank of {streams} streams for an average run length of {_options.TargetAverageRunLength:G3}"));
        var grouped = SequentialStreamGroups.Calibrate(
            _options.SequentialDetector,
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(heldOutScores),
            streams,
            _options.TargetAverageRunLength,
            _options.Seed,
            new SequentialCalibrationOptions { BlockLength = _options.CalibrationBlockLength, FloorAtRecordedMaximum = true, BlockMaximaLength = _options.CalibrationBlockLength > 1 ? _options.CalibrationBlockLength : 0 },
            _options.SequentialGroupSeparation,
            trainingScores);
        var sequential = grouped.Calibration;
        progress?.Report("calibration: sequential thresholds: " + grouped.Description);
        if (grouped.Levels.Length == streams)
        {
            var names = StreamNames(scoring);
            progress?.Report("calibration: each stream's own level (run alone; * quiet; [block dispersion]): " + string.Join(", ", Enumerable.Range(0, streams).Select(s => F($"{names[s]} {grouped.Levels[s]:G3}{(grouped.Quiet.Contains(s) ? "*" : "")}{(grouped.Dispersion is { } d ? F($" [{d[s]:G3}]") : "")}"))));
        }

        var gap = _options.ActivationEpisodeGap;
        progress?.Report(F($"calibration: activation-anomaly thresholds for {_options.ActivationAnomalyRate:G3} episode onsets per sample (an onset: the first exceedance after {gap} samples without one), on the held-out rows in recorded order"));
        var thresholds = new double[tapDistances.Length];
        var thetas = new double[tapDistances.Length];
        var method = "empirical-quantile";
        for (var t = 0; t < thresholds.Length; t++)
        {
            thresholds[t] = ExtremalIndex.OnsetThreshold(heldOutDistances[t], _options.ActivationAnomalyRate, gap, out thetas[t], out var usedMethod);
            method = usedMethod;
            var level = ExtremalIndex.LevelProbability(heldOutDistances[t].Count, gap);
            progress?.Report(F($"calibration: tap '{_schema.Taps[t].Name}': extremal index θ {thetas[t]:G3} (runs of {gap} at the level exceeded by {level:G3} of the rows), threshold at {Math.Min(_options.ActivationAnomalyRate / thetas[t], 0.5):G3} exceedances per row"));
            if (gap > 0 && level * gap > ExtremalIndex.MaxChanceOverlap)
            {
                progress?.Report(F($"warning: tap '{_schema.Taps[t].Name}': {heldOutDistances[t].Count} held-out rows are too few to measure θ at a level where unrelated exceedances rarely fall within {gap} samples of each other; θ is taken as 1 (thresholds per row)"));
            }
        }

        var windowNull = CalibrateWindowNull(training, trainingRows, referenceRows, scoring, untested, progress);
        var support = EstimateSupport(training, heldOut, width, scoring, progress);
        var calibration = new BaselineCalibration(sequential, _options.ActivationAnomalyRate, thresholds, method,
            _options.WindowSize, _options.WindowAlpha, _options.MultipleTesting, untested, nonStationary, windowNull, gap, thetas, support);
        var canaries = _canaries.Count == 0 ? CanarySet.Empty : new CanarySet(_canaries);
        var createdAt = (timeProvider ?? TimeProvider.System).GetUtcNow();
        progress?.Report("baseline built");
        return new Baseline(_model, fingerprint, samples, scoring, calibration, canaries, createdAt, _options.Description);
    }

    /// <summary>The support limits of the sequential bank's input channels (null when <see cref="BaselineOptions.SupportLimitShare"/> is 0).</summary>
    private SupportLimits? EstimateSupport(ReadOnlySpan<double> training, ReadOnlySpan<double> heldOut, int width, ScoringModel scoring, IProgress<string>? progress)
    {
        var inputs = scoring.StreamChannels.Where(c => _schema.Channels[c].Role == ChannelRole.Input).ToArray();
        if (_options.SupportLimitShare == 0 || inputs.Length == 0)
        {
            return null;
        }

        var total = _options.SupportLimitShare / _options.TargetAverageRunLength;
        var support = SupportLimits.Estimate(training, heldOut, width, inputs, total, out var skipped);
        progress?.Report(F($"calibration: support limits on {inputs.Length - skipped.Count} input channels, {support.RatePerSide:G3} per sample and side ({total:G3} together)"));
        foreach (var c in skipped)
        {
            progress?.Report(F($"warning: channel '{_schema.Channels[c].Name}' has fewer than {SupportLimits.MinValues} finite training and held-out values: no support limits"));
        }

        return support;
    }

    /// <summary>The sequential streams' names: the value streams' channels, then "tap.NAME.mahalanobis" per tap stream.</summary>
    private string[] StreamNames(ScoringModel scoring)
    {
        var names = new List<string>(scoring.StreamCount);
        names.AddRange(scoring.StreamChannels.Select(c => _schema.Channels[c].Name));
        for (var t = 0; t < _schema.Taps.Count; t++)
        {
            if (scoring.TapStreams[t])
            {
                names.Add($"tap.{_schema.Taps[t].Name}.mahalanobis");
            }
        }

        return [.. names];
    }

    /// <summary>
    /// Rows on each side of a calibration window left out of its reference: a live window comes from a stretch
    /// of data the training never saw, so the training rows nearest the window (its session, mission or
    /// layout) must not stand in for it. max(4 windows, one calibration block).
    /// </summary>
    private int NullCalibrationGap => Math.Max(4 * _options.WindowSize, _options.CalibrationBlockLength);

    /// <summary>
    /// Design effects of the window tests from consecutive training windows, each compared with the
    /// reference less the rows within <see cref="NullCalibrationGap"/> of it.
    /// </summary>
    private WindowNullCalibration CalibrateWindowNull(ReadOnlySpan<double> training, int rows, int[] referenceRows, ScoringModel scoring, int[] untested, IProgress<string>? progress)
    {
        var windows = rows / _options.WindowSize;
        if (windows < _options.MinNullCalibrationWindows)
        {
            progress?.Report(F($"warning: window tests' null not calibrated: {rows} training rows make {windows} windows of {_options.WindowSize}, fewer than {_options.MinNullCalibrationWindows}; the window tests assume independent rows (AR(1) effective size for autocorrelated channels)"));
        }
        else
        {
            progress?.Report(F($"calibration: window tests' null on {windows} consecutive training windows of {_options.WindowSize} rows"));
        }

        var precisions = scoring.TapScorers.Select(s => s.Precision()).ToArray();
        var result = WindowNullCalibrator.Estimate(_schema, training, rows, referenceRows, t => precisions[t], new HashSet<int>(untested),
            _options.WindowSize, NullCalibrationGap, _options.MinNullCalibrationWindows, _options.WindowAlpha, _options.MultipleTesting, out var scale);
        if (result.IsCalibrated)
        {
            if (scale > 1)
            {
                progress?.Report(F($"calibration: the window decision's tail on the training windows (all tests together) is heavier than alpha {_options.WindowAlpha:G3}: every design effect is multiplied by {scale:G4}"));
            }

            var inflated = result.ChannelDesignEffects.Count(d => d > 1) + result.TapDesignEffects.Count(d => d > 1);
            var worst = result.ChannelDesignEffects.Concat(result.TapDesignEffects).DefaultIfEmpty(1.0).Max();
            progress?.Report(F($"calibration: {inflated} window tests have a design effect above 1 (largest {worst:G3}); they are tested at the window size divided by it"));
            if (result.RejectedTrainingWindows > Math.Max(1.0, 2 * result.WindowCount * _options.WindowAlpha))
            {
                progress?.Report(F($"warning: {result.RejectedTrainingWindows} of {result.WindowCount} clean training windows are still rejected at {_options.WindowAlpha:G3} per window: the clean data has rarer, larger departures than the calibrated null allows, so live windows will alarm more often than the target"));
            }
        }

        return result;
    }

    /// <summary>
    /// Lag-1 autocorrelation of each (not yet prewhitened) stream over consecutive training rows;
    /// |ρ| below <see cref="ScoringModel.NegligibleAutocorrelation"/> becomes 0, larger ones are clamped to
    /// ±<see cref="ScoringModel.MaxAutocorrelation"/>. Pairs with a non-finite score are skipped.
    /// </summary>
    private double[] StreamAutocorrelation(ScoringModel scoring, ReadOnlySpan<double> training, int rows, int width, double[] scores, double[] tapDistances)
    {
        var streams = scores.Length;
        var series = new double[streams][];
        for (var s = 0; s < streams; s++)
        {
            series[s] = new double[rows];
        }

        for (var r = 0; r < rows; r++)
        {
            scoring.Score(training.Slice(r * width, width), _schema.TapStarts, scores, tapDistances);
            for (var s = 0; s < streams; s++)
            {
                series[s][r] = scores[s];
            }
        }

        var rho = new double[streams];
        for (var s = 0; s < streams; s++)
        {
            var x = series[s];
            double sum = 0;
            var n = 0;
            foreach (var v in x)
            {
                if (double.IsFinite(v))
                {
                    sum += v;
                    n++;
                }
            }

            if (n < 3)
            {
                continue;
            }

            var mean = sum / n;
            double variance = 0, lagged = 0;
            for (var r = 0; r < x.Length; r++)
            {
                if (!double.IsFinite(x[r]))
                {
                    continue;
                }

                variance += (x[r] - mean) * (x[r] - mean);
                if (r > 0 && double.IsFinite(x[r - 1]))
                {
                    lagged += (x[r] - mean) * (x[r - 1] - mean);
                }
            }

            var value = variance > 0 ? lagged / variance : 0;
            rho[s] = Math.Abs(value) < ScoringModel.NegligibleAutocorrelation ? 0 : Math.Clamp(value, -ScoringModel.MaxAutocorrelation, ScoringModel.MaxAutocorrelation);
        }

        return rho;
    }

    /// <summary>Channel indices named by <see cref="BaselineOptions.UntestedChannels"/>, sorted.</summary>
    private int[] ResolveUntested()
    {
        var indices = new SortedSet<int>();
        var unknown = new List<string>();
        foreach (var name in _options.UntestedChannels)
        {
            var index = _schema.IndexOf(name);
            if (index < 0)
            {
                index = _schema.IndexOf("input." + name);
            }

            if (index < 0)
            {
                unknown.Add(name);
            }
            else
            {
                indices.Add(index);
            }
        }

        if (unknown.Count > 0)
        {
            throw new ArgumentException($"UntestedChannels: no channel named {string.Join(", ", unknown.Select(n => $"'{n}'"))} in the schema.");
        }

        return [.. indices];
    }

    /// <summary>Continuous value channels whose held-out mean moved more than the allowed shift from training (sorted).</summary>
    private int[] NonStationaryChannels(Fingerprint training, ReadOnlySpan<double> heldOut, int rows, int width, int[] untested)
    {
        var result = new List<int>();
        var moments = new MomentsSketch();
        foreach (var channel in _schema.Channels)
        {
            if (channel.ValueKind != ChannelValueKind.Continuous || channel.Role is not (Decisions.ChannelRole.Input or Decisions.ChannelRole.Output or Decisions.ChannelRole.Derived)
                || Array.BinarySearch(untested, channel.Index) >= 0)
            {
                continue;
            }

            moments.Reset();
            for (var r = 0; r < rows; r++)
            {
                moments.Add(heldOut[(r * width) + channel.Index]);
            }

            var summary = training.Channels[channel.Index];
            var scale = ScoringModel.Scale(summary.StandardDeviation, summary.Mean);
            if (moments.Count > 0 && Math.Abs(moments.Mean - summary.Mean) / scale > _options.NonStationaryShift)
            {
                result.Add(channel.Index);
            }
        }

        return [.. result];
    }

    private float[][] ReferenceSamples(ReadOnlySpan<double> training, int rows, int width, out int[] referenceRows)
    {
        // One random subset of rows (Floyd's algorithm would do; a partial Fisher-Yates is simpler), shared by all channels.
        var take = Math.Min(rows, _options.ReferenceSampleSize);
        var order = new int[rows];
        for (var i = 0; i < rows; i++)
        {
            order[i] = i;
        }

        var random = new SplitMix64(_options.Seed ^ 0x7EFE_2E4C_E5A3_B1E5UL);
        for (var i = 0; i < take; i++)
        {
            var j = i + random.NextInt(rows - i);
            (order[i], order[j]) = (order[j], order[i]);
        }

        referenceRows = order[..take];
        var samples = new float[width][];
        var buffer = new List<float>(take);
        for (var c = 0; c < width; c++)
        {
            buffer.Clear();
            if (_schema.Channels[c].ValueKind == ChannelValueKind.Continuous)
            {
                for (var i = 0; i < take; i++)
                {
                    var v = training[(order[i] * width) + c];
                    if (double.IsFinite(v))
                    {
                        buffer.Add((float)v);
                    }
                }
            }

            samples[c] = [.. buffer];
        }

        return samples;
    }

    private void Add(List<double> target, ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputs, ReadOnlySpan<float> taps, double latencyMs)
    {
        _projector.CheckLengths(inputs.Length, outputs.Length, taps.Length);
        _projector.Project(inputs, outputs, taps, latencyMs, _row);
        target.AddRange(_row);
    }

    private static bool AllFinite(ReadOnlySpan<double> values)
    {
        foreach (var v in values)
        {
            if (!double.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
