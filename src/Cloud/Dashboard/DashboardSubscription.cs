using System.Threading.Channels;

namespace EdgeSentinel.Cloud.Dashboard;

/// <summary>One reader's feed of <see cref="DashboardEventHub"/> events; disposing it unsubscribes.</summary>
/// <remarks>One reader at a time.</remarks>
public sealed class DashboardSubscription : IDisposable
{
    private readonly Action _unsubscribe;
    private int _disposed;

    internal DashboardSubscription(ChannelReader<DashboardEvent> reader, Action unsubscribe)
    {
        Reader = reader;
        _unsubscribe = unsubscribe;
    }

    /// <summary>The events, in publication order.</summary>
    public ChannelReader<DashboardEvent> Reader { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _unsubscribe();
        }
    }
}
