using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace EdgeSentinel.Runtime.Sensors;

/// <summary>A bounded, thread-safe queue of health events: drivers report, the runtime's alert thread takes them.</summary>
/// <remarks>When full, new events are dropped and counted in <see cref="Dropped"/>; faults are rare, so the bound only guards against a storm.</remarks>
public sealed class RuntimeHealthInbox : IRuntimeHealthSink
{
    private readonly ConcurrentQueue<RuntimeHealthEvent> _queue = new();
    private readonly int _capacity;
    private long _dropped;

    /// <summary>Creates a queue holding at most <paramref name="capacity"/> events.</summary>
    public RuntimeHealthInbox(int capacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
    }

    /// <summary>The number of events dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The number of events waiting.</summary>
    public int Count => _queue.Count;

    /// <inheritdoc />
    public void Report(RuntimeHealthEvent healthEvent)
    {
        ArgumentNullException.ThrowIfNull(healthEvent);
        if (_queue.Count >= _capacity)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        _queue.Enqueue(healthEvent);
    }

    /// <summary>Takes the oldest waiting event, if any.</summary>
    public bool TryTake([NotNullWhen(true)] out RuntimeHealthEvent? healthEvent) => _queue.TryDequeue(out healthEvent);
}
