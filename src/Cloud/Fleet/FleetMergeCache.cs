using System.Collections.Concurrent;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Monitor.Fingerprints;

namespace EdgeSentinel.Cloud.Fleet;

/// <summary>
/// What the fleet summary derives from stored windows, kept between reads: each device's merged fingerprint
/// per model (with the sequence numbers of the windows merged, in merge order) and each model group's outlier
/// report (with the merged fingerprints it was computed from). Every read checks an entry against the windows
/// just read from the store, so a cached value is used only when it is the value the full computation would give.
/// </summary>
/// <remarks>
/// Thread-safe. A stored window is immutable and its (fleet, device, sequence) key unique, so equal sequence lists mean
/// equal windows. Merging is a left fold in store order (window start, then sequence); quantile-sketch merges are
/// deterministic (the PRNG state travels with the sketch) but order-dependent, so an entry is extended only when its
/// windows are a prefix of the windows read — a new window at the end: one decode and one merge — and otherwise
/// (a late window in the middle, a window leaving the time range) the device is merged afresh. A cached fingerprint is
/// only read after it is published (its sketches' lazily built sorted views are built before), so concurrent reads may
/// share it. No change
/// notification is needed, so windows stored by other aggregator instances sharing the store are seen alike.
/// </remarks>
internal sealed class FleetMergeCache
{
    /// <summary>Most device merges and model reports kept each (bounds memory: a merge holds every channel's sketches); further keys are computed without caching.</summary>
    public const int MaxEntries = 4_096;

    private readonly ConcurrentDictionary<(string Fleet, string Device, string Model), DeviceEntry> _devices = new();
    private readonly ConcurrentDictionary<(string Fleet, string Model), ReportEntry> _reports = new();
    private long _decodedWindows;
    private long _checksRun;

    /// <summary>Windows decoded since creation (a cache hit decodes none).</summary>
    public long DecodedWindows => Interlocked.Read(ref _decodedWindows);

    /// <summary>Outlier checks run since creation (a cache hit runs none).</summary>
    public long ChecksRun => Interlocked.Read(ref _checksRun);

    /// <summary>The cached merge of exactly these windows (data not needed: their sequence numbers are compared), or null.</summary>
    public Fingerprint? TryGetMerged(string fleet, string device, string model, IReadOnlyList<StoredFingerprint> windows) =>
        _devices.TryGetValue((fleet, device, model), out var entry) && entry.Sequences.Length == windows.Count && IsPrefix(entry.Sequences, windows)
            ? entry.Merged
            : null;

    /// <summary>The merge, in the order given, of one device's windows of one model (all of <paramref name="windows"/>, with their data).</summary>
    public Fingerprint MergeDevice(string fleet, string device, string model, IReadOnlyList<StoredFingerprint> windows)
    {
        var key = (fleet, device, model);
        Fingerprint? merged = null;
        var from = 0;
        if (_devices.TryGetValue(key, out var entry) && entry.Sequences.Length <= windows.Count && IsPrefix(entry.Sequences, windows))
        {
            merged = entry.Merged;
            from = entry.Sequences.Length;
        }

        if (from == windows.Count && merged is not null)
        {
            return merged;
        }

        for (var i = from; i < windows.Count; i++)
        {
            var fingerprint = Fingerprint.FromBytes(windows[i].Data.Span);
            Interlocked.Increment(ref _decodedWindows);
            merged = merged is null ? fingerprint : Fingerprint.Merge(merged, fingerprint);
        }

        if (merged is null)
        {
            throw new InvalidOperationException("nothing to merge");
        }

        if (entry is not null || _devices.Count < MaxEntries)
        {
            Freeze(merged);
            _devices[key] = new DeviceEntry([.. windows.Select(w => w.Sequence)], merged);
        }

        return merged;
    }

    /// <summary>The outlier report of a model group: reused when the devices and their merged fingerprints (same objects) and the options are those it was computed from.</summary>
    public FleetOutlierReport Check(string fleet, string model, IReadOnlyList<KeyValuePair<string, Fingerprint>> devices, FleetViewOptions options)
    {
        var key = (fleet, model);
        var settings = (options.OutlierAlpha, options.MinOutlierDistance, options.MinDevicesForOutlierCheck);
        if (_reports.TryGetValue(key, out var entry) && entry.Settings == settings && SameDevices(entry.Devices, devices))
        {
            return entry.Report;
        }

        var report = FleetOutlierCheck.Run(model, devices, options);
        Interlocked.Increment(ref _checksRun);
        if (entry is not null || _reports.Count < MaxEntries)
        {
            _reports[key] = new ReportEntry([.. devices], settings, report);
        }

        return report;
    }

    /// <summary>
    /// Builds every quantile sketch's sorted view (built lazily on first read and not thread-safe) before the fingerprint is
    /// shared: concurrent summaries then only read it — merging it clones it, comparing it reads the built view.
    /// </summary>
    private static void Freeze(Fingerprint merged)
    {
        foreach (var channel in merged.Channels)
        {
            _ = channel.Quantile(0.5);
        }
    }

    private static bool IsPrefix(long[] sequences, IReadOnlyList<StoredFingerprint> windows)
    {
        for (var i = 0; i < sequences.Length; i++)
        {
            if (sequences[i] != windows[i].Sequence)
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameDevices(KeyValuePair<string, Fingerprint>[] cached, IReadOnlyList<KeyValuePair<string, Fingerprint>> devices)
    {
        if (cached.Length != devices.Count)
        {
            return false;
        }

        for (var i = 0; i < cached.Length; i++)
        {
            if (!string.Equals(cached[i].Key, devices[i].Key, StringComparison.Ordinal) || !ReferenceEquals(cached[i].Value, devices[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record DeviceEntry(long[] Sequences, Fingerprint Merged);

    private sealed record ReportEntry(KeyValuePair<string, Fingerprint>[] Devices, (double Alpha, double MinDistance, int MinDevices) Settings, FleetOutlierReport Report);
}
