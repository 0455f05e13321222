using System.Security.Cryptography;

namespace EdgeSentinel.Runtime.Safety;

/// <summary>Verifies clear commands signed with HMAC-SHA256 over <see cref="InterlockClearCommand.GetSignedContent"/>; the signature is lowercase or uppercase hex.</summary>
/// <remarks>Thread-safe (stateless apart from its copy of the key); compares in constant time. A Protocol-level verifier can replace it through <see cref="IClearCommandVerifier"/>.</remarks>
public sealed class HmacClearCommandVerifier : IClearCommandVerifier
{
    private readonly byte[] _key;

    /// <summary>Creates a verifier for <paramref name="key"/> (copied; at least 16 bytes).</summary>
    /// <exception cref="ArgumentException">The key is shorter than 16 bytes.</exception>
    public HmacClearCommandVerifier(ReadOnlySpan<byte> key)
    {
        if (key.Length < 16)
        {
            throw new ArgumentException($"An HMAC key needs at least 16 bytes (got {key.Length}).", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>Signs a command's content with <paramref name="key"/>; returns lowercase hex (for operator tools and tests).</summary>
    public static string Sign(InterlockClearCommand command, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(command);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, command.GetSignedContent()));
    }

    /// <inheritdoc />
    public bool IsAuthentic(InterlockClearCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        string signature = command.Signature;
        if (signature.Length != HMACSHA256.HashSizeInBytes * 2)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (Convert.FromHexString(signature, given, out _, out int written) != System.Buffers.OperationStatus.Done || written != given.Length)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, command.GetSignedContent(), expected);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
