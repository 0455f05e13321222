using System.Globalization;
using EdgeSentinel.Cloud.Tests.Support;

namespace EdgeSentinel.Cloud.Tests.Integration;

/// <summary>
/// Faults with real processes: device reporters (tests/Tools/DeviceProcess: DeviceReporter +
/// SqliteOutbox) in their own processes, a real Mosquitto with authentication and persistence, the
/// aggregator storing into SQLite. Real time (the devices stamp their messages with the clock).
/// </summary>
public sealed class DeviceFaultTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(40);
    private FaultRig _rig = null!;

    public async Task InitializeAsync() => _rig = await FaultRig.StartAsync("f1", "d1", "d2");

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private DeviceProcess StartDevice(string device, int alerts, int first = 1, int intervalMs = 0) => _rig.StartDevice(device, alerts, first, intervalMs);

    private Task<long> StoredAlertsAsync(string device) => _rig.StoredAlertsAsync(device);

    private string Missing(string device, int alerts) => _rig.Missing(device, alerts);

    private List<(long Sequence, int Number)> StoredInOrder(string device) => _rig.StoredInOrder(device);

    [Fact]
    public async Task BrokerStoppedMidStreamAndRestarted_EveryAlertStoredExactlyOnceInOrderPerDevice()
    {
        const int alerts = 200;
        var d1 = StartDevice("d1", alerts, intervalMs: 4);
        var d2 = StartDevice("d2", alerts, intervalMs: 4);
        await Eventually.TrueAsync(async () => await StoredAlertsAsync("d1") >= 30 && await StoredAlertsAsync("d2") >= 30, "30 alerts of each device stored", Deadline);

        await _rig.Broker.StopAsync();
        var (atStop1, atStop2) = (d1.LastEnqueued, d2.LastEnqueued);
        // The devices go on raising alerts while the broker is away: they wait in the outboxes.
        await Eventually.TrueAsync(() => Task.FromResult(d1.LastEnqueued >= Math.Min(atStop1 + 25, alerts) && d2.LastEnqueued >= Math.Min(atStop2 + 25, alerts)), "alerts enqueued during the outage", Deadline);
        // Mosquitto 2.0.11 restores persistent sessions but not their shared subscriptions: until the
        // aggregator subscribes again, a device's publish is acknowledged "no matching subscribers". The
        // devices run with HoldUntilSubscribed, so such alerts stay in their outboxes (without it, this lost one).
        await _rig.Broker.RestartAsync();

        Assert.Equal(0, await d1.WaitForExitAsync(Deadline));
        Assert.Equal(0, await d2.WaitForExitAsync(Deadline));
        await Eventually.TrueAsync(async () => await StoredAlertsAsync("d1") == alerts && await StoredAlertsAsync("d2") == alerts, $"all {alerts} alerts of each device stored; {Missing("d1", alerts)}; {Missing("d2", alerts)}", Deadline);
        foreach (var device in new[] { "d1", "d2" })
        {
            Assert.Equal(Enumerable.Range(1, alerts), StoredInOrder(device).Select(s => s.Number)); // all, once each, in order
        }

        Assert.Equal(2, _rig.Broker.Starts);
        Assert.Empty(await _rig.Store.CountRejectionsByReasonAsync());
    }

    [Fact]
    public async Task DeviceProcessKilledBetweenWriteAndAcknowledgement_AfterRestartNothingLostOrDuplicated()
    {
        // Run 1: killed (SIGKILL) mid-stream while the broker is up: entries in flight, written, not yet acknowledged.
        var run1 = StartDevice("d1", 2000, intervalMs: 2);
        await Eventually.TrueAsync(async () => await StoredAlertsAsync("d1") >= 40, "40 alerts stored", Deadline);
        run1.Kill();
        var enqueued1 = run1.LastEnqueued;
        var sentByRun1 = _rig.Store.Alerts.Max(a => a.Key.Sequence); // stored already, so sealed and sent by run 1

        // Run 2 resumes from the same outbox, raises alerts 1001.., and is killed while the broker is down:
        // everything it wrote after the stop is in its outbox and certainly not acknowledged.
        var run2 = StartDevice("d1", 2000, first: 1001, intervalMs: 2);
        var start2 = await run2.StartLine.WaitAsync(Deadline);
        var resumedAt = long.Parse(start2[(start2.LastIndexOf('=') + 1)..], CultureInfo.InvariantCulture);
        await Eventually.TrueAsync(async () => await _rig.Store.GetAlertAsync("d1-a1010") is not null, "run 2's alerts arriving", Deadline);
        await _rig.Broker.StopAsync();
        var atStop = run2.LastEnqueued;
        await Eventually.TrueAsync(() => Task.FromResult(run2.LastEnqueued >= atStop + 20), "20 alerts written during the outage", Deadline);
        run2.Kill();
        var enqueued2 = run2.LastEnqueued;
        await _rig.Broker.RestartAsync();

        // Run 3 raises nothing new: it only drains what the killed runs left in the outbox.
        var run3 = StartDevice("d1", 0);
        var start3 = await run3.StartLine.WaitAsync(Deadline);
        Assert.Matches(@"^started pending=[1-9]\d* ", start3); // the outage's alerts were waiting
        Assert.Equal(0, await run3.WaitForExitAsync(Deadline));
        await Eventually.TrueAsync(
            async () => await _rig.Store.GetAlertAsync($"d1-a{enqueued1}") is not null && await _rig.Store.GetAlertAsync($"d1-a{enqueued2}") is not null,
            "the last alerts each run reported as written are stored",
            Deadline);

        var stored = StoredInOrder("d1"); // once each, in order
        var numbers = stored.Select(s => s.Number).ToList();
        var firstRange = numbers.Where(n => n < 1000).ToList();
        var secondRange = numbers.Where(n => n > 1000).ToList();
        // Nothing lost: every alert a run reported as durably written is there, contiguous; at most the one
        // being written at the kill (written, not yet reported) follows it.
        Assert.Equal(Enumerable.Range(1, firstRange.Count), firstRange);
        Assert.InRange(firstRange.Count, enqueued1, enqueued1 + 1);
        Assert.Equal(Enumerable.Range(1001, secondRange.Count), secondRange);
        Assert.InRange(1000 + secondRange.Count, enqueued2, enqueued2 + 1);
        // Nothing duplicated: one stored message per alert (redeliveries were recognised as duplicates).
        Assert.Equal(numbers.Count, await StoredAlertsAsync("d1"));
        // The sequence never goes back: run 2 resumed numbering above everything run 1 had sent
        // (sequences are given when an entry is first sent, so run 1's unsent alerts got run 2's numbers).
        Assert.True(resumedAt > sentByRun1, $"run 2 resumed at sequence {resumedAt}, run 1 had sent {sentByRun1}");
        Assert.All(stored.Where(s => s.Number > 1000), s => Assert.True(s.Sequence >= resumedAt, $"run 2 sequence {s.Sequence} < its start {resumedAt}"));
        Assert.Empty(await _rig.Store.CountRejectionsByReasonAsync());
    }
}
