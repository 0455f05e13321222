using System.Collections.Concurrent;

namespace EdgeSentinel.Cloud.Dashboard;

/// <summary>
/// Read results shared by every open dashboard page: one computation per key until something changes
/// (<see cref="Invalidate"/>, called for every dashboard event of this instance) or <see cref="MaxAge"/>
/// passes (changes stored by other aggregator instances sharing the store).
/// </summary>
/// <remarks>Thread-safe. Concurrent requests for a stale key share one computation, which runs without the requests' cancellation.</remarks>
internal sealed class SnapshotCache<T>
{
    /// <summary>Most keys kept; requests for further keys are computed without caching.</summary>
    public const int MaxKeys = 256;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private long _version;

    public SnapshotCache(TimeSpan maxAge, TimeProvider timeProvider)
    {
        MaxAge = maxAge;
        _timeProvider = timeProvider;
    }

    /// <summary>Longest time a result is served without a change notification.</summary>
    public TimeSpan MaxAge { get; }

    /// <summary>Marks every cached result stale.</summary>
    public void Invalidate() => Interlocked.Increment(ref _version);

    /// <summary>The cached result for <paramref name="key"/>, or a new computation when stale.</summary>
    public Task<T> GetAsync(string key, Func<Task<T>> compute, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var version = Interlocked.Read(ref _version);
        if (_entries.TryGetValue(key, out var entry) && entry.IsFresh(version, now, MaxAge))
        {
            return entry.Result.WaitAsync(cancellationToken);
        }

        if (entry is null && _entries.Count >= MaxKeys)
        {
            return compute().WaitAsync(cancellationToken);
        }

        lock (_entries)
        {
            if (_entries.TryGetValue(key, out entry) && entry.IsFresh(version, now, MaxAge))
            {
                return entry.Result.WaitAsync(cancellationToken);
            }

            entry = new Entry(compute(), version, now);
            _entries[key] = entry;
        }

        return entry.Result.WaitAsync(cancellationToken);
    }

    private sealed record Entry(Task<T> Result, long Version, DateTimeOffset At)
    {
        public bool IsFresh(long version, DateTimeOffset now, TimeSpan maxAge) =>
            Version == version && now - At < maxAge && !Result.IsFaulted && !Result.IsCanceled;
    }
}
