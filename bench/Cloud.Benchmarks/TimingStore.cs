using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;

namespace EdgeSentinel.Cloud.Benchmarks;

/// <summary>A store decorator that reports the Stopwatch timestamp at which an expected alert's commit completed.</summary>
internal sealed class TimingStore(IAggregatorStore inner) : ForwardingStore(inner)
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _expected = new(StringComparer.Ordinal);

    public Task<long> Expect(string alertId) => _expected.GetOrAdd(alertId, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public override async Task<StoreOutcome> StoreAlertAsync(MessageKey key, DateTimeOffset receivedAt, StoredAlert alert, CancellationToken cancellationToken = default)
    {
        var outcome = await Inner.StoreAlertAsync(key, receivedAt, alert, cancellationToken);
        var at = Stopwatch.GetTimestamp();
        if (outcome == StoreOutcome.Stored && _expected.TryGetValue(alert.Id, out var waiting))
        {
            waiting.TrySetResult(at);
        }

        return outcome;
    }

    public override async Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default)
    {
        var outcomes = await Inner.StoreBatchAsync(messages, cancellationToken);
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
}
