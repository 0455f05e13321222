using System.Buffers.Binary;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Sketches;

/// <summary>Validating reads shared by the sketch serializers (version byte, counts, sums of counts).</summary>
internal static class SketchFormat
{
    /// <summary>
    /// Largest count (and sum of counts) a serialized sketch may hold: 2^53, beyond any real stream,
    /// so that merging even a thousand accepted sketches cannot overflow Int64.
    /// </summary>
    public const long MaxCount = 1L << 53;

    /// <summary>Reads the version byte and fails unless it equals <paramref name="expected"/>.</summary>
    public static void ReadVersion(ref BinaryBufferReader reader, string field, byte expected)
    {
        var start = reader.Position;
        var version = reader.ReadByte(field);
        if (version != expected)
        {
            throw reader.Fail(start, $"field '{field}' = {version} is not a supported format version (expected {expected})");
        }
    }

    /// <summary>Reads a count: an Int64 in [0, <see cref="MaxCount"/>].</summary>
    public static long ReadNonNegativeInt64(ref BinaryBufferReader reader, string field)
    {
        var start = reader.Position;
        var value = reader.ReadInt64(field);
        if (value < 0 || value > MaxCount)
        {
            throw reader.Fail(start, $"field '{field}' = {value} is outside the allowed range 0..{MaxCount}");
        }

        return value;
    }

    /// <summary>Reads an Int32 within [min, max].</summary>
    public static int ReadInt32InRange(ref BinaryBufferReader reader, string field, int min, int max)
    {
        var start = reader.Position;
        var value = reader.ReadInt32(field);
        if (value < min || value > max)
        {
            throw reader.Fail(start, $"field '{field}' = {value} is outside the allowed range {min}..{max}");
        }

        return value;
    }

    /// <summary>Fails when the sum of non-negative counts exceeds <see cref="MaxCount"/>.</summary>
    public static long EnsureSumFits(ref BinaryBufferReader reader, string what, params ReadOnlySpan<long> counts)
    {
        long sum = 0;
        foreach (var c in counts)
        {
            if (c > MaxCount - sum)
            {
                throw reader.Fail($"{what} exceeds {MaxCount}");
            }

            sum += c;
        }

        return sum;
    }

    /// <summary>Reads an Int64 array of non-negative counts with an exact expected length; returns their bytes (little-endian, not copied) and their sum.</summary>
    public static ReadOnlySpan<byte> ReadCountBytes(ref BinaryBufferReader reader, string field, int expectedLength, out long sum)
    {
        var start = reader.Position;
        var bytes = reader.ReadArrayBytes(field, expectedLength, sizeof(long));
        if (bytes.Length != expectedLength * sizeof(long))
        {
            throw reader.Fail(start, $"field '{field}' has {bytes.Length / sizeof(long)} entries, expected {expectedLength}");
        }

        sum = 0;
        for (var i = 0; i < expectedLength; i++)
        {
            var c = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * sizeof(long))..]);
            if (c < 0 || c > MaxCount - sum)
            {
                throw reader.Fail(start, $"field '{field}' holds a negative count or its sum exceeds {MaxCount}");
            }

            sum += c;
        }

        return bytes;
    }
}
