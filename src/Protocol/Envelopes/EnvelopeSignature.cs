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
/// compares in constant time. Thread-safe (each thread keeps its own keyed HMAC state).</para>
/// </remarks>
public static class EnvelopeSignature
{
    /// <summary>Signature length in bytes (HMAC-SHA256).</summary>
    public const int Length = HMACSHA256.HashSizeInBytes;

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
        var rented = headerLength > 512 ? System.Buffers.ArrayPool<byte>.Shared.Rent(headerLength) : null;
        try
        {
            // Header, then the payload where it lies (no copy), into this thread's HMAC for the key: keyed once, reset by
            // each result — a one-shot HMAC sets the key up again for every message (the same HMAC as over CanonicalBytes).
            var header = rented is null ? stackalloc byte[headerLength] : rented.AsSpan(0, headerLength);
            WriteHeader(header, schemaVersion, topic, sequence, timestampMilliseconds, payload.Length);
            var hmac = KeyedHmac(key);
            try
            {
                hmac.AppendData(header);
                hmac.AppendData(payload);
                hmac.GetHashAndReset(expected);
            }
            catch
            {
                Forget(key); // its state is unknown now
                throw;
            }

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

    /// <summary>This thread's HMAC-SHA256 keyed with <paramref name="key"/>, ready for a message (at most <see cref="MaxKeyedPerThread"/> kept per thread).</summary>
    private static IncrementalHash KeyedHmac(SigningKey key)
    {
        var cache = t_keyed ??= new Dictionary<SigningKey, IncrementalHash>(ReferenceEqualityComparer.Instance);
        if (!cache.TryGetValue(key, out var hmac))
        {
            if (cache.Count >= MaxKeyedPerThread)
            {
                foreach (var old in cache.Values)
                {
                    old.Dispose();
                }

                cache.Clear(); // a fleet larger than the cache (or replaced keys): start again rather than grow
            }

            hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.Bytes);
            cache[key] = hmac;
        }

        return hmac;
    }

    private static void Forget(SigningKey key)
    {
        if (t_keyed is { } cache && cache.Remove(key, out var hmac))
        {
            hmac.Dispose();
        }
    }

    /// <summary>Keyed HMACs kept per thread: a receiver's devices (a verifying thread sees all of them).</summary>
    private const int MaxKeyedPerThread = 1024;

    [ThreadStatic]
    private static Dictionary<SigningKey, IncrementalHash>? t_keyed;

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
