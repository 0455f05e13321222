using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeSentinel.Cloud.Provisioning;

/// <summary>Password hashes in the format of Mosquitto 2's password file: <c>$7$iterations$base64(salt)$base64(PBKDF2-HMAC-SHA512)</c>.</summary>
/// <remarks>
/// The same as <c>mosquitto_passwd</c> writes (12-byte salt, 64-byte hash, 101 iterations by
/// default), so a line made here works in a Mosquitto password file and the embedded broker
/// verifies the same stored hash. Thread-safe (stateless).
/// </remarks>
public static class MosquittoPasswordHash
{
    /// <summary>Iterations <c>mosquitto_passwd</c> uses by default.</summary>
    public const int DefaultIterations = 101;

    /// <summary>Salt length in bytes, as <c>mosquitto_passwd</c> uses.</summary>
    public const int SaltLength = 12;

    /// <summary>Hash length in bytes (SHA-512).</summary>
    public const int HashLength = 64;

    /// <summary>Most iterations accepted when verifying (bounds the work an untrusted hash can cause).</summary>
    public const int MaxIterations = 1_000_000;

    /// <summary>Hashes a password with a fresh random salt.</summary>
    public static string Create(string password, int iterations = DefaultIterations) =>
        Create(password, RandomNumberGenerator.GetBytes(SaltLength), iterations);

    /// <summary>Hashes a password with the given salt (for reproducing a known hash).</summary>
    public static string Create(string password, ReadOnlySpan<byte> salt, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);
        if (salt.Length == 0)
        {
            throw new ArgumentException("The salt must not be empty.", nameof(salt));
        }

        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashLength);
        return string.Create(CultureInfo.InvariantCulture, $"$7${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="encoded"/> (constant-time comparison); false for a malformed hash.</summary>
    public static bool Verify(string password, string encoded)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(encoded);
        if (!TryParse(encoded, out var iterations, out var salt, out var expected, out _))
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Parses a <c>$7$</c> hash; on failure <paramref name="problem"/> says what is wrong.</summary>
    public static bool TryParse(string encoded, out int iterations, out byte[] salt, out byte[] hash, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        iterations = 0;
        salt = [];
        hash = [];
        var parts = encoded.Split('$');
        if (parts.Length != 5 || parts[0].Length != 0 || parts[1] != "7")
        {
            problem = "not a '$7$iterations$salt$hash' (PBKDF2-SHA512) hash";
            return false;
        }

        if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations is < 1 or > MaxIterations)
        {
            problem = $"iteration count '{parts[2]}' is not an integer in 1..{MaxIterations}";
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[3]);
            hash = Convert.FromBase64String(parts[4]);
        }
        catch (FormatException)
        {
            problem = "salt or hash is not base64";
            return false;
        }

        if (salt.Length == 0 || hash.Length != HashLength)
        {
            problem = $"salt must not be empty and the hash must be {HashLength} bytes (found {salt.Length} and {hash.Length})";
            return false;
        }

        problem = null;
        return true;
    }
}
