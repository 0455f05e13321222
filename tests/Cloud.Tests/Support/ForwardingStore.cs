using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>
/// A store decorator that forwards every <see cref="IAggregatorStore"/> member to an inner store; derived
/// test and bench decorators override only what they observe or change.
/// </summary>
/// <remarks>
/// <see cref="IAggregatorStore.CountOpenAlertsAsync"/> is deliberately not forwarded: a decorator gets the
/// interface's default, which counts the rows <see cref="QueryAlertsAsync"/> returns (a test checks that the
/// default agrees with the SQL stores). Linked into bench/Cloud.Benchmarks as well.
/// </remarks>
public abstract class ForwardingStore(IAggregatorStore inner) : IAggregatorStore
{
    /// <summary>The decorated store.</summary>
    protected IAggregatorStore Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    public virtual Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default) => Inner.GetSchemaVersionAsync(cancellationToken);

    public virtual Task RegisterDeviceAsync(string fleet, string device, string keyId, CancellationToken cancellationToken = default) => Inner.RegisterDeviceAsync(fleet, device, keyId, cancellationToken);

    public virtual Task SaveDeviceCredentialsAsync(DeviceCredentials credentials, CancellationToken cancellationToken = default) => Inner.SaveDeviceCredentialsAsync(credentials, cancellationToken);

    public virtual Task<DeviceCredentials?> FindDeviceCredentialsAsync(string fleet, string device, CancellationToken cancellationToken = default) => Inner.FindDeviceCredentialsAsync(fleet, device, cancellationToken);

    public virtual Task<IReadOnlyList<DeviceCredentials>> GetDeviceCredentialsAsync(CancellationToken cancellationToken = default) => Inner.GetDeviceCredentialsAsync(cancellationToken);

    public virtual Task<StoreOutcome> StoreAlertAsync(MessageKey key, DateTimeOffset receivedAt, StoredAlert alert, CancellationToken cancellationToken = default) => Inner.StoreAlertAsync(key, receivedAt, alert, cancellationToken);

    public virtual Task<StoreOutcome> StoreFingerprintAsync(MessageKey key, DateTimeOffset receivedAt, StoredFingerprint fingerprint, CancellationToken cancellationToken = default) => Inner.StoreFingerprintAsync(key, receivedAt, fingerprint, cancellationToken);

    public virtual Task<StoreOutcome> StoreStatusAsync(MessageKey key, DateTimeOffset receivedAt, DeviceStatusReport status, CancellationToken cancellationToken = default) => Inner.StoreStatusAsync(key, receivedAt, status, cancellationToken);

    public virtual Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default) => Inner.StoreBatchAsync(messages, cancellationToken);

    public virtual Task RecordRejectionAsync(Rejection rejection, CancellationToken cancellationToken = default) => Inner.RecordRejectionAsync(rejection, cancellationToken);

    public virtual Task<bool> ContainsMessageAsync(MessageKey key, CancellationToken cancellationToken = default) => Inner.ContainsMessageAsync(key, cancellationToken);

    public virtual Task<long> CountMessagesAsync(string? fleet = null, string? device = null, CancellationToken cancellationToken = default) => Inner.CountMessagesAsync(fleet, device, cancellationToken);

    public virtual Task<IReadOnlyList<KeyValuePair<(string Fleet, string Device), long>>> GetHighestSequencesAsync(CancellationToken cancellationToken = default) => Inner.GetHighestSequencesAsync(cancellationToken);

    public virtual Task<IReadOnlyList<DeviceRecord>> GetDevicesAsync(string? fleet = null, CancellationToken cancellationToken = default) => Inner.GetDevicesAsync(fleet, cancellationToken);

    public virtual Task<DeviceRecord?> GetDeviceAsync(string fleet, string device, CancellationToken cancellationToken = default) => Inner.GetDeviceAsync(fleet, device, cancellationToken);

    public virtual Task<IReadOnlyList<StoredAlert>> QueryAlertsAsync(AlertQuery query, CancellationToken cancellationToken = default) => Inner.QueryAlertsAsync(query, cancellationToken);

    public virtual Task<StoredAlert?> GetAlertAsync(string id, CancellationToken cancellationToken = default) => Inner.GetAlertAsync(id, cancellationToken);

    public virtual Task<IReadOnlyList<AlertEvent>> GetAlertHistoryAsync(string id, CancellationToken cancellationToken = default) => Inner.GetAlertHistoryAsync(id, cancellationToken);

    public virtual Task<AcknowledgeOutcome> AcknowledgeAlertAsync(string id, string acknowledgedBy, DateTimeOffset at, CancellationToken cancellationToken = default) => Inner.AcknowledgeAlertAsync(id, acknowledgedBy, at, cancellationToken);

    public virtual Task<IReadOnlyList<StoredFingerprint>> GetFingerprintsAsync(string fleet, string? device, DateTimeOffset windowFrom, DateTimeOffset windowTo, CancellationToken cancellationToken = default) => Inner.GetFingerprintsAsync(fleet, device, windowFrom, windowTo, cancellationToken);

    public virtual Task<IReadOnlyList<Rejection>> GetRejectionsAsync(int limit = 100, CancellationToken cancellationToken = default) => Inner.GetRejectionsAsync(limit, cancellationToken);

    public virtual Task<IReadOnlyDictionary<string, long>> CountRejectionsByReasonAsync(CancellationToken cancellationToken = default) => Inner.CountRejectionsByReasonAsync(cancellationToken);

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return Inner.DisposeAsync();
    }
}
