using System.Collections.Concurrent;

namespace EdgeSentinel.Cloud.Metrics;

/// <summary>Counters of this aggregator instance's ingest: received, stored, duplicates and rejections by reason, store failures, lag, and the recent storage rate.</summary>
/// <remarks>Thread-safe; lock-free apart from the rate ring, which takes a short lock.</remarks>
public sealed class IngestMetrics
{
    private const int RateSeconds = 60;

    private readonly TimeProvider _timeProvider;
    private readonly DateTimeOffset _started;
    private readonly ConcurrentDictionary<string, long[]> _received = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long[]> _stored = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long[]> _duplicates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long[]> _rejected = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long[]> _stageTicks = new(StringComparer.Ordinal);
    private readonly long[] _rateBuckets = new long[RateSeconds];
    private readonly long[] _rateBucketSecond = new long[RateSeconds];
    private readonly Lock _rateLock = new();
    private readonly Lock _lagLock = new();
    private long _storeFailures;
    private long _reconnects;
    private long _heldBackRecycles;
    private long _batches;
    private long _batchedMessages;
    private double _lagSum;
    private long _lagCount;
    private double _lagLast;
    private double _lagMax;

    /// <summary>Creates empty counters reading time from <paramref name="timeProvider"/>.</summary>
    public IngestMetrics(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        _started = _timeProvider.GetUtcNow();
    }

    /// <summary>Counts a message received on a topic of <paramref name="kind"/> ("alert", "fingerprint", "status", or "unknown").</summary>
    public void RecordReceived(string kind) => Increment(_received, kind);

    /// <summary>Counts a message stored, with its lag (receive time minus device timestamp).</summary>
    public void RecordStored(string kind, TimeSpan lag)
    {
        Increment(_stored, kind);
        var seconds = Math.Max(0, lag.TotalSeconds);
        lock (_lagLock)
        {
            _lagSum += seconds;
            _lagCount++;
            _lagLast = seconds;
            _lagMax = Math.Max(_lagMax, seconds);
        }

        var second = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var slot = (int)(second % RateSeconds);
        lock (_rateLock)
        {
            if (_rateBucketSecond[slot] != second)
            {
                _rateBucketSecond[slot] = second;
                _rateBuckets[slot] = 0;
            }

            _rateBuckets[slot]++;
        }
    }

    /// <summary>Counts a redelivered message that had been stored before.</summary>
    public void RecordDuplicate(string kind) => Increment(_duplicates, kind);

    /// <summary>Counts a rejected message by reason code.</summary>
    public void RecordRejected(string reason) => Increment(_rejected, reason);

    /// <summary>Counts a message that could not be stored (left unacknowledged for redelivery).</summary>
    public void RecordStoreFailure() => Interlocked.Increment(ref _storeFailures);

    /// <summary>Counts one reconnect of the ingest to the broker (after a lost link, a failed ping or a store failure).</summary>
    public void RecordReconnect() => Interlocked.Increment(ref _reconnects);

    /// <summary>Counts one connection the ingest replaced because the broker was holding deliveries back from it while it was idle.</summary>
    public void RecordHeldBackRecycle() => Interlocked.Increment(ref _heldBackRecycles);

    /// <summary>Counts one group commit (store transaction) and the messages it stored or found stored.</summary>
    public void RecordBatch(int messages)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _batchedMessages, messages);
    }

    /// <summary>
    /// Adds <paramref name="elapsed"/> to the time the ingest spent in <paramref name="stage"/> of its pipeline: "verify"
    /// (signatures and decoding), "replay-check" (sequence and staleness), "store" (group commits), "acknowledge" (PUBACKs and stored acknowledgements) and
    /// "read-paused" (the connection not read because the receive window was full). The stages overlap in time.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="elapsed"/> is negative.</exception>
    public void RecordStageTime(string stage, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentOutOfRangeException.ThrowIfLessThan(elapsed, TimeSpan.Zero);
        var cell = _stageTicks.GetOrAdd(stage, static _ => new long[1]);
        Interlocked.Add(ref cell[0], elapsed.Ticks);
    }

    /// <summary>Seconds spent per pipeline stage since start (see <see cref="RecordStageTime"/>).</summary>
    public IReadOnlyDictionary<string, double> StageSeconds =>
        _stageTicks.ToDictionary(p => p.Key, p => TimeSpan.FromTicks(Interlocked.Read(ref p.Value[0])).TotalSeconds, StringComparer.Ordinal);

    /// <summary>Group commits (store transactions) of accepted messages.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Accepted messages in all group commits (divided by <see cref="Batches"/>: the mean batch size).</summary>
    public long BatchedMessages => Interlocked.Read(ref _batchedMessages);

    /// <summary>Received messages per kind.</summary>
    public IReadOnlyDictionary<string, long> Received => Snapshot(_received);

    /// <summary>Stored messages per kind.</summary>
    public IReadOnlyDictionary<string, long> Stored => Snapshot(_stored);

    /// <summary>Duplicates per kind.</summary>
    public IReadOnlyDictionary<string, long> Duplicates => Snapshot(_duplicates);

    /// <summary>Rejections per reason code.</summary>
    public IReadOnlyDictionary<string, long> Rejected => Snapshot(_rejected);

    /// <summary>Messages that could not be stored.</summary>
    public long StoreFailures => Interlocked.Read(ref _storeFailures);

    /// <summary>Reconnects of the ingest to the broker since start.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Connections replaced since start because the broker held deliveries back from an idle ingest.</summary>
    public long HeldBackRecycles => Interlocked.Read(ref _heldBackRecycles);

    /// <summary>Lag statistics of stored messages: sum and count (seconds), last and max.</summary>
    public (double Sum, long Count, double Last, double Max) Lag
    {
        get
        {
            lock (_lagLock)
            {
                return (_lagSum, _lagCount, _lagLast, _lagMax);
            }
        }
    }

    /// <summary>Messages stored per second over the last minute (or since start when that is shorter), the current second excluded.</summary>
    public double StoredPerSecond
    {
        get
        {
            var now = _timeProvider.GetUtcNow();
            var current = now.ToUnixTimeSeconds();
            var span = Math.Min(RateSeconds, (long)Math.Floor((now - _started).TotalSeconds));
            if (span <= 0)
            {
                return 0;
            }

            long total = 0;
            lock (_rateLock)
            {
                for (var s = current - span; s < current; s++)
                {
                    var slot = (int)(s % RateSeconds);
                    if (_rateBucketSecond[slot] == s)
                    {
                        total += _rateBuckets[slot];
                    }
                }
            }

            return (double)total / span;
        }
    }

    private static void Increment(ConcurrentDictionary<string, long[]> counters, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var cell = counters.GetOrAdd(key, static _ => new long[1]);
        Interlocked.Increment(ref cell[0]);
    }

    private static Dictionary<string, long> Snapshot(ConcurrentDictionary<string, long[]> counters) =>
        counters.ToDictionary(p => p.Key, p => Interlocked.Read(ref p.Value[0]), StringComparer.Ordinal);
}
