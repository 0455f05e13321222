using System.Buffers.Binary;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Sketches;

/// <summary>
/// Counts of values in fixed bins. Inner edges e0 &lt; e1 &lt; … &lt; e_last (finite, strictly increasing)
/// define edges.Length + 1 bins: (−∞, e0), [e0, e1), …, [e_last, +∞) — each bin includes its lower edge.
/// −∞ falls in the first bin and +∞ in the last (and both are also counted apart); NaN is only counted apart.
/// </summary>
/// <remarks>Not thread-safe.</remarks>
internal sealed class BinnedHistogram
{
    /// <summary>Largest number of inner edges accepted.</summary>
    public const int MaxEdges = 1 << 16;

    private const byte FormatVersion = 1;

    private readonly double[] _edges;
    private readonly long[] _counts;

    private BinnedHistogram(double[] edges, long[] counts)
    {
        _edges = edges;
        _counts = counts;
    }

    /// <summary>Inner bin edges (length = bin count − 1).</summary>
    public ReadOnlySpan<double> Edges => _edges;

    /// <summary>Count per bin; bin i is [edges[i−1], edges[i]) with edges[−1] = −∞ and edges[Length] = +∞.</summary>
    public ReadOnlySpan<long> Counts => _counts;

    /// <summary>Number of bins (edges + 1).</summary>
    public int BinCount => _counts.Length;

    /// <summary>Sum of the bin counts (every non-NaN value, infinities included).</summary>
    public long Total { get; private set; }

    /// <summary>Number of NaN values seen (in no bin).</summary>
    public long NaNCount { get; private set; }

    /// <summary>Number of +∞ values seen (also counted in the last bin).</summary>
    public long PositiveInfinityCount { get; private set; }

    /// <summary>Number of −∞ values seen (also counted in the first bin).</summary>
    public long NegativeInfinityCount { get; private set; }

    /// <summary>Creates an empty histogram on the given inner edges (finite, strictly increasing, at most <see cref="MaxEdges"/>).</summary>
    public static BinnedHistogram FromEdges(ReadOnlySpan<double> edges)
    {
        if (edges.Length > MaxEdges)
        {
            throw new ArgumentException($"At most {MaxEdges} edges are allowed, got {edges.Length}.", nameof(edges));
        }

        for (var i = 0; i < edges.Length; i++)
        {
            if (!double.IsFinite(edges[i]))
            {
                throw new ArgumentException($"Edge {i} is {edges[i]}; edges must be finite.", nameof(edges));
            }

            if (i > 0 && !(edges[i] > edges[i - 1]))
            {
                throw new ArgumentException($"Edges must be strictly increasing, but edge {i} ({edges[i]}) <= edge {i - 1} ({edges[i - 1]}).", nameof(edges));
            }
        }

        return new BinnedHistogram(edges.ToArray(), new long[edges.Length + 1]);
    }

    /// <summary>
    /// Equal-mass inner edges from a quantile sketch: the sketch's quantiles at i/binCount for
    /// i = 1 … binCount − 1, with repeated values dropped so the edges stay strictly increasing
    /// (so fewer than binCount bins result when the distribution has atoms).
    /// </summary>
    public static double[] EdgesFromQuantiles(QuantileSketch baseline, int binCount)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(binCount, MaxEdges + 1);
        if (baseline.Count == 0)
        {
            throw new ArgumentException("The baseline quantile sketch holds no finite values.", nameof(baseline));
        }

        var edges = new List<double>(binCount - 1);
        for (var i = 1; i < binCount; i++)
        {
            var edge = baseline.Quantile((double)i / binCount);
            if (edges.Count == 0 || edge > edges[^1])
            {
                edges.Add(edge);
            }
        }

        return [.. edges];
    }

    /// <summary>Counts one value (binary search over the edges; no allocation).</summary>
    public void Add(double value)
    {
        if (double.IsNaN(value))
        {
            NaNCount++;
            return;
        }

        if (double.IsInfinity(value))
        {
            if (value > 0)
            {
                PositiveInfinityCount++;
            }
            else
            {
                NegativeInfinityCount++;
            }
        }

        _counts[BinIndex(value)]++;
        Total++;
    }

    /// <summary>Bin of a non-NaN value: the number of edges ≤ value.</summary>
    public int BinIndex(double value)
    {
        var edges = _edges;
        int lo = 0, hi = edges.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (edges[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Adds the counts of <paramref name="other"/>, which must have exactly the same edges.</summary>
    public void Merge(BinnedHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!HasSameEdges(other))
        {
            throw new ArgumentException(
                $"Cannot merge histograms with different bin edges ({other._edges.Length} vs {_edges.Length} edges, or different values).",
                nameof(other));
        }

        var counts = other._counts;
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] = checked(_counts[i] + counts[i]);
        }

        Total = checked(Total + other.Total);
        NaNCount = checked(NaNCount + other.NaNCount);
        PositiveInfinityCount = checked(PositiveInfinityCount + other.PositiveInfinityCount);
        NegativeInfinityCount = checked(NegativeInfinityCount + other.NegativeInfinityCount);
    }

    /// <summary>True when both histograms have bit-identical edges.</summary>
    public bool HasSameEdges(BinnedHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return _edges.AsSpan().SequenceEqual(other._edges);
    }

    /// <summary>An empty histogram on the same edges.</summary>
    public BinnedHistogram CreateEmptyLike() => new((double[])_edges.Clone(), new long[_counts.Length]);

    /// <summary>An independent copy.</summary>
    public BinnedHistogram Clone()
    {
        var copy = new BinnedHistogram((double[])_edges.Clone(), (long[])_counts.Clone())
        {
            Total = Total,
            NaNCount = NaNCount,
            PositiveInfinityCount = PositiveInfinityCount,
            NegativeInfinityCount = NegativeInfinityCount,
        };
        return copy;
    }

    /// <summary>Sets every count to zero (edges stay).</summary>
    public void Reset()
    {
        Array.Clear(_counts);
        Total = 0;
        NaNCount = 0;
        PositiveInfinityCount = 0;
        NegativeInfinityCount = 0;
    }

    /// <summary>Writes: Byte version (1), Double array of edges, Int64 array of counts, Int64 NaN, +∞, −∞ counts.</summary>
    public void WriteTo(BinaryBufferWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteByte(FormatVersion);
        writer.WriteDoubleArray(_edges);
        writer.WriteInt64Array(_counts);
        writer.WriteInt64(NaNCount);
        writer.WriteInt64(PositiveInfinityCount);
        writer.WriteInt64(NegativeInfinityCount);
    }

    /// <summary>Reads and validates a histogram written by <see cref="WriteTo"/>.</summary>
    public static BinnedHistogram ReadFrom(ref BinaryBufferReader reader) => ReadFrom(ref reader, build: true)!;

    /// <summary>Reads a histogram written by <see cref="WriteTo"/> with every check of <see cref="ReadFrom(ref BinaryBufferReader)"/>; builds it only when <paramref name="build"/> (else returns null).</summary>
    public static BinnedHistogram? ReadFrom(ref BinaryBufferReader reader, bool build)
    {
        SketchFormat.ReadVersion(ref reader, "histogram.version", FormatVersion);
        var start = reader.Position;
        var edgeBytes = reader.ReadArrayBytes("histogram.edges", MaxEdges, sizeof(double));
        var edgeCount = edgeBytes.Length / sizeof(double);
        var edges = build ? new double[edgeCount] : null;
        var previous = 0.0;
        for (var i = 0; i < edgeCount; i++)
        {
            var edge = BinaryPrimitives.ReadDoubleLittleEndian(edgeBytes[(i * sizeof(double))..]);
            if (!double.IsFinite(edge) || (i > 0 && !(edge > previous)))
            {
                throw reader.Fail(start, $"field 'histogram.edges' must be finite and strictly increasing (edge {i} = {edge})");
            }

            previous = edge;
            if (edges is not null)
            {
                edges[i] = edge;
            }
        }

        var countBytes = SketchFormat.ReadCountBytes(ref reader, "histogram.counts", edgeCount + 1, out var total);
        var firstCount = BinaryPrimitives.ReadInt64LittleEndian(countBytes);
        var lastCount = BinaryPrimitives.ReadInt64LittleEndian(countBytes[^sizeof(long)..]);
        var nanCount = SketchFormat.ReadNonNegativeInt64(ref reader, "histogram.nanCount");
        start = reader.Position;
        var positiveInfinityCount = SketchFormat.ReadNonNegativeInt64(ref reader, "histogram.positiveInfinityCount");
        if (positiveInfinityCount > lastCount)
        {
            throw reader.Fail(start, "field 'histogram.positiveInfinityCount' exceeds the last bin's count");
        }

        start = reader.Position;
        var negativeInfinityCount = SketchFormat.ReadNonNegativeInt64(ref reader, "histogram.negativeInfinityCount");
        if (negativeInfinityCount > firstCount
            || (edgeCount == 0 && negativeInfinityCount > firstCount - positiveInfinityCount))
        {
            throw reader.Fail(start, "field 'histogram.negativeInfinityCount' exceeds the first bin's count");
        }

        SketchFormat.EnsureSumFits(ref reader, "histogram total count", total, nanCount);
        if (edges is null)
        {
            return null;
        }

        var counts = new long[edgeCount + 1];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = BinaryPrimitives.ReadInt64LittleEndian(countBytes[(i * sizeof(long))..]);
        }

        return new BinnedHistogram(edges, counts)
        {
            Total = total,
            NaNCount = nanCount,
            PositiveInfinityCount = positiveInfinityCount,
            NegativeInfinityCount = negativeInfinityCount,
        };
    }
}
