using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Sketches;
using EdgeSentinel.Monitor.Statistics;

namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>
/// The window tests: per continuous channel a two-sample KS test against the baseline's
/// reference sample (exact p-value for small samples; for a channel autocorrelated in time, the
/// asymptotic p-value at its AR(1) effective window size), with PSI, Jensen–Shannon and
/// Wasserstein-1 as effect sizes; per categorical channel a chi-square homogeneity test against
/// the baseline counts; per tap a multivariate mean-shift test. When the baseline's window null is
/// calibrated (<see cref="WindowNullCalibration"/>), every test uses its design effect instead: KS at
/// the window size over it, chi-square and mean-shift statistics divided by it. Multiple-testing control and the
/// input-vs-behavior decision follow in <see cref="DriftDecision"/>.
/// </summary>
/// <remarks>Thread-safe (one analysis at a time; calls are serialized).</remarks>
internal sealed class WindowAnalyzer
{
    /// <summary>Fewest finite values a channel needs in a window to be tested.</summary>
    public const int MinimumValues = 8;

    private readonly Baseline _baseline;
    private readonly FingerprintSchema _schema;
    private readonly double[][] _reference;
    private readonly double[]?[] _edges;
    private readonly bool[] _referenceFinite;
    private readonly ScoringModel _scoring;
    private readonly double[][] _tapPrecision;
    private readonly DriftDecisionOptions _decision;
    private readonly double[] _baselineNonFiniteRate;
    private readonly HashSet<int> _untested;
    private readonly double[] _autocorrelation;
    private readonly WindowNullCalibration _null;
    private readonly Lock _gate = new();

    public WindowAnalyzer(Baseline baseline)
    {
        _baseline = baseline;
        _schema = baseline.Schema;
        var n = _schema.Channels.Count;
        _reference = new double[n][];
        _edges = new double[]?[n];
        _baselineNonFiniteRate = new double[n];
        _referenceFinite = new bool[n];
        for (var c = 0; c < n; c++)
        {
            var sample = baseline.ReferenceSample(c);
            _reference[c] = new double[sample.Length];
            for (var i = 0; i < sample.Length; i++)
            {
                _reference[c][i] = sample[i];
            }

            Array.Sort(_reference[c]);
            _referenceFinite[c] = Array.TrueForAll(_reference[c], double.IsFinite);
            var summary = baseline.Fingerprint.Channels[c];
            _edges[c] = summary.HasHistogram ? summary.HistogramEdges.ToArray() : null;
            var total = summary.Count + summary.NaNCount + summary.PositiveInfinityCount + summary.NegativeInfinityCount;
            _baselineNonFiniteRate[c] = total == 0 ? 0 : (double)(total - summary.Count) / total;
        }

        _untested = [.. baseline.Calibration.UntestedChannels];
        _scoring = baseline.Scoring.Clone();
        _autocorrelation = new double[n];
        for (var s = 0; s < _scoring.StreamChannels.Length; s++)
        {
            _autocorrelation[_scoring.StreamChannels[s]] = _scoring.Autocorrelation[s];
        }

        _tapPrecision = [.. _scoring.TapScorers.Select(s => s.Precision())];
        _null = baseline.Calibration.WindowNull;
        _decision = new DriftDecisionOptions
        {
            Alpha = baseline.Calibration.WindowAlpha,
            MultipleTestingMethod = baseline.Calibration.MultipleTesting,
        };
    }

    public WindowReport Analyze(ObservationWindow window)
    {
        lock (_gate)
        {
            return AnalyzeCore(window);
        }
    }

    private WindowReport AnalyzeCore(ObservationWindow window)
    {
        var outcomes = new List<ChannelTestOutcome>();
        var statistics = new List<ChannelWindowStatistics>();
        var values = new double[window.Count];
        var sorted = new double[window.Count];
        var nonFiniteTotal = 0;
        var expectedNonFinite = 0.0;
        var worstNonFinite = string.Empty;
        var worstNonFiniteCount = 0;

        foreach (var channel in _schema.Channels)
        {
            var column = window.Column(channel.Index);
            var count = 0;
            foreach (var v in column)
            {
                if (double.IsFinite(v))
                {
                    values[count++] = v;
                }
            }

            if (channel.ValueKind == ChannelValueKind.Categorical)
            {
                // An undefined category (argmax of NaN outputs is stored as -1) counts as missing.
                var kept = 0;
                for (var i = 0; i < count; i++)
                {
                    if (values[i] >= 0 && values[i] < channel.CategoryCount)
                    {
                        values[kept++] = values[i];
                    }
                }

                count = kept;
            }

            var nonFinite = column.Length - count;
            nonFiniteTotal += nonFinite;
            expectedNonFinite += _baselineNonFiniteRate[channel.Index] * column.Length;
            if (nonFinite > worstNonFiniteCount)
            {
                worstNonFiniteCount = nonFinite;
                worstNonFinite = channel.Name;
            }

            if (count < MinimumValues)
            {
                continue;
            }

            var live = values.AsSpan(0, count);
            var summary = _baseline.Fingerprint.Channels[channel.Index];
            if (channel.ValueKind == ChannelValueKind.Categorical)
            {
                var counts = new long[channel.CategoryCount];
                foreach (var v in live)
                {
                    counts[(int)v]++;
                }

                var baselineCounts = summary.CategoryCounts.ToArray();
                var chi = ChiSquare.Homogeneity(baselineCounts, counts);
                var chiEffect = ChannelEffect(channel.Index);
                if (chiEffect > 1)
                {
                    // Rao–Scott first-order correction: the statistic over the calibrated design effect.
                    var df = WindowNullCalibrator.ChiSquareDegreesOfFreedom(baselineCounts, counts);
                    chi = new TestResult(chi.Statistic, df < 1 ? 1.0 : SpecialFunctions.ChiSquareSurvival(chi.Statistic / chiEffect, df));
                }

                var cramer = ChiSquare.CramersV(baselineCounts, counts);
                if (!_untested.Contains(channel.Index))
                {
                    outcomes.Add(new ChannelTestOutcome(channel.Name, channel.Role, "chi-square", chi.Statistic, chi.PValue, cramer));
                }

                statistics.Add(new ChannelWindowStatistics(channel.Name, count, nonFinite, double.NaN, chi.PValue,
                    PopulationStabilityIndex.Compute(baselineCounts, counts),
                    JensenShannon.Distance(baselineCounts, counts, 2.0),
                    double.NaN, Mean(live), summary.Mean));
                continue;
            }

            var reference = _reference[channel.Index];
            if (reference.Length < MinimumValues)
            {
                continue;
            }

            // The reference is sorted once (constructor); the window's values are sorted once here for KS and W1.
            var sortedLive = sorted.AsSpan(0, count);
            live.CopyTo(sortedLive);
            sortedLive.Sort();
            // The window's values are finite (filtered above); a reference with non-finite values fails as before.
            var d = _referenceFinite[channel.Index]
                ? KolmogorovSmirnov.StatisticSortedUnchecked(sortedLive, reference)
                : KolmogorovSmirnov.Statistic(live, reference);
            var rho = _autocorrelation[channel.Index];
            TestResult ks;
            if (_null.IsCalibrated)
            {
                // Clean training windows set the null: the asymptotic p-value at the window size over the
                // design effect (which already holds any autocorrelation within a window). The exact
                // p-value is not computed: it would be replaced (it costs O(reference size x band) per channel).
                var effective = Math.Max(1.0, count / ChannelEffect(channel.Index));
                var statistic = KolmogorovSmirnov.ReportedStatistic(d, count, reference.Length);
                ks = new TestResult(statistic, KolmogorovSmirnov.AsymptoticPValue(statistic, effective, reference.Length));
            }
            else if (rho > 0)
            {
                // Consecutive values of an autocorrelated channel carry less information than as many
                // independent ones: test at the AR(1) effective size n·(1 − ρ)/(1 + ρ) (asymptotic p-value).
                var effective = Math.Max(1.0, count * (1 - rho) / (1 + rho));
                var statistic = KolmogorovSmirnov.ReportedStatistic(d, count, reference.Length);
                ks = new TestResult(statistic, KolmogorovSmirnov.AsymptoticPValue(statistic, effective, reference.Length));
            }
            else
            {
                ks = KolmogorovSmirnov.PValue(d, count, reference.Length);
            }

            var scale = ScoringModel.Scale(summary.StandardDeviation, summary.Mean);
            var w1 = Wasserstein.DistanceSortedUnchecked(sortedLive, reference) / scale;
            double psi = double.NaN, js = double.NaN;
            var edges = _edges[channel.Index];
            if (edges is not null)
            {
                var histogram = BinnedHistogram.FromEdges(edges);
                foreach (var v in live)
                {
                    histogram.Add(v);
                }

                var baselineCounts = summary.HistogramCounts.ToArray();
                var liveCounts = histogram.Counts.ToArray();
                psi = PopulationStabilityIndex.Compute(baselineCounts, liveCounts);
                js = JensenShannon.Distance(baselineCounts, liveCounts, 2.0);
            }

            if (!_untested.Contains(channel.Index))
            {
                outcomes.Add(new ChannelTestOutcome(channel.Name, channel.Role, "kolmogorov-smirnov", ks.Statistic, ks.PValue, w1));
            }

            statistics.Add(new ChannelWindowStatistics(channel.Name, count, nonFinite, ks.Statistic, ks.PValue, psi, js, w1, Mean(live), summary.Mean));
        }

        AddTapMeanShifts(window, outcomes);
        var signals = new List<DetectionSignal>(DriftDecision.Evaluate(outcomes, window.FirstSample, window.LastSample, _decision));
        AddTapAnomalySignals(window, signals);
        signals.Add(NonFiniteSignal(window, nonFiniteTotal, expectedNonFinite, worstNonFinite, worstNonFiniteCount));
        return new WindowReport(window.FirstSample, window.LastSample, outcomes, statistics, signals, BuildFingerprint(window));
    }

    private void AddTapMeanShifts(ObservationWindow window, List<ChannelTestOutcome> outcomes)
    {
        for (var t = 0; t < _schema.Taps.Count; t++)
        {
            var start = _schema.TapStarts[t];
            var dim = _schema.Taps[t].ProjectedDimension;
            var mean = new double[dim];
            var rows = 0;
            for (var i = 0; i < window.Count; i++)
            {
                var finite = true;
                for (var j = 0; j < dim; j++)
                {
                    finite &= double.IsFinite(window.Column(start + j)[i]);
                }

                if (!finite)
                {
                    continue;
                }

                rows++;
                for (var j = 0; j < dim; j++)
                {
                    mean[j] += window.Column(start + j)[i];
                }
            }

            if (rows < MinimumValues)
            {
                continue;
            }

            for (var j = 0; j < dim; j++)
            {
                mean[j] /= rows;
            }

            var shift = MeanShift.Test(_baseline.Fingerprint.TapMean(t), _tapPrecision[t], mean, rows);
            var effect = t < _null.TapDesignEffects.Count ? _null.TapDesignEffects[t] : 1.0;
            var p = effect > 1 ? SpecialFunctions.ChiSquareSurvival(shift.Statistic / effect, dim) : shift.PValue;
            outcomes.Add(new ChannelTestOutcome("tap." + _schema.Taps[t].Name, ChannelRole.Activation, "mean-shift chi-square",
                shift.Statistic, p, shift.MahalanobisDistance));
        }
    }

    private void AddTapAnomalySignals(ObservationWindow window, List<DetectionSignal> signals)
    {
        var thresholds = _baseline.Calibration.ActivationAnomalyThresholds;
        for (var t = 0; t < _schema.Taps.Count; t++)
        {
            var start = _schema.TapStarts[t];
            var dim = _schema.Taps[t].ProjectedDimension;
            var x = new double[dim];
            var worst = 0.0;
            var worstSample = window.FirstSample;
            var exceed = 0;
            for (var i = 0; i < window.Count; i++)
            {
                for (var j = 0; j < dim; j++)
                {
                    x[j] = window.Column(start + j)[i];
                }

                var d2 = _scoring.TapScorers[t].DistanceSquared(x);
                if (!double.IsFinite(d2))
                {
                    continue;
                }

                if (d2 > thresholds[t])
                {
                    exceed++;
                }

                if (d2 > worst)
                {
                    worst = d2;
                    worstSample = window.FirstSample + i;
                }
            }

            var name = "tap." + _schema.Taps[t].Name;
            var evidence = new AlertEvidence("max squared Mahalanobis distance", worst, thresholds[t],
                _baseline.Calibration.ActivationAnomalyRate, "per sample",
                [new ChannelContribution(name, "inferences above threshold", exceed, Math.Sqrt(worst / thresholds[t]))]);
            signals.Add(new DetectionSignal(AlertKind.ActivationAnomaly, name, worst, thresholds[t], worstSample, worstSample, evidence));
        }
    }

    private DetectionSignal NonFiniteSignal(ObservationWindow window, int count, double expected, string worstChannel, int worstCount)
    {
        // Under the baseline's rate the window's NaN/±∞ count is about Poisson(expected): alarm at the
        // smallest count k ≥ 1 with P(X ≥ k) ≤ alpha (any at all when the baseline had none).
        var alpha = _baseline.Calibration.WindowAlpha;
        var threshold = 1;
        while (expected > 0 && SpecialFunctions.RegularizedGammaP(threshold, expected) > alpha)
        {
            threshold++;
        }

        var evidence = new AlertEvidence("non-finite values in window", count, threshold, alpha, "per window",
            worstCount > 0 ? [new ChannelContribution(worstChannel, "non-finite values", worstCount, worstCount / (double)window.Count)] : []);
        return new DetectionSignal(AlertKind.RuntimeHealth, "non-finite", count, threshold, window.FirstSample, window.LastSample, evidence);
    }

    private Fingerprint BuildFingerprint(ObservationWindow window)
    {
        var accumulator = new FingerprintAccumulator(_schema, _edges);
        var row = new double[_schema.Channels.Count];
        for (var i = 0; i < window.Count; i++)
        {
            window.ReadRow(i, row);
            accumulator.Add(row);
        }

        return accumulator.ToFingerprint();
    }

    private double ChannelEffect(int channel) => channel < _null.ChannelDesignEffects.Count ? _null.ChannelDesignEffects[channel] : 1.0;

    private static double Mean(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum / values.Length;
    }
}
