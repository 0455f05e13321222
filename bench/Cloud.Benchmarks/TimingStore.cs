using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cloud.Benchmarks;

/// <summary>A store decorator that reports the Stopwatch timestamp at which an expected alert's commit completed.</summary>
internal sealed class TimingStore(IAggregatorStore inner) : IAggregatorStore
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _expected = new(StringComparer.Ordinal);

    public Task<long> Expect(string alertId) => _expected.GetOrAdd(alertId, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public async Task<StoreOutcome> StoreAlertAsync(MessageKey key, DateTimeOffset receivedAt, StoredAlert alert, CancellationToken cancellationToken = default)
    {
        var outcome = await inner.StoreAlertAsync(key, receivedAt, alert, cancellationToken);
        var at = Stopwatch.GetTimestamp();
        if (outcome == StoreOutcome.Stored && _expected.TryGetValue(alert.Id, out var waiting))
        {
            waiting.TrySetResult(at);
        }

        return outcome;
    }

    public async Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default)
    {
        var outcomes = await inner.StoreBatchAsync(messages, cancellationToken);
        var at = Stopwatch.GetTimestamp();
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].Alert is { } alert && outcomes[i] is { Outcome: StoreOutcome.Stored, Conflict: null } && _expected.TryGetValue(alert.Id, out var waiting))
            {
                waiting.TrySetResult(at);
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
