using System.Buffers.Binary;
using System.Text;

namespace EdgeSentinel.Monitor.Serialization;

/// <summary>Appends little-endian primitives to a growing byte buffer.</summary>
/// <remarks>Not thread-safe. Used by every serializable monitor object.</remarks>
internal sealed class BinaryBufferWriter
{
    private byte[] _buffer;
    private int _length;

    public BinaryBufferWriter(int initialCapacity = 256)
    {
        _buffer = new byte[Math.Max(16, initialCapacity)];
    }

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);

    public void WriteSingle(float value) => BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);

    /// <summary>Writes a UTF-8 string prefixed by its byte length (Int32).</summary>
    public void WriteString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var count = Encoding.UTF8.GetByteCount(value);
        WriteInt32(count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>Writes an Int32 count followed by the values.</summary>
    public void WriteDoubleArray(ReadOnlySpan<double> values)
    {
        WriteInt32(values.Length);
        var span = Reserve(checked(values.Length * 8));
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(span.Slice(i * 8, 8), values[i]);
        }
    }

    /// <summary>Writes an Int32 count followed by the values.</summary>
    public void WriteSingleArray(ReadOnlySpan<float> values)
    {
        WriteInt32(values.Length);
        var span = Reserve(checked(values.Length * 4));
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(span.Slice(i * 4, 4), values[i]);
        }
    }

    /// <summary>Writes an Int32 count followed by the values.</summary>
    public void WriteInt64Array(ReadOnlySpan<long> values)
    {
        WriteInt32(values.Length);
        var span = Reserve(checked(values.Length * 8));
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span.Slice(i * 8, 8), values[i]);
        }
    }

    /// <summary>Writes raw bytes with an Int32 length prefix.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteInt32(bytes.Length);
        bytes.CopyTo(Reserve(bytes.Length));
    }

    /// <summary>Writes raw bytes without a length prefix.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
