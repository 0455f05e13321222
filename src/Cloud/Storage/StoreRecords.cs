using EdgeSentinel.Protocol.Envelopes;

namespace EdgeSentinel.Cloud.Storage;

/// <summary>What provisioning gave a device: its signing key and the hash of its MQTT password.</summary>
/// <param name="Fleet">Fleet of the device.</param>
/// <param name="Device">Device id within the fleet.</param>
/// <param name="Key">The device's HMAC signing key (secret).</param>
/// <param name="MqttPasswordHash">Its MQTT password as a Mosquitto <c>$7$</c> PBKDF2-SHA512 hash (the password itself is not kept).</param>
/// <param name="ProvisionedAt">When it was provisioned.</param>
public sealed record DeviceCredentials(string Fleet, string Device, SigningKey Key, string MqttPasswordHash, DateTimeOffset ProvisionedAt);

/// <summary>Identifies one stored message: the device that sent it and its per-device sequence number.</summary>
/// <param name="Fleet">Fleet of the device.</param>
/// <param name="Device">Device id within the fleet.</param>
/// <param name="Sequence">The device's sequence number of the message.</param>
public sealed record MessageKey(string Fleet, string Device, long Sequence);

/// <summary>What the aggregator knows about one device.</summary>
/// <param name="Fleet">Fleet of the device.</param>
/// <param name="Device">Device id within the fleet.</param>
/// <param name="ModelHash">Hash of the model the device last reported running (null until reported).</param>
/// <param name="KeyId">Id of the signing key registered for the device (null when unregistered).</param>
/// <param name="LastSeen">When the aggregator last stored a message from the device (null when never).</param>
/// <param name="Status">Last status the device reported: "online", "offline", or "unknown" before any status.</param>
/// <param name="OutboxDepth">Entries waiting in the device's outbox, as last reported.</param>
/// <param name="DroppedFingerprints">Fingerprint summaries the device dropped from its outbox, as last reported.</param>
/// <param name="OutboxFault">Why the device could not write its outbox (e.g. "disk full: ..."), as last reported; null when it can.</param>
public sealed record DeviceRecord(
    string Fleet,
    string Device,
    string? ModelHash,
    string? KeyId,
    DateTimeOffset? LastSeen,
    string Status,
    long OutboxDepth,
    long DroppedFingerprints,
    string? OutboxFault = null);

/// <summary>A device's reported status (the retained status topic, or its last will).</summary>
/// <param name="Status">"online" or "offline".</param>
/// <param name="ModelHash">Hash of the model running (null when not reported).</param>
/// <param name="OutboxDepth">Entries waiting in the device's outbox.</param>
/// <param name="DroppedFingerprints">Fingerprint summaries dropped from the outbox so far.</param>
/// <param name="ReportedAt">Device timestamp of the report.</param>
/// <param name="OutboxFault">Why the device cannot write its outbox (e.g. "disk full: ..."); null when it can.</param>
public sealed record DeviceStatusReport(string Status, string? ModelHash, long OutboxDepth, long DroppedFingerprints, DateTimeOffset ReportedAt, string? OutboxFault = null);

/// <summary>An alert as stored: the latest lifecycle state the device reported plus the cloud's acknowledgement.</summary>
/// <param name="Id">Alert id (stable through the lifecycle).</param>
/// <param name="Fleet">Fleet of the device.</param>
/// <param name="Device">Device that raised it.</param>
/// <param name="ModelHash">Model hash the device was running.</param>
/// <param name="Kind">Wire name of the kind, e.g. "input-drift".</param>
/// <param name="Subject">Channel or channel group.</param>
/// <param name="Severity">Wire name of the severity.</param>
/// <param name="State">Wire name of the device-side state: raised, escalated or cleared.</param>
/// <param name="FirstSample">First sample of the range.</param>
/// <param name="LastSample">Last sample of the range.</param>
/// <param name="EvidenceJson">Evidence as JSON (statistic, threshold, false-alarm rate, top channels).</param>
/// <param name="RaisedAt">When the device raised it.</param>
/// <param name="UpdatedAt">When the device last changed it.</param>
/// <param name="AcknowledgedBy">Who acknowledged it in the cloud (null when not acknowledged).</param>
/// <param name="AcknowledgedAt">When it was acknowledged (null when not acknowledged).</param>
public sealed record StoredAlert(
    string Id,
    string Fleet,
    string Device,
    string ModelHash,
    string Kind,
    string Subject,
    string Severity,
    string State,
    long FirstSample,
    long LastSample,
    string EvidenceJson,
    DateTimeOffset RaisedAt,
    DateTimeOffset UpdatedAt,
    string? AcknowledgedBy = null,
    DateTimeOffset? AcknowledgedAt = null)
{
    /// <summary>Whether the device has not cleared the alert.</summary>
    public bool IsOpen => !string.Equals(State, "cleared", StringComparison.Ordinal);
}

/// <summary>One lifecycle step of an alert, as reported in one message.</summary>
/// <param name="AlertId">The alert.</param>
/// <param name="Sequence">Sequence number of the message that reported it.</param>
/// <param name="State">Wire name of the state.</param>
/// <param name="Severity">Wire name of the severity.</param>
/// <param name="At">Device time of the step.</param>
public sealed record AlertEvent(string AlertId, long Sequence, string State, string Severity, DateTimeOffset At);

/// <summary>A window fingerprint as stored (binary form of <c>Monitor.Fingerprints.Fingerprint</c>).</summary>
/// <param name="Fleet">Fleet of the device.</param>
/// <param name="Device">Device that sent it.</param>
/// <param name="Sequence">Sequence number of its message.</param>
/// <param name="ModelHash">Model hash the device was running.</param>
/// <param name="WindowStart">Start of the window (device time).</param>
/// <param name="WindowEnd">End of the window (device time).</param>
/// <param name="ObservationCount">Observations summarized.</param>
/// <param name="Data">The fingerprint bytes.</param>
public sealed record StoredFingerprint(
    string Fleet,
    string Device,
    long Sequence,
    string ModelHash,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    long ObservationCount,
    ReadOnlyMemory<byte> Data);

/// <summary>A message the aggregator refused, with why.</summary>
/// <param name="Reason">Reason code, e.g. "bad-signature".</param>
/// <param name="Fleet">Fleet from the topic (null when the topic did not parse).</param>
/// <param name="Device">Device from the topic (null when the topic did not parse).</param>
/// <param name="Topic">The MQTT topic.</param>
/// <param name="At">When it was refused (aggregator time).</param>
/// <param name="Detail">What exactly was wrong.</param>
public sealed record Rejection(string Reason, string? Fleet, string? Device, string Topic, DateTimeOffset At, string Detail);

/// <summary>Filters for <see cref="IAggregatorStore.QueryAlertsAsync"/>; null means any.</summary>
public sealed record AlertQuery
{
    /// <summary>Only this fleet.</summary>
    public string? Fleet { get; init; }

    /// <summary>Only this device (within <see cref="Fleet"/> when given).</summary>
    public string? Device { get; init; }

    /// <summary>Only this kind (wire name).</summary>
    public string? Kind { get; init; }

    /// <summary>Only this severity (wire name).</summary>
    public string? Severity { get; init; }

    /// <summary>Only this state: a device state (raised, escalated, cleared), "open" (not cleared) or "acknowledged".</summary>
    public string? State { get; init; }

    /// <summary>At most this many, newest update first.</summary>
    public int Limit { get; init; } = 1000;
}

/// <summary>Whether a message was new or had been stored before.</summary>
public enum StoreOutcome
{
    /// <summary>First time: stored now.</summary>
    Stored,

    /// <summary>The (device, sequence) was already stored; nothing changed.</summary>
    Duplicate,
}

/// <summary>Result of acknowledging an alert.</summary>
public enum AcknowledgeOutcome
{
    /// <summary>No alert has this id.</summary>
    NotFound,

    /// <summary>Acknowledged now.</summary>
    Acknowledged,

    /// <summary>It had been acknowledged before; the first acknowledgement stands.</summary>
    AlreadyAcknowledged,
}

/// <summary>One verified message for <see cref="IAggregatorStore.StoreBatchAsync"/>: its key, arrival time and exactly one of alert, fingerprint or status.</summary>
/// <param name="Key">The message's (device, sequence) key.</param>
/// <param name="ReceivedAt">When the aggregator received it.</param>
/// <param name="Alert">The alert lifecycle step, or null.</param>
/// <param name="Fingerprint">The window fingerprint, or null.</param>
/// <param name="Status">The status report, or null.</param>
public sealed record IncomingMessage(MessageKey Key, DateTimeOffset ReceivedAt, StoredAlert? Alert, StoredFingerprint? Fingerprint, DeviceStatusReport? Status)
{
    /// <summary>An alert message.</summary>
    public static IncomingMessage Of(MessageKey key, DateTimeOffset receivedAt, StoredAlert alert) => new(key, receivedAt, alert, null, null);

    /// <summary>A fingerprint message.</summary>
    public static IncomingMessage Of(MessageKey key, DateTimeOffset receivedAt, StoredFingerprint fingerprint) => new(key, receivedAt, null, fingerprint, null);

    /// <summary>A status message.</summary>
    public static IncomingMessage Of(MessageKey key, DateTimeOffset receivedAt, DeviceStatusReport status) => new(key, receivedAt, null, null, status);
}

/// <summary>What became of one message of a batch: stored, a duplicate, or refused for an alert-id conflict (<see cref="Conflict"/> says why; nothing was written for it).</summary>
/// <param name="Outcome">Stored or Duplicate; meaningless when <see cref="Conflict"/> is set.</param>
/// <param name="Conflict">Why the message was refused, or null.</param>
public readonly record struct BatchItemOutcome(StoreOutcome Outcome, string? Conflict);
