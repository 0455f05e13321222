using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Sketches;

namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>
/// The summaries of one channel: exact moments, a quantile sketch and a histogram on fixed bins
/// for a continuous channel; category counts for a categorical one. Non-finite values are
/// counted apart and never folded into the statistics.
/// </summary>
/// <remarks>Immutable once part of a <see cref="Fingerprint"/>; thread-safe to read.</remarks>
public sealed class ChannelSummary
{
    internal ChannelSummary(ChannelDefinition channel, MomentsSketch moments, QuantileSketch? quantiles, BinnedHistogram? histogram, CategoryCounts? categories)
    {
        Channel = channel;
        Moments = moments;
        Quantiles = quantiles;
        Histogram = histogram;
        Categories = categories;
    }

    /// <summary>The channel summarized.</summary>
    public ChannelDefinition Channel { get; }

    /// <summary>Finite values observed (for a categorical channel: valid categories observed).</summary>
    public long Count => Categories is null ? Moments.Count : Categories.Total - Categories.OutOfRangeCount;

    /// <summary>NaN values observed (for a categorical channel: undefined categories).</summary>
    public long NaNCount => Categories is null ? Moments.NaNCount : Categories.OutOfRangeCount;

    /// <summary>+∞ values observed.</summary>
    public long PositiveInfinityCount => Moments.PositiveInfinityCount;

    /// <summary>−∞ values observed.</summary>
    public long NegativeInfinityCount => Moments.NegativeInfinityCount;

    /// <summary>Mean of the finite values (NaN when none).</summary>
    public double Mean => Moments.Mean;

    /// <summary>Sample standard deviation of the finite values (NaN when fewer than two).</summary>
    public double StandardDeviation => Moments.StandardDeviation;

    /// <summary>Smallest finite value (NaN when none).</summary>
    public double Min => Moments.Min;

    /// <summary>Largest finite value (NaN when none).</summary>
    public double Max => Moments.Max;

    /// <summary>Normalized rank error bound of <see cref="Quantile"/>; NaN for a categorical channel.</summary>
    public double QuantileRankError => Quantiles?.RankErrorBound ?? double.NaN;

    /// <summary>Whether a histogram is kept (bins fixed from a baseline's quantiles).</summary>
    public bool HasHistogram => Histogram is not null;

    /// <summary>Inner bin edges of the histogram (empty when none).</summary>
    public ReadOnlySpan<double> HistogramEdges => Histogram is null ? [] : Histogram.Edges;

    /// <summary>Histogram counts, one more than the edges (empty when none).</summary>
    public ReadOnlySpan<long> HistogramCounts => Histogram is null ? [] : Histogram.Counts;

    /// <summary>Counts per category (empty for a continuous channel).</summary>
    public ReadOnlySpan<long> CategoryCounts => Categories is null ? [] : Categories.Counts;

    internal MomentsSketch Moments { get; }

    internal QuantileSketch? Quantiles { get; }

    internal BinnedHistogram? Histogram { get; }

    internal CategoryCounts? Categories { get; }

    /// <summary>Estimated q-quantile of the finite values (NaN when none or categorical).</summary>
    public double Quantile(double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1.0);
        return Quantiles is null ? double.NaN : Quantiles.Quantile(q);
    }

    /// <summary>
    /// Compares two continuous channel summaries through their quantile sketches (for fingerprints
    /// whose raw values are gone: hours, devices, fleets).
    /// </summary>
    /// <exception cref="ArgumentException">A summary is categorical or holds no finite value.</exception>
    public static SketchComparison KolmogorovSmirnov(ChannelSummary a, ChannelSummary b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Quantiles is null || b.Quantiles is null)
        {
            throw new ArgumentException($"Channels '{a.Channel.Name}' and '{b.Channel.Name}': a sketch comparison needs two continuous channels.");
        }

        if (a.Quantiles.Count == 0 || b.Quantiles.Count == 0)
        {
            throw new ArgumentException($"Channels '{a.Channel.Name}' and '{b.Channel.Name}': both summaries need at least one finite value ({a.Quantiles.Count} and {b.Quantiles.Count}).");
        }

        a.Quantiles.GetSortedView(out var valuesA, out var weightsA);
        b.Quantiles.GetSortedView(out var valuesB, out var weightsB);
        var d = Statistics.KolmogorovSmirnov.WeightedStatistic(valuesA, weightsA, valuesB, weightsB);
        var bound = a.Quantiles.RankErrorBound + b.Quantiles.RankErrorBound;
        var p = Statistics.KolmogorovSmirnov.AsymptoticPValue(d, a.Quantiles.Count, b.Quantiles.Count);
        var conservative = Statistics.KolmogorovSmirnov.AsymptoticPValue(Math.Max(0, d - bound), a.Quantiles.Count, b.Quantiles.Count);
        return new SketchComparison(d, bound, p, conservative);
    }

    internal ChannelSummary Clone() =>
        new(Channel, Moments.Clone(), Quantiles?.Clone(), Histogram?.Clone(), Categories?.Clone());

    internal static ChannelSummary Merge(ChannelSummary a, ChannelSummary b)
    {
        var merged = a.Clone();
        merged.Moments.Merge(b.Moments);
        if (merged.Quantiles is not null && b.Quantiles is not null)
        {
            merged.Quantiles.Merge(b.Quantiles);
        }

        if ((merged.Histogram is null) != (b.Histogram is null))
        {
            throw new SchemaMismatchException($"channel '{a.Channel.Name}': one fingerprint has a histogram and the other has none");
        }

        if (merged.Histogram is not null)
        {
            if (!merged.Histogram.Edges.SequenceEqual(b.Histogram!.Edges))
            {
                throw new SchemaMismatchException($"channel '{a.Channel.Name}': histogram bins differ (the fingerprints come from different baselines)");
            }

            merged.Histogram.Merge(b.Histogram);
        }

        if (merged.Categories is not null && b.Categories is not null)
        {
            merged.Categories.Merge(b.Categories);
        }

        return merged;
    }

    internal void WriteTo(BinaryBufferWriter writer)
    {
        Moments.WriteTo(writer);
        writer.WriteBoolean(Quantiles is not null);
        Quantiles?.WriteTo(writer);
        writer.WriteBoolean(Histogram is not null);
        Histogram?.WriteTo(writer);
        writer.WriteBoolean(Categories is not null);
        Categories?.WriteTo(writer);
    }

    /// <summary>Reads the summaries of <paramref name="channel"/> with every check; builds them only when <paramref name="build"/> (else returns null).</summary>
    internal static ChannelSummary? ReadFrom(ref BinaryBufferReader reader, ChannelDefinition channel, bool build)
    {
        var section = reader.Section;
        reader.Section = $"{section}, channel '{channel.Name}'";
        var moments = MomentsSketch.ReadFrom(ref reader, build);
        var hasQuantiles = reader.ReadBoolean("has quantile sketch");
        var quantiles = hasQuantiles ? QuantileSketch.ReadFrom(ref reader, build) : null;
        var histogram = reader.ReadBoolean("has histogram") ? BinnedHistogram.ReadFrom(ref reader, build) : null;
        var hasCategories = reader.ReadBoolean("has category counts");
        var categoryCount = -1;
        var categories = hasCategories ? Sketches.CategoryCounts.ReadFrom(ref reader, build, out categoryCount) : null;
        var continuous = channel.ValueKind == ChannelValueKind.Continuous;
        if (continuous != hasQuantiles || continuous == hasCategories
            || (hasCategories && categoryCount != channel.CategoryCount))
        {
            throw reader.Fail($"the summaries stored do not fit a {channel.ValueKind} channel");
        }

        reader.Section = section;
        return build ? new ChannelSummary(channel, moments!, quantiles, histogram, categories) : null;
    }
}
