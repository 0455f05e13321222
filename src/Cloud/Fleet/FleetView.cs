using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Monitor.Fingerprints;

namespace EdgeSentinel.Cloud.Fleet;

/// <summary>
/// The fleet as read from the store: device liveness, open alerts, fingerprints merged per device
/// and per fleet over time ranges, channel timelines and the fleet outlier check.
/// </summary>
/// <remarks>
/// Thread-safe; keeps no state beyond the store, so any number of aggregator instances agree. The fleet summary
/// keeps each device's merged fingerprint and each model group's outlier report between reads, checked against the
/// windows read from the store every time (see <see cref="FleetMergeCache"/>): a summary after one new window decodes
/// and merges that window only, and one after no fingerprint change runs no merge and no check.
/// </remarks>
public sealed class FleetView
{
    private readonly IAggregatorStore _store;
    private readonly FleetViewOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly FleetMergeCache _cache = new();

    /// <summary>Creates the view.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    public FleetView(IAggregatorStore store, FleetViewOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _options = options ?? new FleetViewOptions();
        var problems = _options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid fleet view options: " + string.Join("; ", problems), nameof(options));
        }

        _store = store;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The options in use.</summary>
    public FleetViewOptions Options => _options;

    /// <summary>The summary's merges and reports kept between reads (its counters show what a read recomputed).</summary>
    internal FleetMergeCache SummaryCache => _cache;

    /// <summary>Judges liveness: offline when reported offline or silent for more than the keep-alive limit.</summary>
    public DeviceLiveness JudgeLiveness(DeviceRecord device, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.LastSeen is null)
        {
            return DeviceLiveness.Unknown;
        }

        if (string.Equals(device.Status, "offline", StringComparison.Ordinal))
        {
            return DeviceLiveness.Offline;
        }

        var limit = _options.KeepAliveInterval * _options.OfflineAfterKeepAlives;
        return now - device.LastSeen.Value > limit ? DeviceLiveness.Offline : DeviceLiveness.Online;
    }

    /// <summary>All devices (optionally of one fleet) with liveness and open-alert counts.</summary>
    public async Task<IReadOnlyList<DeviceView>> GetDevicesAsync(string? fleet = null, CancellationToken cancellationToken = default)
    {
        var open = await _store.CountOpenAlertsAsync(fleet, null, cancellationToken).ConfigureAwait(false);
        return await GetDevicesAsync(fleet, open, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>All devices (optionally of one fleet) with liveness and the open-alert counts given (read by the caller).</summary>
    internal async Task<List<DeviceView>> GetDevicesAsync(string? fleet, IReadOnlyList<OpenAlertCount> open, CancellationToken cancellationToken)
    {
        var devices = await _store.GetDevicesAsync(fleet, cancellationToken).ConfigureAwait(false);
        var openByDevice = open.GroupBy(a => (a.Fleet, a.Device)).ToDictionary(g => g.Key, g => g.Sum(a => a.Count));
        var now = _timeProvider.GetUtcNow();
        return devices.Select(d => ToView(d, openByDevice.GetValueOrDefault((d.Fleet, d.Device)), now)).ToList();
    }

    /// <summary>One device with liveness and open-alert count, or null when unknown.</summary>
    public async Task<DeviceView?> GetDeviceAsync(string fleet, string device, CancellationToken cancellationToken = default)
    {
        var record = await _store.GetDeviceAsync(fleet, device, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return null;
        }

        var open = await _store.CountOpenAlertsAsync(fleet, device, cancellationToken).ConfigureAwait(false);
        return ToView(record, open.Sum(a => a.Count), _timeProvider.GetUtcNow());
    }

    /// <summary>The device's window fingerprints in [from, to) merged per model hash (a model change starts a new group).</summary>
    public async Task<IReadOnlyDictionary<string, Fingerprint>> MergeDeviceAsync(string fleet, string device, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        var stored = await _store.GetFingerprintsAsync(fleet, device, from, to, cancellationToken).ConfigureAwait(false);
        return stored.GroupBy(f => f.ModelHash, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => MergeAll(g), StringComparer.Ordinal);
    }

    /// <summary>All devices' window fingerprints of one model in [from, to) merged into one fleet fingerprint (null when none).</summary>
    public async Task<Fingerprint?> MergeFleetAsync(string fleet, string modelHash, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var stored = await _store.GetFingerprintsAsync(fleet, null, from, to, cancellationToken).ConfigureAwait(false);
        var ofModel = stored.Where(f => f.ModelHash == modelHash).ToList();
        return ofModel.Count == 0 ? null : MergeAll(ofModel);
    }

    /// <summary>
    /// A channel's timeline for one device: one point per window, or per bucket of <paramref name="bucket"/>
    /// (windows merged by the bucket their start falls in).
    /// </summary>
    /// <exception cref="KeyNotFoundException">The channel is not in the device's fingerprint schema.</exception>
    public async Task<IReadOnlyList<TimelinePoint>> GetTimelineAsync(string fleet, string device, string channel, DateTimeOffset from, DateTimeOffset to, TimeSpan? bucket = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (bucket is { } b && b <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "A timeline bucket must be positive.");
        }

        var stored = await _store.GetFingerprintsAsync(fleet, device, from, to, cancellationToken).ConfigureAwait(false);
        var groups = bucket is { } size
            ? stored.GroupBy(f => (f.ModelHash, (f.WindowStart - from).Ticks / size.Ticks)).Select(g => g.ToList())
            : stored.OrderBy(f => f.WindowStart).Select(f => new List<StoredFingerprint> { f });
        var points = new List<TimelinePoint>();
        foreach (var group in groups)
        {
            var merged = MergeAll(group);
            var index = merged.Schema.IndexOf(channel);
            if (index < 0)
            {
                throw new KeyNotFoundException($"channel '{channel}' is not in the fingerprint schema of {fleet}/{device} (model {group[0].ModelHash}); channels: {string.Join(", ", merged.Schema.Channels.Take(20).Select(c => c.Name))}");
            }

            points.Add(ToPoint(merged.Channels[index], group.Min(f => f.WindowStart), group.Max(f => f.WindowEnd), group.Count));
        }

        return points.OrderBy(p => p.From).ToList();
    }

    /// <summary>
    /// A channel's timeline for all devices of a fleet running one model: the windows of every device
    /// whose start falls in the same bucket are merged into one point.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The channel is not in the model's fingerprint schema.</exception>
    public async Task<IReadOnlyList<TimelinePoint>> GetFleetTimelineAsync(string fleet, string modelHash, string channel, DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelHash);
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        var stored = await _store.GetFingerprintsAsync(fleet, null, from, to, cancellationToken).ConfigureAwait(false);
        var points = new List<TimelinePoint>();
        foreach (var group in stored.Where(f => f.ModelHash == modelHash).GroupBy(f => (f.WindowStart - from).Ticks / bucket.Ticks).OrderBy(g => g.Key))
        {
            var windows = group.ToList();
            var merged = MergeAll(windows);
            var index = merged.Schema.IndexOf(channel);
            if (index < 0)
            {
                throw new KeyNotFoundException($"channel '{channel}' is not in the fingerprint schema of model {modelHash} in fleet {fleet}");
            }

            points.Add(ToPoint(merged.Channels[index], windows.Min(f => f.WindowStart), windows.Max(f => f.WindowEnd), windows.Count));
        }

        return points;
    }

    /// <summary>The fleet at a glance over fingerprints whose window starts in [from, to).</summary>
    public async Task<FleetSummary> GetSummaryAsync(string fleet, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var open = await _store.CountOpenAlertsAsync(fleet, null, cancellationToken).ConfigureAwait(false);
        var devices = await GetDevicesAsync(fleet, open, cancellationToken).ConfigureAwait(false);
        // The windows without their data; a device's data is read only when its cached merge is not of exactly these windows.
        var headers = await _store.GetFingerprintHeadersAsync(fleet, null, from, to, cancellationToken).ConfigureAwait(false);
        var read = new Dictionary<string, IReadOnlyList<StoredFingerprint>>(StringComparer.Ordinal);
        var models = new List<ModelGroupSummary>();
        foreach (var model in headers.GroupBy(f => f.ModelHash, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var perDevice = new List<KeyValuePair<string, Fingerprint>>();
            var windows = 0;
            foreach (var device in model.GroupBy(f => f.Device, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var group = device.ToList();
                var merged = _cache.TryGetMerged(fleet, device.Key, model.Key, group);
                if (merged is null)
                {
                    // Read with data: the device's windows as stored now (a window stored since the headers were read is included).
                    if (!read.TryGetValue(device.Key, out var rows))
                    {
                        read[device.Key] = rows = await _store.GetFingerprintsAsync(fleet, device.Key, from, to, cancellationToken).ConfigureAwait(false);
                    }

                    group = [.. rows.Where(f => string.Equals(f.ModelHash, model.Key, StringComparison.Ordinal))];
                    merged = _cache.MergeDevice(fleet, device.Key, model.Key, group);
                }

                windows += group.Count;
                perDevice.Add(new(device.Key, merged));
            }

            var observations = perDevice.Sum(d => d.Value.ObservationCount);
            var outliers = _cache.Check(fleet, model.Key, perDevice, _options);
            var groupDevices = perDevice.Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
            var fleetWide = open.Where(a => a.ModelHash == model.Key && groupDevices.Contains(a.Device))
                .GroupBy(a => a.Kind, StringComparer.Ordinal)
                .Where(g => g.Select(a => a.Device).Distinct(StringComparer.Ordinal).Count() >= _options.FleetWideShare * groupDevices.Count)
                .Select(g => g.Key)
                .Order(StringComparer.Ordinal)
                .ToList();
            models.Add(new ModelGroupSummary(model.Key, perDevice.Select(d => d.Key).ToList(), windows, observations, outliers, fleetWide));
        }

        return new FleetSummary(
            fleet,
            _timeProvider.GetUtcNow(),
            from,
            to,
            devices.Count,
            devices.Count(d => d.Liveness == DeviceLiveness.Online),
            devices.Count(d => d.Liveness == DeviceLiveness.Offline),
            devices.Count(d => d.Liveness == DeviceLiveness.Unknown),
            open.GroupBy(a => a.Severity, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(a => a.Count), StringComparer.Ordinal),
            open.GroupBy(a => a.Kind, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(a => a.Count), StringComparer.Ordinal),
            models);
    }

    private DeviceView ToView(DeviceRecord record, int openAlerts, DateTimeOffset now) =>
        new(record, JudgeLiveness(record, now), record.LastSeen is { } seen ? now - seen : null, openAlerts, now);

    private static Fingerprint MergeAll(IEnumerable<StoredFingerprint> stored)
    {
        Fingerprint? merged = null;
        foreach (var f in stored)
        {
            var fingerprint = Fingerprint.FromBytes(f.Data.Span);
            merged = merged is null ? fingerprint : Fingerprint.Merge(merged, fingerprint);
        }

        return merged ?? throw new InvalidOperationException("nothing to merge");
    }

    private static TimelinePoint ToPoint(ChannelSummary summary, DateTimeOffset from, DateTimeOffset to, int windows)
    {
        static double? Value(double v) => double.IsFinite(v) ? v : null;
        var continuous = summary.Channel.ValueKind == ChannelValueKind.Continuous && summary.Count > 0;
        return new TimelinePoint(
            from,
            to,
            windows,
            summary.Count,
            summary.NaNCount,
            Value(summary.Mean),
            Value(summary.Min),
            continuous ? Value(summary.Quantile(0.05)) : null,
            continuous ? Value(summary.Quantile(0.25)) : null,
            continuous ? Value(summary.Quantile(0.5)) : null,
            continuous ? Value(summary.Quantile(0.75)) : null,
            continuous ? Value(summary.Quantile(0.95)) : null,
            Value(summary.Max),
            continuous ? Value(summary.QuantileRankError) : null,
            summary.CategoryCounts.ToArray());
    }
}
