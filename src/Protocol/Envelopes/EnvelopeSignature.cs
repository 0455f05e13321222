using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EdgeSentinel.Protocol.Envelopes;

/// <summary>Computes and checks envelope signatures: HMAC-SHA256 over a canonical byte layout.</summary>
/// <remarks>
/// <para>The signed bytes, in order (all integers big-endian):</para>
/// <code>
/// u8   schema version (1)
/// u16  topic length in bytes, then the topic in UTF-8 (edgesentinel/v1/{fleet}/{device}/{kind})
/// u64  sequence number
/// i64  timestamp, milliseconds since 1970-01-01T00:00:00Z
/// u32  payload length in bytes, then the payload bytes (the JSON body exactly as transmitted, or the binary body)
/// </code>
/// <para>The topic binds fleet, device and kind; the lengths make the layout unambiguous. Verification
/// compares in constant time. Thread-safe (stateless).</para>
/// </remarks>
public static class EnvelopeSignature
{
    /// <summary>Signature length in bytes (HMAC-SHA256).</summary>
    public const int Length = HMACSHA256.HashSizeInBytes;

    /// <summary>Largest canonical byte count verified with one copy and the one-shot HMAC; larger ones are hashed in pieces.</summary>
    private const int OneShotMaxBytes = 8 * 1024;

    /// <summary>Writes the canonical signed bytes (see remarks) into a new array; for tests and other implementations.</summary>
    public static byte[] CanonicalBytes(int schemaVersion, string topic, long sequence, long timestampMilliseconds, ReadOnlySpan<byte> payload)
    {
        var headerLength = HeaderLength(schemaVersion, topic, sequence);
        var bytes = new byte[headerLength + payload.Length];
        WriteHeader(bytes, schemaVersion, topic, sequence, timestampMilliseconds, payload.Length);
        payload.CopyTo(bytes.AsSpan(headerLength));
        return bytes;
    }

    /// <summary>Computes the signature of the given fields with <paramref name="key"/>.</summary>
    public static byte[] Compute(SigningKey key, int schemaVersion, string topic, long sequence, long timestampMilliseconds, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(key);
        return HMACSHA256.HashData(key.Bytes, CanonicalBytes(schemaVersion, topic, sequence, timestampMilliseconds, payload));
    }

    /// <summary>True when <paramref name="signature"/> is the signature of the given fields with <paramref name="key"/> (constant-time comparison).</summary>
    public static bool Verify(SigningKey key, int schemaVersion, string topic, long sequence, long timestampMilliseconds, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (signature.Length != Length)
        {
            return false;
        }

        var headerLength = HeaderLength(schemaVersion, topic, sequence);
        Span<byte> expected = stackalloc byte[Length];
        if (headerLength + payload.Length <= OneShotMaxBytes)
        {
            // Small messages (alerts, status): the canonical bytes in a pooled buffer and the one-shot HMAC, which allocates
            // nothing (an IncrementalHash is an object with a finalizable native handle per message).
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(headerLength + payload.Length);
            try
            {
                WriteHeader(buffer, schemaVersion, topic, sequence, timestampMilliseconds, payload.Length);
                payload.CopyTo(buffer.AsSpan(headerLength));
                HMACSHA256.HashData(key.Bytes, buffer.AsSpan(0, headerLength + payload.Length), expected);
                return CryptographicOperations.FixedTimeEquals(expected, signature);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        // Large ones hashed in two pieces (header, then the payload where it lies): the same HMAC as over CanonicalBytes,
        // without copying the payload (a fingerprint's is ≈36 KB).
        var rented = headerLength > 512 ? System.Buffers.ArrayPool<byte>.Shared.Rent(headerLength) : null;
        try
        {
            var header = rented is null ? stackalloc byte[headerLength] : rented.AsSpan(0, headerLength);
            WriteHeader(header, schemaVersion, topic, sequence, timestampMilliseconds, payload.Length);
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.Bytes);
            hmac.AppendData(header);
            hmac.AppendData(payload);
            hmac.GetHashAndReset(expected);
            return CryptographicOperations.FixedTimeEquals(expected, signature);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Bytes before the payload: version, topic length and topic, sequence, timestamp, payload length; checks the fields.</summary>
    private static int HeaderLength(int schemaVersion, string topic, long sequence)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        ArgumentOutOfRangeException.ThrowIfNegative(schemaVersion);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(schemaVersion, byte.MaxValue);
        var topicLength = Encoding.UTF8.GetByteCount(topic);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(topicLength, ushort.MaxValue, nameof(topic));
        return 1 + 2 + topicLength + 8 + 8 + 4;
    }

    private static void WriteHeader(Span<byte> header, int schemaVersion, string topic, long sequence, long timestampMilliseconds, int payloadLength)
    {
        header[0] = (byte)schemaVersion;
        var at = 3 + Encoding.UTF8.GetBytes(topic, header[3..]);
        BinaryPrimitives.WriteUInt16BigEndian(header[1..], (ushort)(at - 3));
        BinaryPrimitives.WriteInt64BigEndian(header[at..], sequence);
        BinaryPrimitives.WriteInt64BigEndian(header[(at + 8)..], timestampMilliseconds);
        BinaryPrimitives.WriteUInt32BigEndian(header[(at + 16)..], (uint)payloadLength);
    }
}
