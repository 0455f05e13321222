namespace EdgeSentinel.Cloud.Dashboard;

/// <summary>Something the dashboard should show without a reload: a stored alert step, status or fingerprint, or an acknowledgement.</summary>
/// <param name="Type">"alert", "status", "fingerprint" or "acknowledged".</param>
/// <param name="Fleet">Fleet of the device.</param>
/// <param name="Device">Device id.</param>
/// <param name="At">When the aggregator stored or acknowledged it.</param>
/// <param name="AlertId">The alert, for "alert" and "acknowledged".</param>
/// <param name="State">Alert state (raised, escalated, cleared, acknowledged) or device status (online, offline).</param>
/// <param name="Severity">Alert severity wire name, for "alert".</param>
/// <param name="Kind">Alert kind wire name, for "alert".</param>
public sealed record DashboardEvent(
    string Type,
    string Fleet,
    string Device,
    DateTimeOffset At,
    string? AlertId = null,
    string? State = null,
    string? Severity = null,
    string? Kind = null);
