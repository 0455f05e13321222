using System.Buffers.Binary;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Sketches;

/// <summary>
/// Counts of categories 0 … categoryCount − 1 (e.g. the argmax class). Categories outside that range
/// are counted in <see cref="OutOfRangeCount"/> and are not part of <see cref="Total"/>.
/// </summary>
/// <remarks>Not thread-safe.</remarks>
internal sealed class CategoryCounts
{
    /// <summary>Largest number of categories accepted.</summary>
    public const int MaxCategories = 1 << 20;

    private const byte FormatVersion = 1;

    private readonly long[] _counts;

    /// <summary>Creates empty counts for <paramref name="categoryCount"/> categories (1 … <see cref="MaxCategories"/>).</summary>
    public CategoryCounts(int categoryCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(categoryCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(categoryCount, MaxCategories);
        _counts = new long[categoryCount];
    }

    private CategoryCounts(long[] counts)
    {
        _counts = counts;
    }

    /// <summary>Number of categories.</summary>
    public int CategoryCount => _counts.Length;

    /// <summary>Count per category.</summary>
    public ReadOnlySpan<long> Counts => _counts;

    /// <summary>Sum of the in-range counts.</summary>
    public long Total { get; private set; }

    /// <summary>Number of Add calls with a category outside [0, CategoryCount).</summary>
    public long OutOfRangeCount { get; private set; }

    /// <summary>Counts one observation of <paramref name="category"/> (no allocation).</summary>
    public void Add(int category)
    {
        if ((uint)category < (uint)_counts.Length)
        {
            _counts[category]++;
            Total++;
        }
        else
        {
            OutOfRangeCount++;
        }
    }

    /// <summary>Adds the counts of <paramref name="other"/>, which must have the same category count.</summary>
    public void Merge(CategoryCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._counts.Length != _counts.Length)
        {
            throw new ArgumentException($"Cannot merge category counts with {other._counts.Length} categories into {_counts.Length}.", nameof(other));
        }

        var counts = other._counts;
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] = checked(_counts[i] + counts[i]);
        }

        Total = checked(Total + other.Total);
        OutOfRangeCount = checked(OutOfRangeCount + other.OutOfRangeCount);
    }

    /// <summary>An independent copy.</summary>
    public CategoryCounts Clone() => new((long[])_counts.Clone()) { Total = Total, OutOfRangeCount = OutOfRangeCount };

    /// <summary>Sets every count to zero.</summary>
    public void Reset()
    {
        Array.Clear(_counts);
        Total = 0;
        OutOfRangeCount = 0;
    }

    /// <summary>Writes: Byte version (1), Int64 array of counts, Int64 out-of-range count.</summary>
    public void WriteTo(BinaryBufferWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteByte(FormatVersion);
        writer.WriteInt64Array(_counts);
        writer.WriteInt64(OutOfRangeCount);
    }

    /// <summary>Reads and validates counts written by <see cref="WriteTo"/>.</summary>
    public static CategoryCounts ReadFrom(ref BinaryBufferReader reader) => ReadFrom(ref reader, build: true, out _)!;

    /// <summary>Reads counts written by <see cref="WriteTo"/> with every check of <see cref="ReadFrom(ref BinaryBufferReader)"/>; builds them only when <paramref name="build"/> (else returns null); <paramref name="categoryCount"/> is the number of categories.</summary>
    public static CategoryCounts? ReadFrom(ref BinaryBufferReader reader, bool build, out int categoryCount)
    {
        SketchFormat.ReadVersion(ref reader, "categories.version", FormatVersion);
        var start = reader.Position;
        var bytes = reader.ReadArrayBytes("categories.counts", MaxCategories, sizeof(long));
        categoryCount = bytes.Length / sizeof(long);
        if (categoryCount == 0)
        {
            throw reader.Fail(start, "field 'categories.counts' must hold at least one category");
        }

        var counts = build ? new long[categoryCount] : null;
        long total = 0;
        for (var i = 0; i < categoryCount; i++)
        {
            var c = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * sizeof(long))..]);
            if (c < 0 || c > SketchFormat.MaxCount - total)
            {
                throw reader.Fail(start, $"field 'categories.counts' holds a negative count or its sum exceeds {SketchFormat.MaxCount}");
            }

            total += c;
            if (counts is not null)
            {
                counts[i] = c;
            }
        }

        var outOfRange = SketchFormat.ReadNonNegativeInt64(ref reader, "categories.outOfRangeCount");
        SketchFormat.EnsureSumFits(ref reader, "categories total count", total, outOfRange);
        return counts is null ? null : new CategoryCounts(counts) { Total = total, OutOfRangeCount = outOfRange };
    }
}
