using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeSentinel.Monitor.Alerts;

/// <summary>Builds alert ids: "{deviceId}-{kind wire name}-{16 hex digits}".</summary>
/// <remarks>
/// The hex digits are the first 8 bytes of SHA-256 over the length-prefixed device id, model hash,
/// kind, subject, raising sample, raise time (UTC ticks) and the tracker's raise sequence number.
/// The same inputs give the same id (deterministic under a fake clock); the sequence number makes
/// ids unique within one tracker, and the raise time makes them unique across restarts of the device.
/// </remarks>
internal static class AlertIdentifier
{
    public static string Create(
        string deviceId, string modelHash, AlertKind kind, string subject, long firstSample, DateTimeOffset raisedAt, long sequence)
    {
        var kindName = AlertKinds.ToWireName(kind);
        var canonical = string.Create(
            CultureInfo.InvariantCulture,
            $"{deviceId.Length}:{deviceId}|{modelHash.Length}:{modelHash}|{kindName}|{subject.Length}:{subject}|{firstSample}|{raisedAt.UtcTicks}|{sequence}");
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(canonical), hash);
        return $"{deviceId}-{kindName}-{Convert.ToHexStringLower(hash[..8])}";
    }
}
