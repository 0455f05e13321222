using System.Collections.Concurrent;
using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>A store decorator that records, in call order, every alert store with its outcome (to check arrival order per device).</summary>
public sealed class RecordingStore(IAggregatorStore inner) : ForwardingStore(inner)
{
    private readonly ConcurrentQueue<(MessageKey Key, string AlertId, StoreOutcome Outcome)> _alerts = new();

    public IReadOnlyList<(MessageKey Key, string AlertId, StoreOutcome Outcome)> Alerts => [.. _alerts];

    public override async Task<StoreOutcome> StoreAlertAsync(MessageKey key, DateTimeOffset receivedAt, StoredAlert alert, CancellationToken cancellationToken = default)
    {
        var outcome = await Inner.StoreAlertAsync(key, receivedAt, alert, cancellationToken);
        _alerts.Enqueue((key, alert.Id, outcome));
        return outcome;
    }

    public override async Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default)
    {
        var outcomes = await Inner.StoreBatchAsync(messages, cancellationToken);
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].Alert is { } alert && outcomes[i].Conflict is null)
            {
                _alerts.Enqueue((messages[i].Key, alert.Id, outcomes[i].Outcome));
            }
        }

        return outcomes;
    }
}
