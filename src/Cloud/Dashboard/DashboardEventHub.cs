using System.Threading.Channels;

namespace EdgeSentinel.Cloud.Dashboard;

/// <summary>Fans dashboard events out to every open event stream; a slow reader loses its oldest events, never blocks the publisher.</summary>
/// <remarks>Thread-safe. <see cref="Publish"/> never throws and never waits, so the ingest path may call it after each stored message.</remarks>
public sealed class DashboardEventHub
{
    /// <summary>Events buffered per subscriber before the oldest is dropped.</summary>
    public const int SubscriberCapacity = 256;

    private readonly object _gate = new();
    private Channel<DashboardEvent>[] _subscribers = [];
    private long _published;
    private long _dropped;

    /// <summary>Open subscriptions.</summary>
    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>Events published since start.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Events dropped from full subscriber buffers since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Delivers the event to every subscriber.</summary>
    public void Publish(DashboardEvent dashboardEvent)
    {
        ArgumentNullException.ThrowIfNull(dashboardEvent);
        Interlocked.Increment(ref _published);
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Writer.TryWrite(dashboardEvent); // DropOldest: always accepted, a drop is counted by the callback
        }
    }

    /// <summary>Starts receiving events published from now on; dispose the subscription to stop.</summary>
    public DashboardSubscription Subscribe()
    {
        var channel = Channel.CreateBounded<DashboardEvent>(
            new BoundedChannelOptions(SubscriberCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        lock (_gate)
        {
            _subscribers = [.. _subscribers, channel];
        }

        return new DashboardSubscription(channel.Reader, () => Remove(channel));
    }

    private void Remove(Channel<DashboardEvent> channel)
    {
        lock (_gate)
        {
            _subscribers = _subscribers.Where(c => !ReferenceEquals(c, channel)).ToArray();
        }

        channel.Writer.TryComplete();
    }
}
