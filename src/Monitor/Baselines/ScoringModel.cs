using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Sketches;

namespace EdgeSentinel.Monitor.Baselines;

/// <summary>
/// How one observation becomes per-sample scores: standardized values of the continuous input,
/// output and derived channels (one sequential stream each), and per tap the Mahalanobis distance
/// of the projected activations (one stream each, standardized by its baseline mean and spread).
/// </summary>
/// <remarks>Immutable after construction except for the scorers' scratch buffers: one thread per instance.</remarks>
internal sealed class ScoringModel
{
    /// <summary>Smallest scale used to standardize, relative to max(1, |mean|): a constant channel still has a finite scale.</summary>
    public const double RelativeScaleFloor = 1e-6;

    /// <summary>Largest |ρ| used for prewhitening (beyond it the innovations carry almost no signal).</summary>
    public const double MaxAutocorrelation = 0.99;

    /// <summary>Smaller |ρ| are treated as 0: the stream is used as it is.</summary>
    public const double NegligibleAutocorrelation = 0.2;

    public ScoringModel(int[] streamChannels, double[] means, double[] scales, MahalanobisScorer[] tapScorers, double[] tapDistanceMeans, double[] tapDistanceScales, bool[]? tapStreams = null, double[]? autocorrelation = null)
    {
        TapStreams = tapStreams ?? Enumerable.Repeat(true, tapScorers.Length).ToArray();
        var streamCount = streamChannels.Length + TapStreams.Count(t => t);
        Autocorrelation = autocorrelation ?? new double[streamCount];
        _innovationScale = [.. Autocorrelation.Select(r => 1.0 / Math.Sqrt(1.0 - (r * r)))];
        _previous = new double[streamCount];
        StreamChannels = streamChannels;
        Means = means;
        Scales = scales;
        TapScorers = tapScorers;
        TapDistanceMeans = tapDistanceMeans;
        TapDistanceScales = tapDistanceScales;
    }

    /// <summary>Channel index of each value stream.</summary>
    public int[] StreamChannels { get; }

    public double[] Means { get; }

    public double[] Scales { get; }

    public MahalanobisScorer[] TapScorers { get; }

    public double[] TapDistanceMeans { get; }

    public double[] TapDistanceScales { get; }

    /// <summary>
    /// Per stream, the lag-1 autocorrelation ρ of its standardized score in the (time-ordered)
    /// training data; 0 when negligible. A stream with ρ ≠ 0 is prewhitened: the detectors see
    /// (z_t − ρ·z_{t−1}) / √(1 − ρ²), which is close to independent for an AR(1)-like signal, so the
    /// false-alarm rate calibrated by the bootstrap holds for slowly varying sensor streams.
    /// </summary>
    public double[] Autocorrelation { get; }

    private readonly double[] _innovationScale;
    private readonly double[] _previous;

    /// <summary>Per tap, whether its distance feeds a sequential stream (a non-stationary tap does not; its distances still score anomalies).</summary>
    public bool[] TapStreams { get; }

    /// <summary>Value streams plus one stream per tap that feeds one.</summary>
    public int StreamCount => StreamChannels.Length + TapStreams.Count(t => t);

    /// <summary>Builds the model from a fingerprint of the training data and its tap covariance summaries, leaving out <paramref name="excludedChannels"/>.</summary>
    public static ScoringModel Create(Fingerprint training, IReadOnlySet<int> excludedChannels)
    {
        var schema = training.Schema;
        var channels = new List<int>();
        foreach (var c in schema.Channels)
        {
            if (c.ValueKind == ChannelValueKind.Continuous && c.Role is ChannelRole.Input or ChannelRole.Output or ChannelRole.Derived
                && !excludedChannels.Contains(c.Index))
            {
                channels.Add(c.Index);
            }
        }

        var means = new double[channels.Count];
        var scales = new double[channels.Count];
        for (var s = 0; s < channels.Count; s++)
        {
            var summary = training.Channels[channels[s]];
            means[s] = double.IsFinite(summary.Mean) ? summary.Mean : 0.0;
            scales[s] = Scale(summary.StandardDeviation, means[s]);
        }

        var scorers = new MahalanobisScorer[schema.Taps.Count];
        for (var t = 0; t < scorers.Length; t++)
        {
            scorers[t] = training.TapSummaries[t].CreateScorer();
        }

        return new ScoringModel([.. channels], means, scales, scorers, new double[scorers.Length], Enumerable.Repeat(1.0, scorers.Length).ToArray());
    }

    public static double Scale(double standardDeviation, double mean)
    {
        var floor = RelativeScaleFloor * Math.Max(1.0, Math.Abs(mean));
        return double.IsFinite(standardDeviation) && standardDeviation > floor ? standardDeviation : floor;
    }

    /// <summary>A copy with its own scratch buffers, for use on another thread.</summary>
    public ScoringModel Clone()
    {
        var scorers = new MahalanobisScorer[TapScorers.Length];
        for (var t = 0; t < scorers.Length; t++)
        {
            var writer = new BinaryBufferWriter();
            TapScorers[t].WriteTo(writer);
            var reader = new BinaryBufferReader(writer.WrittenSpan, "scorer copy");
            scorers[t] = MahalanobisScorer.ReadFrom(ref reader);
        }

        return new ScoringModel(StreamChannels, Means, Scales, scorers, TapDistanceMeans, TapDistanceScales, TapStreams, Autocorrelation);
    }

    /// <summary>Returns a copy that prewhitens its streams with the given lag-1 autocorrelations.</summary>
    public ScoringModel WithAutocorrelation(double[] autocorrelation) =>
        new(StreamChannels, Means, Scales, TapScorers, TapDistanceMeans, TapDistanceScales, TapStreams, autocorrelation);

    /// <summary>Forgets the previous scores (start of a new, unrelated sequence).</summary>
    public void ResetState() => Array.Clear(_previous);

    /// <summary>Returns a copy in which the taps in <paramref name="taps"/> feed no sequential stream.</summary>
    public ScoringModel WithoutTapStreams(IReadOnlySet<int> taps) =>
        new(StreamChannels, Means, Scales, TapScorers, TapDistanceMeans, TapDistanceScales,
            [.. TapStreams.Select((on, t) => on && !taps.Contains(t))]);

    /// <summary>Returns a copy whose tap distance streams are standardized by the given statistics.</summary>
    public ScoringModel WithTapDistanceStandardization(double[] means, double[] scales) =>
        new(StreamChannels, Means, Scales, TapScorers, means, scales, TapStreams);

    /// <summary>
    /// Fills per-stream scores from one row of channel values and returns the squared Mahalanobis
    /// distance of each tap in <paramref name="tapDistances"/>. A non-finite value gives a NaN score.
    /// </summary>
    public void Score(ReadOnlySpan<double> channelValues, IReadOnlyList<int> tapStarts, Span<double> scores, Span<double> tapDistances)
    {
        var streams = StreamChannels;
        for (var s = 0; s < streams.Length; s++)
        {
            scores[s] = (channelValues[streams[s]] - Means[s]) / Scales[s];
        }

        var k = streams.Length;
        for (var t = 0; t < TapScorers.Length; t++)
        {
            var scorer = TapScorers[t];
            var d2 = scorer.DistanceSquared(channelValues.Slice(tapStarts[t], scorer.Dimension));
            tapDistances[t] = d2;
            if (TapStreams[t])
            {
                scores[k++] = (d2 - TapDistanceMeans[t]) / TapDistanceScales[t];
            }
        }

        var rho = Autocorrelation;
        for (var i = 0; i < k; i++)
        {
            if (rho[i] == 0)
            {
                continue;
            }

            var raw = scores[i];
            if (double.IsFinite(raw))
            {
                scores[i] = (raw - (rho[i] * _previous[i])) * _innovationScale[i];
                _previous[i] = raw;
            }
            else
            {
                _previous[i] = 0;
            }
        }
    }

    public void WriteTo(BinaryBufferWriter writer)
    {
        writer.WriteInt32(StreamChannels.Length);
        foreach (var c in StreamChannels)
        {
            writer.WriteInt32(c);
        }

        writer.WriteDoubleArray(Means);
        writer.WriteDoubleArray(Scales);
        writer.WriteInt32(TapScorers.Length);
        foreach (var s in TapScorers)
        {
            s.WriteTo(writer);
        }

        writer.WriteDoubleArray(TapDistanceMeans);
        writer.WriteDoubleArray(TapDistanceScales);
        foreach (var on in TapStreams)
        {
            writer.WriteBoolean(on);
        }

        writer.WriteDoubleArray(Autocorrelation);
    }

    public static ScoringModel ReadFrom(ref BinaryBufferReader reader, FingerprintSchema schema)
    {
        var n = reader.ReadCount("stream count", schema.Channels.Count);
        var channels = new int[n];
        for (var i = 0; i < n; i++)
        {
            var at = reader.Position;
            channels[i] = reader.ReadInt32("stream channel");
            if (channels[i] < 0 || channels[i] >= schema.Channels.Count || schema.Channels[channels[i]].ValueKind != ChannelValueKind.Continuous)
            {
                throw reader.Fail(at, $"stream {i} names channel {channels[i]}, which is not a continuous channel of the schema");
            }
        }

        var means = ReadFinite(ref reader, "stream means", n, positive: false);
        var scales = ReadFinite(ref reader, "stream scales", n, positive: true);
        var tapCount = reader.ReadCount("tap scorer count", FingerprintSchema.MaxTaps);
        if (tapCount != schema.Taps.Count)
        {
            throw reader.Fail($"{tapCount} tap scorers for {schema.Taps.Count} taps");
        }

        var scorers = new MahalanobisScorer[tapCount];
        for (var t = 0; t < tapCount; t++)
        {
            var at = reader.Position;
            scorers[t] = MahalanobisScorer.ReadFrom(ref reader);
            if (scorers[t].Dimension != schema.Taps[t].ProjectedDimension)
            {
                throw reader.Fail(at, $"tap {t} scorer has dimension {scorers[t].Dimension}, the tap projects to {schema.Taps[t].ProjectedDimension}");
            }
        }

        var distanceMeans = ReadFinite(ref reader, "tap distance means", tapCount, positive: false);
        var distanceScales = ReadFinite(ref reader, "tap distance scales", tapCount, positive: true);
        var tapStreams = new bool[tapCount];
        for (var t = 0; t < tapCount; t++)
        {
            tapStreams[t] = reader.ReadBoolean("tap stream flag");
        }

        var streamCount = channels.Length + tapStreams.Count(t => t);
        var rhoOffset = reader.Position;
        var autocorrelation = reader.ReadDoubleArray("stream autocorrelations", streamCount);
        if (autocorrelation.Length != streamCount || autocorrelation.Any(r => !(Math.Abs(r) <= MaxAutocorrelation)))
        {
            throw reader.Fail(rhoOffset, $"expected {streamCount} stream autocorrelations within ±{MaxAutocorrelation}");
        }

        return new ScoringModel(channels, means, scales, scorers, distanceMeans, distanceScales, tapStreams, autocorrelation);

        static double[] ReadFinite(ref BinaryBufferReader reader, string field, int expected, bool positive)
        {
            var at = reader.Position;
            var values = reader.ReadDoubleArray(field, expected);
            if (values.Length != expected)
            {
                throw reader.Fail(at, $"{field}: {values.Length} values, expected {expected}");
            }

            foreach (var v in values)
            {
                if (!double.IsFinite(v) || (positive && v <= 0))
                {
                    throw reader.Fail(at, $"{field}: value {v} is not {(positive ? "finite and positive" : "finite")}");
                }
            }

            return values;
        }
    }
}
