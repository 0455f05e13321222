using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cloud.Fleet;

/// <summary>Whether a device is reachable, judged from its reported status and when it was last heard from.</summary>
public enum DeviceLiveness
{
    /// <summary>Registered but never heard from.</summary>
    Unknown,

    /// <summary>Reported online and heard from within the keep-alive limit.</summary>
    Online,

    /// <summary>Reported offline (e.g. its last will) or silent longer than the keep-alive limit.</summary>
    Offline,
}

/// <summary>A device with its judged liveness and its open alerts.</summary>
/// <param name="Device">What the store holds.</param>
/// <param name="Liveness">Judged liveness at <paramref name="At"/>.</param>
/// <param name="SilentFor">Time since last heard from (null when never).</param>
/// <param name="OpenAlerts">Alerts the device has not cleared.</param>
/// <param name="At">When liveness was judged.</param>
public sealed record DeviceView(DeviceRecord Device, DeviceLiveness Liveness, TimeSpan? SilentFor, int OpenAlerts, DateTimeOffset At);

/// <summary>One point of a channel's timeline: summary statistics of the windows merged into it. Values are null when the channel saw no finite value.</summary>
/// <param name="From">Start of the first window merged.</param>
/// <param name="To">End of the last window merged.</param>
/// <param name="Windows">Windows merged.</param>
/// <param name="Count">Finite values.</param>
/// <param name="NaNCount">NaN values (undefined categories for a categorical channel).</param>
/// <param name="Mean">Mean.</param>
/// <param name="Min">Minimum.</param>
/// <param name="P05">5th percentile.</param>
/// <param name="P25">25th percentile.</param>
/// <param name="P50">Median.</param>
/// <param name="P75">75th percentile.</param>
/// <param name="P95">95th percentile.</param>
/// <param name="Max">Maximum.</param>
/// <param name="QuantileRankError">Rank error bound of the quantiles.</param>
/// <param name="CategoryCounts">Counts per category for a categorical channel (empty otherwise).</param>
public sealed record TimelinePoint(
    DateTimeOffset From,
    DateTimeOffset To,
    int Windows,
    long Count,
    long NaNCount,
    double? Mean,
    double? Min,
    double? P05,
    double? P25,
    double? P50,
    double? P75,
    double? P95,
    double? Max,
    double? QuantileRankError,
    IReadOnlyList<long> CategoryCounts);

/// <summary>One channel's comparison of a device with the rest of its fleet.</summary>
/// <param name="Channel">Channel name.</param>
/// <param name="Statistic">Sketch KS distance device vs rest.</param>
/// <param name="ErrorBound">Error bound of <paramref name="Statistic"/> from the two sketches.</param>
/// <param name="PValue">Conservative p-value (distance reduced by the error bound).</param>
/// <param name="AdjustedPValue">Holm-adjusted across the device's channels.</param>
/// <param name="Departs">Whether this channel departs (adjusted p ≤ the device's level and distance − bound ≥ the minimum).</param>
public sealed record ChannelDeparture(string Channel, double Statistic, double ErrorBound, double PValue, double AdjustedPValue, bool Departs);

/// <summary>How one device compares with the merged rest of the devices running the same model.</summary>
/// <param name="Device">Device id.</param>
/// <param name="Observations">Observations in the device's merged fingerprint.</param>
/// <param name="Departs">Whether any channel departs.</param>
/// <param name="Level">Significance level applied to the device's Holm-adjusted p-values (alpha / devices checked).</param>
/// <param name="Channels">Channels compared, departing ones first, then by distance.</param>
public sealed record DeviceDeparture(string Device, long Observations, bool Departs, double Level, IReadOnlyList<ChannelDeparture> Channels);

/// <summary>The fleet outlier check of one model group.</summary>
/// <param name="ModelHash">Model the devices run.</param>
/// <param name="Checked">Whether enough devices had data for the check to run.</param>
/// <param name="Reason">Why it did not run (null when it ran).</param>
/// <param name="Devices">Per device, departing ones first.</param>
public sealed record FleetOutlierReport(string ModelHash, bool Checked, string? Reason, IReadOnlyList<DeviceDeparture> Devices)
{
    /// <summary>Devices that depart from the rest.</summary>
    public IEnumerable<string> DepartingDevices => Devices.Where(d => d.Departs).Select(d => d.Device);
}

/// <summary>Devices of one fleet running one model, with their merged fingerprint and outlier check.</summary>
/// <param name="ModelHash">The model.</param>
/// <param name="Devices">Devices that sent fingerprints for it in the time range.</param>
/// <param name="Windows">Fingerprint windows merged.</param>
/// <param name="Observations">Observations in the fleet's merged fingerprint.</param>
/// <param name="Outliers">The outlier check.</param>
/// <param name="FleetWideAlertKinds">Alert kinds open on at least the configured share of this group's devices: the whole group moved, not one device.</param>
public sealed record ModelGroupSummary(string ModelHash, IReadOnlyList<string> Devices, int Windows, long Observations, FleetOutlierReport Outliers, IReadOnlyList<string> FleetWideAlertKinds);

/// <summary>A fleet at a glance.</summary>
/// <param name="Fleet">Fleet id.</param>
/// <param name="At">When it was computed.</param>
/// <param name="From">Start of the fingerprint time range.</param>
/// <param name="To">End of the fingerprint time range.</param>
/// <param name="DeviceCount">Devices known.</param>
/// <param name="Online">Devices online.</param>
/// <param name="Offline">Devices offline.</param>
/// <param name="Unknown">Devices never heard from.</param>
/// <param name="OpenAlertsBySeverity">Open alerts per severity.</param>
/// <param name="OpenAlertsByKind">Open alerts per kind.</param>
/// <param name="Models">Per model hash.</param>
public sealed record FleetSummary(
    string Fleet,
    DateTimeOffset At,
    DateTimeOffset From,
    DateTimeOffset To,
    int DeviceCount,
    int Online,
    int Offline,
    int Unknown,
    IReadOnlyDictionary<string, int> OpenAlertsBySeverity,
    IReadOnlyDictionary<string, int> OpenAlertsByKind,
    IReadOnlyList<ModelGroupSummary> Models);
