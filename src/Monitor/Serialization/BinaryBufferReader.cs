using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace EdgeSentinel.Monitor.Serialization;

/// <summary>
/// Reads little-endian primitives with bounds checks; every failure is a
/// <see cref="MonitorFormatException"/> naming the section, the field and the offset.
/// </summary>
internal ref struct BinaryBufferReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public BinaryBufferReader(ReadOnlySpan<byte> data, string section)
    {
        _data = data;
        _position = 0;
        Section = section;
    }

    /// <summary>What is being read; set it when entering a nested part so errors name it.</summary>
    public string Section { get; set; }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    /// <summary>The bytes not read yet.</summary>
    public readonly ReadOnlySpan<byte> RemainingBytes => _data[_position..];

    public byte ReadByte(string field) => Take(1, field)[0];

    public bool ReadBoolean(string field)
    {
        var start = _position;
        var b = ReadByte(field);
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw Fail(start, $"field '{field}' must be 0 or 1, found {b}"),
        };
    }

    public int ReadInt32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, field));

    public uint ReadUInt32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));

    public long ReadInt64(string field) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, field));

    public ulong ReadUInt64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));

    public double ReadDouble(string field) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, field));

    public float ReadSingle(string field) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, field));

    /// <summary>Reads a non-negative count no larger than <paramref name="max"/>.</summary>
    public int ReadCount(string field, int max)
    {
        var start = _position;
        var count = ReadInt32(field);
        if (count < 0 || count > max)
        {
            throw Fail(start, $"field '{field}' = {count} is outside the allowed range 0..{max}");
        }

        return count;
    }

    /// <summary>Reads a finite double; NaN and infinities are refused.</summary>
    public double ReadFiniteDouble(string field)
    {
        var start = _position;
        var value = ReadDouble(field);
        if (!double.IsFinite(value))
        {
            throw Fail(start, $"field '{field}' must be finite, found {value}");
        }

        return value;
    }

    public string ReadString(string field, int maxBytes = 4096)
    {
        var count = ReadCount(field + " length", maxBytes);
        var start = _position;
        var bytes = Take(count, field);
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Fail(start, $"field '{field}' is not valid UTF-8");
        }
    }

    public double[] ReadDoubleArray(string field, int maxCount)
    {
        var bytes = ReadArrayBytes(field, maxCount, 8);
        var count = bytes.Length / 8;
        var result = new double[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(i * 8, 8));
        }

        return result;
    }

    public float[] ReadSingleArray(string field, int maxCount)
    {
        var count = ReadCount(field + " count", maxCount);
        var bytes = Take(checked(count * 4), field);
        var result = new float[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4, 4));
        }

        return result;
    }

    public long[] ReadInt64Array(string field, int maxCount)
    {
        var bytes = ReadArrayBytes(field, maxCount, 8);
        var count = bytes.Length / 8;
        var result = new long[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice(i * 8, 8));
        }

        return result;
    }

    /// <summary>Reads the count of an array of <paramref name="elementSize"/>-byte items and returns their bytes, without copying (the checks of <see cref="ReadDoubleArray"/>).</summary>
    public ReadOnlySpan<byte> ReadArrayBytes(string field, int maxCount, int elementSize)
    {
        var count = ReadCount(field + " count", maxCount);
        return Take(checked(count * elementSize), field);
    }

    public ReadOnlySpan<byte> ReadBytes(string field, int maxCount)
    {
        var count = ReadCount(field + " length", maxCount);
        return Take(count, field);
    }

    public ReadOnlySpan<byte> ReadRaw(string field, int count) => Take(count, field);

    /// <summary>Fails unless every byte was consumed.</summary>
    public readonly void EnsureEnd()
    {
        if (_position != _data.Length)
        {
            throw Fail(_position, $"{_data.Length - _position} unexpected trailing bytes");
        }
    }

    /// <summary>Builds an exception for a value that was read but is invalid.</summary>
    public readonly MonitorFormatException Fail(int offset, string reason) => new(Section, offset, reason);

    /// <summary>Builds an exception at the current position.</summary>
    public readonly MonitorFormatException Fail(string reason) => new(Section, _position, reason);

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count > _data.Length - _position)
        {
            ThrowTruncated(count, field);
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowTruncated(int count, string field) =>
        throw Fail(_position, $"truncated: field '{field}' needs {count} bytes but only {_data.Length - _position} remain");
}
