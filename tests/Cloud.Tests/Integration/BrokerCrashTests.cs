using System.Diagnostics;
using EdgeSentinel.Cloud.Tests.Support;
using Xunit.Abstractions;

namespace EdgeSentinel.Cloud.Tests.Integration;

/// <summary>
/// The broker crashes (SIGKILL: Mosquitto saves nothing, so whatever it held in memory — messages it
/// acknowledged to a device but had not yet delivered to the aggregator, queued messages, retained
/// messages, sessions — is gone) and is restarted, again and again, during a stream of alerts from five
/// device processes. Every alert must be stored once, in order per device.
/// </summary>
[Collection("Faults")] // one after another: each starts processes and measures, none should load the others
public sealed class BrokerCrashTests(ITestOutputHelper output)
{
    private static readonly string[] Devices = ["d1", "d2", "d3", "d4", "d5"];

    [Fact]
    public async Task BrokerKilledAndRestartedDuringAlertStream_EveryAlertStoredOnceInOrderPerDevice()
    {
        var kills = FaultScale.Pick(ci: 3, full: 10);
        var perDevice = FaultScale.Pick(ci: 400, full: 2000);
        var deadline = TimeSpan.FromSeconds(FaultScale.Pick(ci: 60, full: 300));
        var total = perDevice * Devices.Length;
        await using var rig = await FaultRig.StartAsync("f1", Devices);
        var clock = Stopwatch.StartNew();
        var processes = Devices.Select(d => rig.StartDevice(d, perDevice, intervalMs: 2)).ToList();

        await CrashBrokerAsync(rig, processes, total, kills, deadline);

        var drainedAfter = clock.Elapsed;
        await Eventually.TrueAsync(
            async () => await StoredAsync(rig) >= total,
            $"all {total} alerts stored; " + string.Join("; ", Devices.Select(d => rig.Missing(d, perDevice))),
            TimeSpan.FromSeconds(10));

        foreach (var device in Devices)
        {
            Assert.Equal(Enumerable.Range(1, perDevice), rig.StoredInOrder(device).Select(s => s.Number)); // all, once each, in order
            Assert.Equal(perDevice, await rig.StoredAlertsAsync(device)); // no second copy in the store
        }

        Assert.Equal(kills + 1, rig.Broker.Starts);
        Assert.Empty(await rig.Store.CountRejectionsByReasonAsync());
        output.WriteLine($"broker SIGKILLs {kills}, devices {Devices.Length}, alerts {total}, stored {await StoredAsync(rig)}, lost 0, duplicates stored 0, " +
            $"redeliveries recognised {string.Join(",", rig.Metrics.Duplicates)}, all devices drained after {drainedAfter.TotalSeconds:F1} s");
    }

    /// <summary>
    /// The same with two aggregators splitting the stream through the shared subscription, everything on its
    /// defaults (stored acknowledgements on both sides): each member acknowledges only what it stored, so a device
    /// never lets go of an alert the other member still held when the broker died.
    /// </summary>
    [Fact]
    public async Task BrokerKilledAndRestarted_TwoAggregatorsOnTheDefaults_EveryAlertStoredOnce()
    {
        var kills = FaultScale.Pick(ci: 2, full: 10);
        var perDevice = FaultScale.Pick(ci: 300, full: 2000);
        var deadline = TimeSpan.FromSeconds(FaultScale.Pick(ci: 60, full: 300));
        string[] devices = ["d1", "d2", "d3"];
        var total = perDevice * devices.Length;
        await using var rig = await FaultRig.StartAsync("f1", aggregators: 2, devices);
        var clock = Stopwatch.StartNew();
        var processes = devices.Select(d => rig.StartDevice(d, perDevice, intervalMs: 2)).ToList();
        await CrashBrokerAsync(rig, processes, total, kills, deadline);

        await Eventually.TrueAsync(
            async () => await StoredAsync(rig) >= total,
            $"all {total} alerts stored; " + string.Join("; ", devices.Select(d => rig.Missing(d, perDevice))),
            TimeSpan.FromSeconds(10));
        foreach (var device in devices)
        {
            var stored = rig.Store.Alerts.Where(a => a.Key.Device == device && a.Outcome == EdgeSentinel.Cloud.Storage.StoreOutcome.Stored).Select(a => FaultRig.Number(a.AlertId)).Order();
            Assert.Equal(Enumerable.Range(1, perDevice), stored); // all, once each (two members store in parallel: no single order)
            Assert.Equal(perDevice, await rig.StoredAlertsAsync(device));
        }

        Assert.All(rig.Ingests, i => Assert.Equal(EdgeSentinel.Cloud.Ingest.SubscriptionMode.Shared, i.Mode));
        Assert.Empty(await rig.Store.CountRejectionsByReasonAsync());
        output.WriteLine($"two aggregators, broker SIGKILLs {kills}, devices {devices.Length}, alerts {total}, lost 0, duplicates stored 0, " +
            $"redeliveries recognised {string.Join(",", rig.Metrics.Duplicates)}, drained after {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>SIGKILLs and restarts the broker <paramref name="kills"/> times, spread over the stream by what the store holds (not by time); then waits for every device process to exit 0 (only once its outbox is empty).</summary>
    private static async Task CrashBrokerAsync(FaultRig rig, IReadOnlyList<DeviceProcess> processes, int total, int kills, TimeSpan deadline)
    {
        for (var k = 1; k <= kills; k++)
        {
            var threshold = (long)total * k / (kills + 1);
            await Eventually.TrueAsync(async () => await StoredAsync(rig) >= threshold || processes.All(p => p.HasExited), $"{threshold} alerts stored before crash {k}", deadline);
            await rig.Broker.KillAsync();
            await rig.Broker.RestartAsync();
        }

        foreach (var p in processes)
        {
            Assert.Equal(0, await p.WaitForExitAsync(deadline));
        }
    }

    private static Task<long> StoredAsync(FaultRig rig) =>
        Task.FromResult((long)rig.Store.Alerts.Count(a => a.Outcome == EdgeSentinel.Cloud.Storage.StoreOutcome.Stored));
}
