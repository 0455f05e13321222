using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Cloud.Dashboard;

/// <summary>What the dashboard needs beyond the store: the live event hub and the registered baselines.</summary>
/// <remarks>Thread-safe; one per aggregator instance.</remarks>
public sealed class DashboardServices
{
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the services.</summary>
    public DashboardServices(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Live events for the dashboard's event stream.</summary>
    public DashboardEventHub Events { get; } = new();

    /// <summary>Baselines by model hash.</summary>
    public BaselineCatalog Baselines { get; } = new();

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
            Events.Publish(e);
        }
    }
}
