using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;
using EdgeSentinel.Protocol.Transport;

namespace EdgeSentinel.Runtime.Reporting;

/// <summary>Settings of the device reporter: identity and key, broker, outbox file and bound, timing of pings, backoff and circuit breaker.</summary>
/// <remarks>Plain options class; <see cref="Validate"/> lists every problem at once.</remarks>
public sealed class ReporterOptions
{
    /// <summary>The fleet id (required; see <see cref="Identifiers"/>).</summary>
    public string Fleet { get; init; } = string.Empty;

    /// <summary>The device id (required; see <see cref="Identifiers"/>).</summary>
    public string Device { get; init; } = string.Empty;

    /// <summary>The device's signing key (required).</summary>
    public SigningKey? DeviceKey { get; init; }

    /// <summary>The fleet operator's key that commands on <c>.../cmd</c> must be signed with; null means the reporter does not subscribe to commands.</summary>
    public SigningKey? OperatorKey { get; init; }

    /// <summary>Oldest command accepted (commands are not stored by the broker for later). Default 10 minutes.</summary>
    public TimeSpan CommandMaxAge { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Broker host name or address. Default "127.0.0.1".</summary>
    public string BrokerHost { get; init; } = "127.0.0.1";

    /// <summary>Broker TCP port. Default 1883.</summary>
    public int BrokerPort { get; init; } = 1883;

    /// <summary>MQTT user name, or null for none.</summary>
    public string? Username { get; init; }

    /// <summary>MQTT password, or null for none.</summary>
    public string? Password { get; init; }

    /// <summary>TLS to the broker (CA to trust, client certificate for mutual TLS); null connects over plain TCP.</summary>
    public TlsClientOptions? Tls { get; init; }

    /// <summary>MQTT client id; null means "{fleet}:{device}" (':' never occurs in an id, so the default is unambiguous; the embedded broker requires it).</summary>
    public string? ClientId { get; init; }

    /// <summary>Path of the SQLite outbox file (required).</summary>
    public string OutboxPath { get; init; } = string.Empty;

    /// <summary>Most unsent fingerprint summaries kept before coalescing (then dropping). Default 32.</summary>
    public int MaxPendingFingerprints { get; init; } = 32;

    /// <summary>Most windows one coalesced summary may span. Default 64.</summary>
    public int MaxWindowsPerSummary { get; init; } = 64;

    /// <summary>Interval of the reporter's own ping, which detects a dead link also while publishing. Default 5 s.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a ping (and the connect handshake) may wait for the broker before the link counts as dead. Default 10 s.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one publish may wait for its PUBACK; longer than a ping round so that the ping loop finds a dead link first. Default 30 s.</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>MQTT keep-alive period announced to the broker (it publishes the last will after 1.5 × this without traffic). Default 15 s.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>First reconnect delay; doubles per failure (with jitter) up to <see cref="MaxReconnectDelay"/>. Default 0.5 s.</summary>
    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest reconnect delay. Default 30 s.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failed connection attempts (within <see cref="BreakerSamplingDuration"/>) that open the circuit breaker. Default 5.</summary>
    public int BreakerFailureThreshold { get; init; } = 5;

    /// <summary>Window in which the breaker counts failures. Default 60 s.</summary>
    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an open breaker refuses attempts. Default 60 s.</summary>
    public TimeSpan BreakerBreakDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Interval of status updates while connected and idle. Default 60 s.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether an alert or fingerprint the broker acknowledged with "no matching subscribers" (nobody
    /// received it) stays in the outbox and is sent again after <see cref="InitialReconnectDelay"/>.
    /// Default false; set it when an aggregator is expected to be subscribed: otherwise a message sent in
    /// the moment after a broker restart, before the aggregator has subscribed again, is lost.
    /// </summary>
    public bool HoldUntilSubscribed { get; init; }

    /// <summary>
    /// Whether an alert the broker acknowledged stays in the outbox until an aggregator's stored
    /// acknowledgement (<c>.../ack</c>, signed with the device key) names its sequence number, and is sent
    /// again (same sequence) on every new session until then. Default true: a broker that crashes (SIGKILL,
    /// power loss) loses messages it acknowledged but had not yet delivered, and only this brings them back.
    /// Needs an aggregator that publishes stored acknowledgements (its default) and a broker that lets the
    /// device subscribe to its ack topic (the ACL lines provisioning prints); without them alerts stay in the
    /// outbox and are resent every <see cref="StoredAckTimeout"/>.
    /// </summary>
    public bool AwaitStoredAck { get; init; } = true;

    /// <summary>With <see cref="AwaitStoredAck"/>: how long the reporter, with nothing new to send, lets its oldest waiting alert go unacknowledged before it sends the unacknowledged alerts again. Default 30 s.</summary>
    public TimeSpan StoredAckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most alerts held in memory, in order, while the outbox cannot be written (disk full, read-only); beyond it new alerts are lost and counted. Default 10,000.</summary>
    public int MaxSpilledAlerts { get; init; } = 10_000;

    /// <summary>The client id used: <see cref="ClientId"/> or "{fleet}:{device}".</summary>
    public string EffectiveClientId => ClientId ?? $"{Fleet}:{Device}";

    /// <summary>Returns every problem (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Identifiers.IsValid(Fleet, out var fleetProblem))
        {
            problems.Add($"{nameof(Fleet)} '{Fleet}' {fleetProblem}");
        }

        if (!Identifiers.IsValid(Device, out var deviceProblem))
        {
            problems.Add($"{nameof(Device)} '{Device}' {deviceProblem}");
        }

        if (DeviceKey is null)
        {
            problems.Add($"{nameof(DeviceKey)} is missing");
        }

        if (string.IsNullOrWhiteSpace(BrokerHost))
        {
            problems.Add($"{nameof(BrokerHost)} is empty");
        }

        if (BrokerPort is < 1 or > 65535)
        {
            problems.Add($"{nameof(BrokerPort)} is {BrokerPort}; must be 1..65535");
        }

        if (Tls is not null)
        {
            problems.AddRange(Tls.Validate().Select(p => $"{nameof(Tls)}.{p}"));
        }

        if (string.IsNullOrWhiteSpace(OutboxPath))
        {
            problems.Add($"{nameof(OutboxPath)} is empty");
        }

        if (ClientId is not null && (ClientId.Length is 0 or > 128))
        {
            problems.Add($"{nameof(ClientId)} must be 1..128 characters");
        }

        if (MaxPendingFingerprints < 1)
        {
            problems.Add($"{nameof(MaxPendingFingerprints)} is {MaxPendingFingerprints}; must be ≥ 1");
        }

        if (MaxSpilledAlerts < 1)
        {
            problems.Add($"{nameof(MaxSpilledAlerts)} is {MaxSpilledAlerts}; must be ≥ 1");
        }

        if (MaxWindowsPerSummary < 1)
        {
            problems.Add($"{nameof(MaxWindowsPerSummary)} is {MaxWindowsPerSummary}; must be ≥ 1");
        }

        Positive(problems, nameof(PingInterval), PingInterval);
        Positive(problems, nameof(ResponseTimeout), ResponseTimeout);
        Positive(problems, nameof(PublishTimeout), PublishTimeout);
        Positive(problems, nameof(CommandMaxAge), CommandMaxAge);
        Positive(problems, nameof(StatusInterval), StatusInterval);
        Positive(problems, nameof(StoredAckTimeout), StoredAckTimeout);
        PollyRange(problems, nameof(BreakerSamplingDuration), BreakerSamplingDuration);
        PollyRange(problems, nameof(BreakerBreakDuration), BreakerBreakDuration);
        if (KeepAlive < TimeSpan.FromSeconds(1) || KeepAlive > TimeSpan.FromSeconds(ushort.MaxValue))
        {
            problems.Add($"{nameof(KeepAlive)} is {KeepAlive}; must be 1 s..18 h");
        }

        Positive(problems, nameof(InitialReconnectDelay), InitialReconnectDelay);
        if (MaxReconnectDelay < InitialReconnectDelay)
        {
            problems.Add($"{nameof(MaxReconnectDelay)} {MaxReconnectDelay} is below {nameof(InitialReconnectDelay)} {InitialReconnectDelay}");
        }

        if (BreakerFailureThreshold < 2)
        {
            problems.Add($"{nameof(BreakerFailureThreshold)} is {BreakerFailureThreshold}; must be ≥ 2");
        }

        return problems;
    }

    /// <summary>Polly's circuit breaker accepts sampling and break durations of 0.5 s to 1 day only (it throws otherwise).</summary>
    private static void PollyRange(List<string> problems, string name, TimeSpan value)
    {
        if (value < TimeSpan.FromMilliseconds(500) || value > TimeSpan.FromDays(1))
        {
            problems.Add($"{name} is {value}; must be 0.5 s..1 day");
        }
    }

    private static void Positive(List<string> problems, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{name} is {value}; must be > 0");
        }
    }
}
