using System.Collections.Concurrent;
using System.Security.Cryptography;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Cloud.Ingest;

/// <summary>The signing key of each device, as provisioned; the ingest verifies every message against it.</summary>
/// <remarks>Thread-safe. Keys are held in memory; fill it from the store's provisioned credentials with <c>DeviceProvisioning.LoadKeysAsync</c>.</remarks>
public sealed class DeviceKeyRegistry
{
    private readonly ConcurrentDictionary<(string Fleet, string Device), SigningKey> _keys = new();

    /// <summary>Number of devices with a key.</summary>
    public int Count => _keys.Count;

    /// <summary>Registers (or replaces) a device's key; returns its key id.</summary>
    public string Register(string fleet, string device, SigningKey key)
    {
        Identifiers.EnsureValid(fleet, nameof(fleet));
        Identifiers.EnsureValid(device, nameof(device));
        ArgumentNullException.ThrowIfNull(key);
        _keys[(fleet, device)] = key;
        return KeyIdOf(key);
    }

    /// <summary>The key of a device, or null when none is registered.</summary>
    public SigningKey? Find(string fleet, string device) => _keys.GetValueOrDefault((fleet, device));

    /// <summary>All registered devices with their key ids.</summary>
    public IReadOnlyList<(string Fleet, string Device, string KeyId)> Entries =>
        _keys.Select(p => (p.Key.Fleet, p.Key.Device, KeyIdOf(p.Value))).OrderBy(e => e.Fleet, StringComparer.Ordinal).ThenBy(e => e.Device, StringComparer.Ordinal).ToList();

    /// <summary>A key's public id: the first 16 hex digits of the SHA-256 of its bytes (names a key without revealing it).</summary>
    public static string KeyIdOf(SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(key.Bytes))[..16];
    }
}
