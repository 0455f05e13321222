using EdgeSentinel.Cloud.Dashboard;

namespace EdgeSentinel.Dashboard.Tests;

public sealed class DashboardEventHubTests
{
    private static DashboardEvent Event(int i) => new("alert", "f", "d", DateTimeOffset.UnixEpoch, $"a{i}");

    [Fact]
    public void Publish_TwoSubscribers_EachGetsEveryEventInOrder()
    {
        var hub = new DashboardEventHub();
        using var a = hub.Subscribe();
        using var b = hub.Subscribe();
        for (var i = 0; i < 3; i++)
        {
            hub.Publish(Event(i));
        }

        foreach (var s in new[] { a, b })
        {
            Assert.Equal(["a0", "a1", "a2"], Drain(s).Select(e => e.AlertId));
        }

        Assert.Equal(3, hub.Published);
    }

    [Fact]
    public void Publish_SubscriberNeverReads_KeepsTheNewestCapacityEventsAndCountsTheDropped()
    {
        var hub = new DashboardEventHub();
        using var slow = hub.Subscribe();
        var total = DashboardEventHub.SubscriberCapacity + 10;
        for (var i = 0; i < total; i++)
        {
            hub.Publish(Event(i));
        }

        var kept = Drain(slow);
        Assert.Equal(DashboardEventHub.SubscriberCapacity, kept.Count);
        Assert.Equal("a10", kept[0].AlertId); // the 10 oldest were dropped
        Assert.Equal($"a{total - 1}", kept[^1].AlertId);
        Assert.Equal(10, hub.Dropped);
    }

    [Fact]
    public void Dispose_Subscription_StopsDeliveryAndCompletesTheReader()
    {
        var hub = new DashboardEventHub();
        var subscription = hub.Subscribe();
        Assert.Equal(1, hub.SubscriberCount);
        subscription.Dispose();
        subscription.Dispose(); // idempotent
        hub.Publish(Event(1));
        Assert.Equal(0, hub.SubscriberCount);
        Assert.True(subscription.Reader.Completion.IsCompleted);
        Assert.Empty(Drain(subscription));
    }

    [Fact]
    public void Publish_EventSubscribedAfterwards_IsNotReplayed()
    {
        var hub = new DashboardEventHub();
        hub.Publish(Event(0));
        using var late = hub.Subscribe();
        hub.Publish(Event(1));
        Assert.Equal(["a1"], Drain(late).Select(e => e.AlertId));
    }

    private static List<DashboardEvent> Drain(DashboardSubscription subscription)
    {
        var events = new List<DashboardEvent>();
        while (subscription.Reader.TryRead(out var e))
        {
            events.Add(e);
        }

        return events;
    }
}
