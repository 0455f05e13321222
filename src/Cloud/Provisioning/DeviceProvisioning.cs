using System.Buffers.Text;
using System.Security.Cryptography;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Cloud.Provisioning;

/// <summary>A freshly provisioned device: its credentials as stored plus the MQTT password, which exists only here (the store keeps its hash).</summary>
/// <param name="Credentials">What the store keeps.</param>
/// <param name="MqttUsername">The device's MQTT user name, <c>{fleet}/{device}</c>.</param>
/// <param name="MqttPassword">The device's MQTT password (shown once; only its hash is stored).</param>
public sealed record ProvisionedDevice(DeviceCredentials Credentials, string MqttUsername, string MqttPassword)
{
    /// <summary>The line for a Mosquitto password file: <c>{fleet}/{device}:$7$...</c>.</summary>
    public string PasswordFileLine => $"{MqttUsername}:{Credentials.MqttPasswordHash}";
}

/// <summary>Device provisioning: a CSPRNG signing key and MQTT password per device, registered in the store; broker user names and ACLs.</summary>
/// <remarks>
/// A device's MQTT user name is <c>{fleet}/{device}</c>, so one Mosquitto pattern ACL
/// (<c>pattern write edgesentinel/v1/%u/alert</c>, ...) confines every device to its own topics;
/// ids cannot contain '/', so the user name splits back unambiguously. Thread-safe (stateless).
/// </remarks>
public static class DeviceProvisioning
{
    /// <summary>Bytes of randomness in a generated MQTT password (base64url-encoded).</summary>
    public const int PasswordBytes = 24;

    /// <summary>The MQTT user name of a device: <c>{fleet}/{device}</c>.</summary>
    public static string MqttUsername(string fleet, string device)
    {
        Identifiers.EnsureValid(fleet, nameof(fleet));
        Identifiers.EnsureValid(device, nameof(device));
        return $"{fleet}/{device}";
    }

    /// <summary>
    /// The MQTT client id a device connects with: <c>{fleet}:{device}</c>. Ids may contain '.', so a '.'
    /// separator would be ambiguous (fleet "f.a" device "b" and fleet "f" device "a.b"); ':' is never in an
    /// id (<see cref="Identifiers"/>) and MQTT, Mosquitto and MQTTnet accept it in client ids.
    /// </summary>
    public static string MqttClientId(string fleet, string device)
    {
        Identifiers.EnsureValid(fleet, nameof(fleet));
        Identifiers.EnsureValid(device, nameof(device));
        return $"{fleet}:{device}";
    }

    /// <summary>Splits a device's MQTT user name into fleet and device; false when it is not one (e.g. the aggregator's own user).</summary>
    public static bool TryParseMqttUsername(string? username, out string fleet, out string device)
    {
        fleet = string.Empty;
        device = string.Empty;
        var slash = username?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (username is null || slash < 0)
        {
            return false;
        }

        var f = username[..slash];
        var d = username[(slash + 1)..];
        if (!Identifiers.IsValid(f) || !Identifiers.IsValid(d))
        {
            return false;
        }

        fleet = f;
        device = d;
        return true;
    }

    /// <summary>The Mosquitto pattern ACL lines that confine every device (user <c>{fleet}/{device}</c>) to its own topics: publish alert, fingerprint, status; subscribe to its commands and its stored acknowledgements.</summary>
    public static IReadOnlyList<string> MosquittoDevicePatterns { get; } =
    [
        $"pattern write {EdgeTopics.Prefix}/%u/{EdgeTopics.KindLevel(TopicKind.Alert)}",
        $"pattern write {EdgeTopics.Prefix}/%u/{EdgeTopics.KindLevel(TopicKind.Fingerprint)}",
        $"pattern write {EdgeTopics.Prefix}/%u/{EdgeTopics.KindLevel(TopicKind.Status)}",
        $"pattern read {EdgeTopics.Prefix}/%u/{EdgeTopics.KindLevel(TopicKind.Command)}",
        $"pattern read {EdgeTopics.Prefix}/%u/{StoredAck.Level}",
    ];

    /// <summary>The Mosquitto ACL lines for the aggregator's own user: read every device topic, write commands and stored acknowledgements.</summary>
    public static IReadOnlyList<string> MosquittoAggregatorAcl(string username)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        if (username.Contains('/', StringComparison.Ordinal) || username.AsSpan().ContainsAny(" \t\r\n"))
        {
            throw new ArgumentException($"The aggregator's user name '{username}' must not contain '/' (reserved for devices) or white space.", nameof(username));
        }

        return
        [
            $"user {username}",
            $"topic read {EdgeTopics.Prefix}/#",
            $"topic write {EdgeTopics.Prefix}/+/+/{EdgeTopics.KindLevel(TopicKind.Command)}",
            $"topic write {EdgeTopics.Prefix}/+/+/{StoredAck.Level}",
        ];
    }

    /// <summary>A random MQTT password: <see cref="PasswordBytes"/> bytes from the system CSPRNG, base64url without padding.</summary>
    public static string GeneratePassword() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(PasswordBytes));

    /// <summary>Generates a device's signing key and MQTT password and saves them (the password as a hash) in the store's device registry.</summary>
    /// <exception cref="InvalidOperationException">The device is already provisioned and <paramref name="replace"/> is false.</exception>
    public static async Task<ProvisionedDevice> ProvisionAsync(IAggregatorStore store, string fleet, string device, bool replace = false, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var username = MqttUsername(fleet, device);
        if (!replace && await store.FindDeviceCredentialsAsync(fleet, device, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            throw new InvalidOperationException($"Device {fleet}/{device} is already provisioned (key id {DeviceKeyRegistry.KeyIdOf(existing.Key)}, {existing.ProvisionedAt:u}); replacing its key and password needs an explicit re-key.");
        }

        var password = GeneratePassword();
        var credentials = new DeviceCredentials(fleet, device, SigningKey.Generate(), MosquittoPasswordHash.Create(password), (timeProvider ?? TimeProvider.System).GetUtcNow());
        await store.SaveDeviceCredentialsAsync(credentials, cancellationToken).ConfigureAwait(false);
        return new ProvisionedDevice(credentials, username, password);
    }

    /// <summary>Registers every provisioned device's key from the store in <paramref name="registry"/> (new and re-keyed devices included); returns how many devices the store has.</summary>
    public static async Task<int> LoadKeysAsync(IAggregatorStore store, DeviceKeyRegistry registry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(registry);
        var all = await store.GetDeviceCredentialsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var c in all)
        {
            if (registry.Find(c.Fleet, c.Device) is not { } known || !known.Bytes.SequenceEqual(c.Key.Bytes))
            {
                registry.Register(c.Fleet, c.Device, c.Key);
            }
        }

        return all.Count;
    }
}
