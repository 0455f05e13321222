using System.Collections.Concurrent;
using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>A store decorator that records, in call order, every alert store with its outcome (to check arrival order per device).</summary>
public sealed class RecordingStore(IAggregatorStore inner) : IAggregatorStore
{
    private readonly ConcurrentQueue<(MessageKey Key, string AlertId, StoreOutcome Outcome)> _alerts = new();

    public IReadOnlyList<(MessageKey Key, string AlertId, StoreOutcome Outcome)> Alerts => [.. _alerts];

    public async Task<StoreOutcome> StoreAlertAsync(MessageKey key, DateTimeOffset receivedAt, StoredAlert alert, CancellationToken cancellationToken = default)
    {
        var outcome = await inner.StoreAlertAsync(key, receivedAt, alert, cancellationToken);
        _alerts.Enqueue((key, alert.Id, outcome));
        return outcome;
    }

    public async Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default)
    {
        var outcomes = await inner.StoreBatchAsync(messages, cancellationToken);
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].Alert is { } alert && outcomes[i].Conflict is null)
            {
                _alerts.Enqueue((messages[i].Key, alert.Id, outcomes[i].Outcome));
            }
        }

        return outcomes;
    }

    public Task<StoreOutcome> StoreFingerprintAsync(MessageKey key, DateTimeOffset receivedAt, StoredFingerprint fingerprint, CancellationToken cancellationToken = default) => inner.StoreFingerprintAsync(key, receivedAt, fingerprint, cancellationToken);

    public Task<StoreOutcome> StoreStatusAsync(MessageKey key, DateTimeOffset receivedAt, DeviceStatusReport status, CancellationToken cancellationToken = default) => inner.StoreStatusAsync(key, receivedAt, status, cancellationToken);

    public Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default) => inner.GetSchemaVersionAsync(cancellationToken);

    public Task RegisterDeviceAsync(string fleet, string device, string keyId, CancellationToken cancellationToken = default) => inner.RegisterDeviceAsync(fleet, device, keyId, cancellationToken);

    public Task SaveDeviceCredentialsAsync(DeviceCredentials credentials, CancellationToken cancellationToken = default) => inner.SaveDeviceCredentialsAsync(credentials, cancellationToken);

    public Task<DeviceCredentials?> FindDeviceCredentialsAsync(string fleet, string device, CancellationToken cancellationToken = default) => inner.FindDeviceCredentialsAsync(fleet, device, cancellationToken);

    public Task<IReadOnlyList<DeviceCredentials>> GetDeviceCredentialsAsync(CancellationToken cancellationToken = default) => inner.GetDeviceCredentialsAsync(cancellationToken);

    public Task RecordRejectionAsync(Rejection rejection, CancellationToken cancellationToken = default) => inner.RecordRejectionAsync(rejection, cancellationToken);

    public Task<bool> ContainsMessageAsync(MessageKey key, CancellationToken cancellationToken = default) => inner.ContainsMessageAsync(key, cancellationToken);

    public Task<long> CountMessagesAsync(string? fleet = null, string? device = null, CancellationToken cancellationToken = default) => inner.CountMessagesAsync(fleet, device, cancellationToken);

    public Task<IReadOnlyList<KeyValuePair<(string Fleet, string Device), long>>> GetHighestSequencesAsync(CancellationToken cancellationToken = default) => inner.GetHighestSequencesAsync(cancellationToken);

    public Task<IReadOnlyList<DeviceRecord>> GetDevicesAsync(string? fleet = null, CancellationToken cancellationToken = default) => inner.GetDevicesAsync(fleet, cancellationToken);

    public Task<DeviceRecord?> GetDeviceAsync(string fleet, string device, CancellationToken cancellationToken = default) => inner.GetDeviceAsync(fleet, device, cancellationToken);

    public Task<IReadOnlyList<StoredAlert>> QueryAlertsAsync(AlertQuery query, CancellationToken cancellationToken = default) => inner.QueryAlertsAsync(query, cancellationToken);

    public Task<StoredAlert?> GetAlertAsync(string id, CancellationToken cancellationToken = default) => inner.GetAlertAsync(id, cancellationToken);

    public Task<IReadOnlyList<AlertEvent>> GetAlertHistoryAsync(string id, CancellationToken cancellationToken = default) => inner.GetAlertHistoryAsync(id, cancellationToken);

    public Task<AcknowledgeOutcome> AcknowledgeAlertAsync(string id, string acknowledgedBy, DateTimeOffset at, CancellationToken cancellationToken = default) => inner.AcknowledgeAlertAsync(id, acknowledgedBy, at, cancellationToken);

    public Task<IReadOnlyList<StoredFingerprint>> GetFingerprintsAsync(string fleet, string? device, DateTimeOffset windowFrom, DateTimeOffset windowTo, CancellationToken cancellationToken = default) => inner.GetFingerprintsAsync(fleet, device, windowFrom, windowTo, cancellationToken);

    public Task<IReadOnlyList<Rejection>> GetRejectionsAsync(int limit = 100, CancellationToken cancellationToken = default) => inner.GetRejectionsAsync(limit, cancellationToken);

    public Task<IReadOnlyDictionary<string, long>> CountRejectionsByReasonAsync(CancellationToken cancellationToken = default) => inner.CountRejectionsByReasonAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
