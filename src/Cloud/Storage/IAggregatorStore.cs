namespace EdgeSentinel.Cloud.Storage;

/// <summary>
/// The aggregator's durable state: devices, alerts with their lifecycle, window fingerprints,
/// rejections, and the (device, sequence) keys of every stored message.
/// </summary>
/// <remarks>
/// Every <c>Store…Async</c> inserts the message key and its data in one transaction: a message
/// delivered twice is stored once (<see cref="StoreOutcome.Duplicate"/> the second time), and a
/// completed call means the data is durable. Implementations are thread-safe; several aggregator
/// instances may share one PostgreSQL store. The store holds each provisioned device's signing key
/// (HMAC keys are symmetric: verifying needs the key): protect it like a secret.
/// </remarks>
public interface IAggregatorStore : IAsyncDisposable
{
    /// <summary>Highest migration version applied.</summary>
    Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>Registers (or re-keys) a device: records its signing key id; status stays as reported.</summary>
    Task RegisterDeviceAsync(string fleet, string device, string keyId, CancellationToken cancellationToken = default);

    /// <summary>Saves (or replaces) a provisioned device's credentials and registers the device with the key's id, in one transaction.</summary>
    Task SaveDeviceCredentialsAsync(DeviceCredentials credentials, CancellationToken cancellationToken = default);

    /// <summary>A provisioned device's credentials, or null when it was never provisioned.</summary>
    Task<DeviceCredentials?> FindDeviceCredentialsAsync(string fleet, string device, CancellationToken cancellationToken = default);

    /// <summary>Every provisioned device's credentials, ordered by fleet and device.</summary>
    Task<IReadOnlyList<DeviceCredentials>> GetDeviceCredentialsAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores an alert lifecycle step once per message key; an older step never overwrites a newer one.</summary>
    Task<StoreOutcome> StoreAlertAsync(MessageKey key, DateTimeOffset receivedAt, StoredAlert alert, CancellationToken cancellationToken = default);

    /// <summary>Stores a window fingerprint once per message key.</summary>
    Task<StoreOutcome> StoreFingerprintAsync(MessageKey key, DateTimeOffset receivedAt, StoredFingerprint fingerprint, CancellationToken cancellationToken = default);

    /// <summary>Stores a device status report once per message key.</summary>
    Task<StoreOutcome> StoreStatusAsync(MessageKey key, DateTimeOffset receivedAt, DeviceStatusReport status, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores several messages in ONE transaction (group commit), in order, with the same exactly-once
    /// semantics per (device, sequence) as the single-message calls — a key repeated inside the batch or
    /// already stored is a duplicate — and one outcome per message, in order. An alert-id conflict refuses
    /// only its message (<see cref="BatchItemOutcome.Conflict"/>); any other failure throws and stores nothing.
    /// </summary>
    Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Records a refused message.</summary>
    Task RecordRejectionAsync(Rejection rejection, CancellationToken cancellationToken = default);

    /// <summary>Whether a message with this key was stored.</summary>
    Task<bool> ContainsMessageAsync(MessageKey key, CancellationToken cancellationToken = default);

    /// <summary>Number of stored messages, optionally of one fleet or device.</summary>
    Task<long> CountMessagesAsync(string? fleet = null, string? device = null, CancellationToken cancellationToken = default);

    /// <summary>The highest stored sequence number per device (to seed a replay guard at start).</summary>
    Task<IReadOnlyList<KeyValuePair<(string Fleet, string Device), long>>> GetHighestSequencesAsync(CancellationToken cancellationToken = default);

    /// <summary>All devices, optionally of one fleet, ordered by fleet and device.</summary>
    Task<IReadOnlyList<DeviceRecord>> GetDevicesAsync(string? fleet = null, CancellationToken cancellationToken = default);

    /// <summary>One device, or null.</summary>
    Task<DeviceRecord?> GetDeviceAsync(string fleet, string device, CancellationToken cancellationToken = default);

    /// <summary>Alerts matching the query, most recently updated first.</summary>
    Task<IReadOnlyList<StoredAlert>> QueryAlertsAsync(AlertQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Open (not cleared) alerts, optionally of one fleet or device, counted per device, model hash, severity and
    /// kind, ordered by those (ordinal): the overview's numbers without loading alert rows.
    /// </summary>
    /// <remarks>The default loads the open alerts and counts them; the SQL stores count in the database over an index.</remarks>
    async Task<IReadOnlyList<OpenAlertCount>> CountOpenAlertsAsync(string? fleet = null, string? device = null, CancellationToken cancellationToken = default) =>
        OpenAlertCount.Tally(await QueryAlertsAsync(new AlertQuery { Fleet = fleet, Device = device, State = "open", Limit = int.MaxValue }, cancellationToken).ConfigureAwait(false));

    /// <summary>One alert, or null.</summary>
    Task<StoredAlert?> GetAlertAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The lifecycle steps of an alert in device-sequence order.</summary>
    Task<IReadOnlyList<AlertEvent>> GetAlertHistoryAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Acknowledges an alert (first acknowledgement wins).</summary>
    Task<AcknowledgeOutcome> AcknowledgeAlertAsync(string id, string acknowledgedBy, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Fingerprints of a fleet (or one device) whose window starts in [windowFrom, windowTo), ordered by device then window start.</summary>
    Task<IReadOnlyList<StoredFingerprint>> GetFingerprintsAsync(string fleet, string? device, DateTimeOffset windowFrom, DateTimeOffset windowTo, CancellationToken cancellationToken = default);

    /// <summary>
    /// The fingerprints <see cref="GetFingerprintsAsync"/> returns, in its order, without their data (<see cref="StoredFingerprint.Data"/>
    /// empty): what a reader checks its cached merges against before reading the data of the windows it lacks.
    /// </summary>
    /// <remarks>The default reads the fingerprints and drops the data; the SQL stores leave the data column out of the query.</remarks>
    async Task<IReadOnlyList<StoredFingerprint>> GetFingerprintHeadersAsync(string fleet, string? device, DateTimeOffset windowFrom, DateTimeOffset windowTo, CancellationToken cancellationToken = default) =>
        [.. (await GetFingerprintsAsync(fleet, device, windowFrom, windowTo, cancellationToken).ConfigureAwait(false)).Select(f => f with { Data = ReadOnlyMemory<byte>.Empty })];

    /// <summary>The most recent rejections, newest first.</summary>
    Task<IReadOnlyList<Rejection>> GetRejectionsAsync(int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Number of rejections per reason code.</summary>
    Task<IReadOnlyDictionary<string, long>> CountRejectionsByReasonAsync(CancellationToken cancellationToken = default);
}
