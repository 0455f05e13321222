using EdgeSentinel.Cloud.Tests.Support;
using Xunit.Abstractions;

namespace EdgeSentinel.Cloud.Tests.Integration;

/// <summary>
/// The network between a device process and Mosquitto is cut by a <see cref="BlackholeProxy"/> (bytes
/// vanish, no socket closes) while the device publishes; the device must notice within 1.5 × its
/// keep-alive, keep its alerts, and deliver every one exactly once, in order, when the network returns.
/// </summary>
[Collection("Faults")] // one after another: each starts processes and measures, none should load the others
public sealed class NetworkCutTests(ITestOutputHelper output)
{
    private const int KeepAliveSeconds = 5;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task LinkBlackholedWhilePublishing_DeviceDetectsItWithinOneAndAHalfKeepAlives_BuffersAndDrainsOnRecovery()
    {
        var cuts = FaultScale.Pick(ci: 1, full: 5);
        var alerts = FaultScale.Pick(ci: 300, full: 1500);
        await using var rig = await FaultRig.StartAsync("f1", "d1");
        await using var proxy = new BlackholeProxy(rig.Broker.Port);

        // Ping every 0.5 s, 2 s to answer; a publish may wait 30 s for its PUBACK, so only the ping loop can find the cut in time.
        var device = rig.StartDevice("d1", alerts, intervalMs: 10, port: proxy.Port, extra:
            ["--keep-alive-s", FaultScale.Describe(KeepAliveSeconds), "--ping-ms", "500", "--response-timeout-ms", "2000", "--publish-timeout-ms", "30000", "--trace", "1"]);
        var detections = new List<TimeSpan>();
        for (var cut = 1; cut <= cuts; cut++)
        {
            var before = await rig.StoredAlertsAsync("d1");
            try
            {
                await Eventually.TrueAsync(async () => await rig.StoredAlertsAsync("d1") >= before + 20, $"alerts flowing before cut {cut}", Deadline);
            }
            catch (Xunit.Sdk.XunitException)
            {
                Assert.Fail($"no alerts flowing before cut {cut}: stored {await rig.StoredAlertsAsync("d1")} (was {before}), enqueued {device.LastEnqueued}, exited {device.HasExited}, link losses {device.LinkLosses.Count}, proxy connections {proxy.Accepted}; received {string.Join(",", rig.Metrics.Received)}; rejections {string.Join(",", await rig.Store.CountRejectionsByReasonAsync())}; stderr: {device.StandardError}");
            }
            var losses = device.LinkLosses.Count;
            var enqueuedAtCut = device.LastEnqueued;
            var cutAt = TimeProvider.System.GetUtcNow();
            proxy.Blackhole();

            await Eventually.TrueAsync(() => Task.FromResult(device.LinkLosses.Count > losses), $"the device notices cut {cut}", Deadline);
            detections.Add(device.LinkLosses[losses] - cutAt);

            // Still raising alerts into the outbox while cut off.
            await Eventually.TrueAsync(() => Task.FromResult(device.LastEnqueued >= Math.Min(enqueuedAtCut + 100, alerts)), "alerts buffered during the cut", Deadline);
            proxy.Restore();
        }

        Assert.Equal(0, await device.WaitForExitAsync(Deadline));
        await Eventually.TrueAsync(async () => await rig.StoredAlertsAsync("d1") >= alerts, $"all {alerts} stored; {rig.Missing("d1", alerts)}", TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(1, alerts), rig.StoredInOrder("d1").Select(s => s.Number)); // all, once each, in order
        Assert.Equal(alerts, await rig.StoredAlertsAsync("d1"));

        // Detection time = the device's own timestamp of the link loss minus the moment the test cut the link (same
        // host, same system clock). By design it is at most ping interval + response timeout = 2.5 s plus scheduling;
        // the bound asserted is the requirement, 1.5 x keep-alive = 7.5 s: three times the design figure, so a loaded
        // CI machine does not fail it, while a reporter that relied on the publish timeout (30 s) or on TCP would.
        var bound = TimeSpan.FromSeconds(1.5 * KeepAliveSeconds);
        Assert.All(detections, d => Assert.InRange(d, TimeSpan.Zero, bound));
        output.WriteLine($"cuts {cuts}, alerts {alerts}, stored once each in order; detection after the cut: {string.Join(", ", detections.Select(d => $"{d.TotalSeconds:F2} s"))} (bound {bound.TotalSeconds} s); proxy connections {proxy.Accepted}");
    }
}
