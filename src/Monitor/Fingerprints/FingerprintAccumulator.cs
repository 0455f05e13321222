using System.Diagnostics;
using EdgeSentinel.Monitor.Sketches;

namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>
/// Builds a <see cref="Fingerprint"/> from rows of channel values (one value per schema channel).
/// Histograms are kept for channels given bin edges.
/// </summary>
/// <remarks>Not thread-safe. <see cref="Add"/> allocates nothing, except while a quantile sketch compacts into its preallocated storage.</remarks>
internal sealed class FingerprintAccumulator
{
    private readonly FingerprintSchema _schema;
    private readonly MomentsSketch[] _moments;
    private readonly QuantileSketch?[] _quantiles;
    private readonly BinnedHistogram?[] _histograms;
    private readonly CategoryCounts?[] _categories;
    private readonly CovarianceSummary[] _taps;
    private long _count;

    /// <param name="schema">Channels to summarize.</param>
    /// <param name="histogramEdges">Per channel, inner bin edges, or null for no histogram; null for none at all.</param>
    /// <param name="quantileK">KLL size parameter.</param>
    public FingerprintAccumulator(FingerprintSchema schema, IReadOnlyList<double[]?>? histogramEdges = null, int quantileK = QuantileSketch.DefaultK)
    {
        _schema = schema;
        var n = schema.Channels.Count;
        _moments = new MomentsSketch[n];
        _quantiles = new QuantileSketch?[n];
        _histograms = new BinnedHistogram?[n];
        _categories = new CategoryCounts?[n];
        for (var i = 0; i < n; i++)
        {
            var channel = schema.Channels[i];
            _moments[i] = new MomentsSketch();
            if (channel.ValueKind == ChannelValueKind.Categorical)
            {
                _categories[i] = new CategoryCounts(channel.CategoryCount);
            }
            else
            {
                _quantiles[i] = new QuantileSketch(quantileK, (ulong)i + 1);
                var edges = histogramEdges?[i];
                if (edges is not null)
                {
                    _histograms[i] = BinnedHistogram.FromEdges(edges);
                }
            }
        }

        _taps = new CovarianceSummary[schema.Taps.Count];
        for (var t = 0; t < _taps.Length; t++)
        {
            _taps[t] = new CovarianceSummary(schema.Taps[t].ProjectedDimension);
        }
    }

    public long Count => _count;

    public void Add(ReadOnlySpan<double> channelValues)
    {
        Debug.Assert(channelValues.Length == _moments.Length, "one value per channel");
        for (var i = 0; i < channelValues.Length; i++)
        {
            var v = channelValues[i];
            _moments[i].Add(v);
            var categories = _categories[i];
            if (categories is not null)
            {
                categories.Add(double.IsFinite(v) ? (int)v : -1);
                continue;
            }

            _quantiles[i]!.Add(v);
            _histograms[i]?.Add(v);
        }

        for (var t = 0; t < _taps.Length; t++)
        {
            var start = _schema.TapStarts[t];
            _taps[t].Add(channelValues.Slice(start, _taps[t].Dimension));
        }

        _count++;
    }

    /// <summary>A fingerprint of everything added so far (the accumulator keeps going).</summary>
    public Fingerprint ToFingerprint()
    {
        var channels = new ChannelSummary[_moments.Length];
        for (var i = 0; i < channels.Length; i++)
        {
            channels[i] = new ChannelSummary(_schema.Channels[i], _moments[i].Clone(), _quantiles[i]?.Clone(), _histograms[i]?.Clone(), _categories[i]?.Clone());
        }

        var taps = new CovarianceSummary[_taps.Length];
        for (var t = 0; t < taps.Length; t++)
        {
            taps[t] = _taps[t].Clone();
        }

        return new Fingerprint(_schema, channels, taps, _count);
    }

    public void Reset()
    {
        foreach (var m in _moments)
        {
            m.Reset();
        }

        foreach (var q in _quantiles)
        {
            q?.Reset();
        }

        foreach (var h in _histograms)
        {
            h?.Reset();
        }

        foreach (var c in _categories)
        {
            c?.Reset();
        }

        foreach (var t in _taps)
        {
            t.Reset();
        }

        _count = 0;
    }
}
