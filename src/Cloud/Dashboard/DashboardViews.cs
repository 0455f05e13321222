namespace EdgeSentinel.Cloud.Dashboard;

/// <summary>The fleet overview: every fleet and device at a glance.</summary>
/// <param name="At">When it was computed.</param>
/// <param name="Fleets">Per fleet, by name.</param>
/// <param name="Devices">Per device, by fleet then device.</param>
public sealed record Overview(DateTimeOffset At, IReadOnlyList<OverviewFleet> Fleets, IReadOnlyList<OverviewDevice> Devices);

/// <summary>One fleet in the overview.</summary>
/// <param name="Fleet">Fleet id.</param>
/// <param name="Devices">Devices known.</param>
/// <param name="Online">Devices judged online.</param>
/// <param name="Offline">Devices judged offline.</param>
/// <param name="Unknown">Devices never heard from.</param>
/// <param name="OpenAlerts">Alerts not cleared.</param>
/// <param name="OpenAlertsBySeverity">Alerts not cleared, per severity (every severity present, zero included).</param>
/// <param name="Models">Model hashes the devices last reported.</param>
/// <param name="DevicesWithOpenAlerts">Devices with at least one alert not cleared.</param>
public sealed record OverviewFleet(string Fleet, int Devices, int Online, int Offline, int Unknown, int OpenAlerts, IReadOnlyDictionary<string, int> OpenAlertsBySeverity, IReadOnlyList<string> Models, int DevicesWithOpenAlerts);

/// <summary>One device in the overview.</summary>
/// <param name="Fleet">Fleet id.</param>
/// <param name="Device">Device id.</param>
/// <param name="ModelHash">Model hash last reported (null before any).</param>
/// <param name="Liveness">Judged liveness: online, offline or unknown.</param>
/// <param name="Status">Status the device last reported.</param>
/// <param name="LastSeen">When a message from it was last stored.</param>
/// <param name="SilentForSeconds">Seconds since then.</param>
/// <param name="OutboxDepth">Outbox backlog as last reported.</param>
/// <param name="DroppedFingerprints">Fingerprints dropped from the outbox as last reported.</param>
/// <param name="OpenAlerts">Alerts not cleared.</param>
/// <param name="UnacknowledgedAlerts">Alerts not cleared and not acknowledged.</param>
/// <param name="OpenAlertsBySeverity">Alerts not cleared, per severity.</param>
/// <param name="OpenAlertKinds">Kinds of the alerts not cleared.</param>
public sealed record OverviewDevice(
    string Fleet,
    string Device,
    string? ModelHash,
    string Liveness,
    string Status,
    DateTimeOffset? LastSeen,
    double? SilentForSeconds,
    long OutboxDepth,
    long DroppedFingerprints,
    int OpenAlerts,
    int UnacknowledgedAlerts,
    IReadOnlyDictionary<string, int> OpenAlertsBySeverity,
    IReadOnlyList<string> OpenAlertKinds);

/// <summary>The channels of a device's fingerprints in a time range.</summary>
/// <param name="Fleet">Fleet id.</param>
/// <param name="Device">Device id.</param>
/// <param name="ModelHash">Model whose fingerprints were read (null when none in the range).</param>
/// <param name="From">Start of the range.</param>
/// <param name="To">End of the range.</param>
/// <param name="Observations">Observations in the range.</param>
/// <param name="HasBaseline">Whether a baseline of the model is registered (its band at /api/models/{hash}/baseline).</param>
/// <param name="Channels">Channels in schema order.</param>
public sealed record DeviceChannels(string Fleet, string Device, string? ModelHash, DateTimeOffset From, DateTimeOffset To, long Observations, bool HasBaseline, IReadOnlyList<DeviceChannel> Channels);

/// <summary>One channel of a device.</summary>
/// <param name="Name">Channel name, e.g. "input.x".</param>
/// <param name="Role">input, output, derived, tap or latency.</param>
/// <param name="ValueKind">continuous or categorical.</param>
/// <param name="Count">Finite values in the range.</param>
/// <param name="InBaseline">Whether the registered baseline has the channel.</param>
public sealed record DeviceChannel(string Name, string Role, string ValueKind, long Count, bool InBaseline);

/// <summary>A baseline's per-channel quantile band and its calibrated thresholds.</summary>
/// <param name="ModelHash">SHA-256 of the model.</param>
/// <param name="CreatedAt">When the baseline was built.</param>
/// <param name="Description">Its description.</param>
/// <param name="WindowSize">Observations per window test.</param>
/// <param name="WindowAlpha">Level of the window tests per window.</param>
/// <param name="Sequential">The sequential detector's calibrated threshold.</param>
/// <param name="Channels">Per channel, in schema order.</param>
public sealed record BaselineBandView(string ModelHash, DateTimeOffset CreatedAt, string Description, int WindowSize, double WindowAlpha, SequentialThreshold Sequential, IReadOnlyList<ChannelBand> Channels);

/// <summary>A sequential detector's calibrated threshold.</summary>
/// <param name="Detector">Detector kind.</param>
/// <param name="StatisticThreshold">Threshold on the statistic the detector reports.</param>
/// <param name="TargetAverageRunLength">In-control average run length it was calibrated for.</param>
public sealed record SequentialThreshold(string Detector, double StatisticThreshold, double TargetAverageRunLength);

/// <summary>One channel of a baseline: quantiles of its reference data (null for a categorical channel).</summary>
/// <param name="Name">Channel name.</param>
/// <param name="ValueKind">continuous or categorical.</param>
/// <param name="Untested">Whether the channel is summarized but never tested (clocks, cues).</param>
/// <param name="Count">Reference values.</param>
/// <param name="Mean">Mean.</param>
/// <param name="P05">5th percentile.</param>
/// <param name="P25">25th percentile.</param>
/// <param name="P50">Median.</param>
/// <param name="P75">75th percentile.</param>
/// <param name="P95">95th percentile.</param>
public sealed record ChannelBand(string Name, string ValueKind, bool Untested, long Count, double? Mean, double? P05, double? P25, double? P50, double? P75, double? P95);
