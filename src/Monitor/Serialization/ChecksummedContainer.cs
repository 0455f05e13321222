using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EdgeSentinel.Monitor.Serialization;

/// <summary>
/// Frames a payload as: 8 magic bytes, format version (UInt16), flags (UInt16, zero), payload
/// length (Int64), payload, SHA-256 of everything before it (32 bytes).
/// </summary>
/// <remarks>
/// The magic ends in CR LF so that a file mangled by a text-mode transfer is refused as such.
/// Unwrap checks, in order: length of the header, magic, version, declared length against the
/// actual length, checksum — so a truncated, corrupted or foreign file gets the specific reason.
/// </remarks>
internal static class ChecksummedContainer
{
    public const int HeaderLength = 20;
    public const int ChecksumLength = 32;

    public static byte[] Wrap(ReadOnlySpan<byte> magic, ushort version, ReadOnlySpan<byte> payload)
    {
        if (magic.Length != 8)
        {
            throw new ArgumentException("Magic must be 8 bytes.", nameof(magic));
        }

        var file = new byte[HeaderLength + payload.Length + ChecksumLength];
        magic.CopyTo(file);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), version);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(10), 0);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(12), payload.Length);
        payload.CopyTo(file.AsSpan(HeaderLength));
        SHA256.HashData(file.AsSpan(0, HeaderLength + payload.Length), file.AsSpan(HeaderLength + payload.Length));
        return file;
    }

    /// <summary>Validates the frame and returns the payload.</summary>
    public static ReadOnlySpan<byte> Unwrap(ReadOnlySpan<byte> file, ReadOnlySpan<byte> magic, ushort supportedVersion, string what, long maxBytes)
    {
        if (file.Length < HeaderLength)
        {
            throw new MonitorFormatException(what, file.Length,
                $"truncated: the file is {file.Length} bytes, the header alone needs {HeaderLength}");
        }

        if (!file[..8].SequenceEqual(magic))
        {
            throw new MonitorFormatException(what, 0,
                $"not a {what} (magic bytes {Convert.ToHexString(file[..8])}, expected {Convert.ToHexString(magic)})");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(file[8..]);
        if (version != supportedVersion)
        {
            throw new MonitorFormatException(what, 8,
                $"unsupported format version {version} (this build reads version {supportedVersion})");
        }

        var flags = BinaryPrimitives.ReadUInt16LittleEndian(file[10..]);
        if (flags != 0)
        {
            throw new MonitorFormatException(what, 10, $"unknown flags 0x{flags:X4} (the file is corrupted or from a newer build)");
        }

        var declared = BinaryPrimitives.ReadInt64LittleEndian(file[12..]);
        if (declared < 0 || declared > maxBytes)
        {
            throw new MonitorFormatException(what, 12, $"declared payload length {declared} is outside 0..{maxBytes} (corrupted header)");
        }

        var expectedLength = HeaderLength + declared + ChecksumLength;
        if (file.Length < expectedLength)
        {
            throw new MonitorFormatException(what, file.Length,
                $"truncated: the file is {file.Length} bytes, its header declares {expectedLength}");
        }

        if (file.Length > expectedLength)
        {
            throw new MonitorFormatException(what, expectedLength,
                $"{file.Length - expectedLength} unexpected bytes after the end declared by the header");
        }

        Span<byte> actual = stackalloc byte[ChecksumLength];
        var body = file[..(int)(HeaderLength + declared)];
        SHA256.HashData(body, actual);
        if (!actual.SequenceEqual(file[(int)(HeaderLength + declared)..]))
        {
            throw new MonitorFormatException(what, HeaderLength + declared,
                "checksum mismatch: the file is corrupted (SHA-256 of its contents differs from the stored one)");
        }

        return file.Slice(HeaderLength, (int)declared);
    }
}
