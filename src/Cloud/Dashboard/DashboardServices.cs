using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Cloud.Dashboard;

/// <summary>What the dashboard needs beyond the store: the live event hub and the registered baselines.</summary>
/// <remarks>Thread-safe; one per aggregator instance.</remarks>
public sealed class DashboardServices
{
    /// <summary>Default for how long the overview and fleet summaries are reused when no change was announced.</summary>
    public static readonly TimeSpan DefaultSnapshotMaxAge = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the services.</summary>
    /// <param name="timeProvider">Clock (system when null).</param>
    /// <param name="snapshotMaxAge">How long a computed overview or fleet summary is reused when no change was announced (changes stored by other instances sharing the store); default <see cref="DefaultSnapshotMaxAge"/>, zero disables reuse.</param>
    public DashboardServices(TimeProvider? timeProvider = null, TimeSpan? snapshotMaxAge = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        var maxAge = snapshotMaxAge ?? DefaultSnapshotMaxAge;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAge, TimeSpan.Zero, nameof(snapshotMaxAge));
        Overviews = new SnapshotCache<Overview>(maxAge, _timeProvider);
        Summaries = new SnapshotCache<Fleet.FleetSummary>(maxAge, _timeProvider);
    }

    /// <summary>Live events for the dashboard's event stream.</summary>
    public DashboardEventHub Events { get; } = new();

    /// <summary>Baselines by model hash.</summary>
    public BaselineCatalog Baselines { get; } = new();

    /// <summary>Overviews shared by open pages until a change.</summary>
    internal SnapshotCache<Overview> Overviews { get; }

    /// <summary>Fleet summaries shared by open pages until a change.</summary>
    internal SnapshotCache<Fleet.FleetSummary> Summaries { get; }

    /// <summary>Announces a change: cached reads are recomputed and every event stream gets the event. Never throws.</summary>
    public void Notify(DashboardEvent dashboardEvent)
    {
        ArgumentNullException.ThrowIfNull(dashboardEvent);
        Overviews.Invalidate();
        Summaries.Invalidate();
        Events.Publish(dashboardEvent);
    }

    /// <summary>The ingest's hook: publishes a message that was just durably stored. Never throws.</summary>
    public void OnStored(InboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var address = message.Address;
        var at = _timeProvider.GetUtcNow();
        DashboardEvent? e = address.Kind switch
        {
            TopicKind.Alert when message.Alert is { } alert => new DashboardEvent("alert", address.Fleet, address.Device, at, alert.Id, AlertStates.ToWireName(alert.State), AlertSeverities.ToWireName(alert.Severity), AlertKinds.ToWireName(alert.Kind)),
            TopicKind.Status when message.Status is { } status => new DashboardEvent("status", address.Fleet, address.Device, at, State: StatusCodec.ToWireName(status.State)),
            TopicKind.Fingerprint => new DashboardEvent("fingerprint", address.Fleet, address.Device, at),
            _ => null,
        };
        if (e is not null)
        {
            Notify(e);
        }
    }
}
