using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Transport;

namespace EdgeSentinel.Cloud.Ingest;

/// <summary>Where and how the aggregator subscribes.</summary>
public sealed class MqttIngestOptions
{
    /// <summary>Broker host. Default: "127.0.0.1".</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Broker port. Default: 1883.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>MQTT client id; unique per aggregator instance. Default: "edgesentinel-aggregator".</summary>
    public string ClientId { get; set; } = "edgesentinel-aggregator";

    /// <summary>User name (null: none).</summary>
    public string? Username { get; set; }

    /// <summary>Password (null: none).</summary>
    public string? Password { get; set; }

    /// <summary>TLS to the broker (CA to trust, client certificate); null connects over plain TCP.</summary>
    public TlsClientOptions? Tls { get; set; }

    /// <summary>Shared-subscription group that aggregator instances split the load in; null subscribes plainly. Default: "edgesentinel-aggregators".</summary>
    public string? SharedGroup { get; set; } = "edgesentinel-aggregators";

    /// <summary>How long the broker keeps the session (and unacknowledged messages) after a disconnect. Default: 1 h.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>MQTT keep-alive. Default: 15 s.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the connection is checked and, when lost, re-established. Default: 2 s.</summary>
    public TimeSpan ReconnectInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether to publish, after each stored batch, a signed retained stored acknowledgement per device on <c>.../ack</c> naming the messages this instance settled (devices with <c>AwaitStoredAck</c>, their default, keep alerts until named). Default true.</summary>
    public bool PublishStoredAcks { get; set; } = true;

    /// <summary>MQTT 5 receive maximum: how many unacknowledged QoS 1 messages the broker may have in flight to the aggregator (the group-commit window; with Mosquitto also raise <c>max_inflight_messages</c>, default 20, to match). Default: 1000.</summary>
    public int ReceiveMaximum { get; set; } = 1000;

    /// <summary>
    /// At most this many bytes of messages (PUBLISH packets as on the wire) are held read from the broker but not yet
    /// stored and acknowledged; when reached, the ingest stops reading its connection until the writer catches up, so
    /// a backlog stays in the broker (back-pressure through TCP) instead of in the aggregator's memory. A batch takes
    /// at most half of it. Default: 16 MiB (≈450 fingerprints of 36 KB).
    /// </summary>
    public long MaxQueuedBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>At most this many messages are held read but not yet stored and acknowledged (as <see cref="MaxQueuedBytes"/>; the broker should already stop at <see cref="ReceiveMaximum"/>, but Mosquitto 2.0.11 does not always). A batch takes at most half of it. Default: 1000.</summary>
    public int MaxQueuedMessages { get; set; } = 1000;

    /// <summary>Socket send and receive buffer size in bytes (the kernel doubles it and caps it at <c>net.core.rmem_max</c>). MQTTnet's default of 8 KiB makes a 36 KB fingerprint cost many receive calls and wake-ups. Default: 1 MiB.</summary>
    public int SocketBufferSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// A message that reaches the ingest while it is idle, this much later than its device's usual delay (the least
    /// delay seen from that device, which absorbs a device clock that runs behind), was held back by the broker;
    /// <see cref="HeldBackToRecycle"/> of them within this period make the ingest replace its connection, which makes
    /// the broker send what it holds. Mosquitto 2.0.11 (Debian 12) can stop delivering to a subscriber with messages
    /// still queued for it. <see cref="TimeSpan.Zero"/> turns the check off. Default: 30 s.
    /// </summary>
    public TimeSpan HeldBackDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many held-back messages within <see cref="HeldBackDelay"/> make the ingest replace its connection. Default: 3.</summary>
    public int HeldBackToRecycle { get; set; } = 3;

    /// <summary>At most this many messages are stored in one transaction (group commit). Default: 500.</summary>
    public int MaxBatchSize { get; set; } = 500;

    /// <summary>Limits of the wire codecs. Default: <see cref="ProtocolLimits.Default"/>.</summary>
    public ProtocolLimits Limits { get; set; } = ProtocolLimits.Default;

    /// <summary>Accepted clock skew and message age. Default: the Protocol defaults.</summary>
    public ReplayGuardOptions Replay { get; set; } = new();

    /// <summary>Every problem, each naming the property; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Host))
        {
            problems.Add("Host: must name the broker");
        }

        if (Port is < 1 or > 65535)
        {
            problems.Add($"Port: {Port} must be in 1..65535");
        }

        if (string.IsNullOrWhiteSpace(ClientId) || ClientId.Length > 128)
        {
            problems.Add("ClientId: must be 1..128 characters");
        }

        if (SharedGroup is not null && (SharedGroup.Length == 0 || SharedGroup.AsSpan().ContainsAny("/+#")))
        {
            problems.Add($"SharedGroup: '{SharedGroup}' must be non-empty without '/', '+' or '#'");
        }

        if (SessionExpiry < TimeSpan.Zero || SessionExpiry.TotalSeconds > uint.MaxValue)
        {
            problems.Add($"SessionExpiry: {SessionExpiry} must be in 0..{uint.MaxValue} s");
        }

        if (KeepAlive <= TimeSpan.Zero || KeepAlive.TotalSeconds > ushort.MaxValue)
        {
            problems.Add($"KeepAlive: {KeepAlive} must be in (0, {ushort.MaxValue}] s");
        }

        if (ReconnectInterval <= TimeSpan.Zero)
        {
            problems.Add($"ReconnectInterval: {ReconnectInterval} must be positive");
        }

        if (ReceiveMaximum is < 1 or > ushort.MaxValue)
        {
            problems.Add($"ReceiveMaximum: {ReceiveMaximum} must be in 1..{ushort.MaxValue}");
        }

        if (MaxQueuedBytes < 1)
        {
            problems.Add($"MaxQueuedBytes: {MaxQueuedBytes} must be at least 1");
        }

        if (MaxQueuedMessages < 1)
        {
            problems.Add($"MaxQueuedMessages: {MaxQueuedMessages} must be at least 1");
        }

        if (SocketBufferSize is < 4096 or > 64 * 1024 * 1024)
        {
            problems.Add($"SocketBufferSize: {SocketBufferSize} must be in 4096..{64 * 1024 * 1024} bytes");
        }

        if (HeldBackDelay < TimeSpan.Zero)
        {
            problems.Add($"HeldBackDelay: {HeldBackDelay} must not be negative (zero turns the check off)");
        }

        if (HeldBackToRecycle < 1)
        {
            problems.Add($"HeldBackToRecycle: {HeldBackToRecycle} must be at least 1");
        }

        if (MaxBatchSize < 1)
        {
            problems.Add($"MaxBatchSize: {MaxBatchSize} must be at least 1");
        }

        if (Limits is null)
        {
            problems.Add("Limits: required");
        }
        else
        {
            problems.AddRange(Limits.Validate().Select(p => "Limits." + p));
        }

        if (Tls is not null)
        {
            problems.AddRange(Tls.Validate().Select(p => "Tls." + p));
        }

        if (Replay is null)
        {
            problems.Add("Replay: required");
        }
        else
        {
            problems.AddRange(Replay.Validate().Select(p => "Replay." + p));
        }

        return problems;
    }
}
