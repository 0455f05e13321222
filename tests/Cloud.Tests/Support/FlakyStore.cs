using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>A store that fails the next N message stores (as a lost database connection would), then delegates.</summary>
public sealed class FlakyStore(IAggregatorStore inner) : ForwardingStore(inner)
{
    private int _failuresLeft;

    public int Failed { get; private set; }

    public void FailNext(int count) => _failuresLeft = count;

    private void MaybeFail()
    {
        if (_failuresLeft > 0)
        {
            _failuresLeft--;
            Failed++;
            throw new InvalidOperationException("simulated store outage");
        }
    }

    public override Task<StoreOutcome> StoreAlertAsync(MessageKey key, DateTimeOffset receivedAt, StoredAlert alert, CancellationToken cancellationToken = default)
    {
        MaybeFail();
        return Inner.StoreAlertAsync(key, receivedAt, alert, cancellationToken);
    }

    private TaskCompletionSource? _gate;

    /// <summary>The next batch store waits until the returned source is completed.</summary>
    public TaskCompletionSource HoldNextBatch()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _gate = gate;
        return gate;
    }

    public override async Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _gate, null) is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        MaybeFail();
        return await Inner.StoreBatchAsync(messages, cancellationToken);
    }

    public override Task<StoreOutcome> StoreFingerprintAsync(MessageKey key, DateTimeOffset receivedAt, StoredFingerprint fingerprint, CancellationToken cancellationToken = default)
    {
        MaybeFail();
        return Inner.StoreFingerprintAsync(key, receivedAt, fingerprint, cancellationToken);
    }

    public override Task<StoreOutcome> StoreStatusAsync(MessageKey key, DateTimeOffset receivedAt, DeviceStatusReport status, CancellationToken cancellationToken = default)
    {
        MaybeFail();
        return Inner.StoreStatusAsync(key, receivedAt, status, cancellationToken);
    }
}
