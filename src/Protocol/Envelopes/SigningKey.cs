using System.Security.Cryptography;

namespace EdgeSentinel.Protocol.Envelopes;

/// <summary>An HMAC-SHA256 key: a device's key (signs its messages) or a fleet operator's key (signs commands).</summary>
/// <remarks>Immutable and thread-safe; holds a private copy of the key bytes. <see cref="ToString"/> never shows the key.</remarks>
public sealed class SigningKey
{
    /// <summary>Shortest accepted key, in bytes (128 bits).</summary>
    public const int MinLength = 16;

    /// <summary>Longest accepted key, in bytes (one HMAC-SHA256 block).</summary>
    public const int MaxLength = 64;

    /// <summary>Length of keys made by <see cref="Generate"/>, in bytes.</summary>
    public const int GeneratedLength = 32;

    private readonly byte[] _key;

    private SigningKey(byte[] key) => _key = key;

    /// <summary>The key bytes (a view of the private copy).</summary>
    public ReadOnlySpan<byte> Bytes => _key;

    /// <summary>Creates a key from raw bytes (copied); throws when shorter than <see cref="MinLength"/> or longer than <see cref="MaxLength"/>.</summary>
    public static SigningKey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length is < MinLength or > MaxLength)
        {
            throw new ArgumentException($"A signing key must be {MinLength}..{MaxLength} bytes long, not {key.Length}.", nameof(key));
        }

        return new SigningKey(key.ToArray());
    }

    /// <summary>Creates a key from its base64 form; throws <see cref="FormatException"/> or <see cref="ArgumentException"/>.</summary>
    public static SigningKey FromBase64(string base64)
    {
        ArgumentNullException.ThrowIfNull(base64);
        return FromBytes(Convert.FromBase64String(base64));
    }

    /// <summary>Creates a key from its hex form; throws <see cref="FormatException"/> or <see cref="ArgumentException"/>.</summary>
    public static SigningKey FromHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        return FromBytes(Convert.FromHexString(hex));
    }

    /// <summary>Generates a random key of <see cref="GeneratedLength"/> bytes with the system's cryptographic generator.</summary>
    public static SigningKey Generate() => new(RandomNumberGenerator.GetBytes(GeneratedLength));

    /// <summary>The key in base64 (for provisioning files).</summary>
    public string ToBase64() => Convert.ToBase64String(_key);

    /// <summary>Describes the key without revealing it (length and a short SHA-256 fingerprint).</summary>
    public override string ToString() => $"SigningKey({_key.Length} bytes, sha256:{Convert.ToHexStringLower(SHA256.HashData(_key).AsSpan(0, 4))})";
}
