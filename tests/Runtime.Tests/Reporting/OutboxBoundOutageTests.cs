using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Tests.Support;
using EdgeSentinel.Runtime.Reporting;
using EdgeSentinel.Runtime.Tests.Reporting.Support;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Runtime.Tests.Reporting;

/// <summary>The outbox bound reached during a long outage, end to end through the reporter: alerts kept, fingerprint summaries coalesced then dropped, the counts reported in status.</summary>
public sealed class OutboxBoundOutageTests : IDisposable
{
    private const string Fleet = "fleet-1";
    private const string Device = "robot-7";
    private static readonly SigningKey Key = SigningKey.FromBytes(Enumerable.Range(21, 32).Select(i => (byte)i).ToArray());
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 7, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(T0);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task LongOutage_BoundReached_AlertsAllDelivered_FingerprintsCoalescedThenDropped_StatusCountsRight()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.StopAsync(); // the outage: nothing listens on the port
        var collector = new Collector(new InboundVerifier(a => a.Fleet == Fleet && a.Device == Device ? Key : null, new ReplayGuard(_time)));
        broker.OnPublish = collector.Handle;
        var options = new ReporterOptions
        {
            Fleet = Fleet,
            Device = Device,
            DeviceKey = Key,
            BrokerPort = broker.Port,
            AwaitStoredAck = false, // no aggregator here: the broker's acknowledgement is the end of the path under test

            OutboxPath = _folder.File("outbox.db"),
            MaxPendingFingerprints = 4,
            MaxWindowsPerSummary = 3,
            InitialReconnectDelay = TimeSpan.FromSeconds(1),
            MaxReconnectDelay = TimeSpan.FromSeconds(4),
            BreakerFailureThreshold = 1000,
        };
        await using var reporter = new DeviceReporter(options, _time);
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(cts.Token);

        var windows = TestFingerprints.Windows(20, seed: 5);
        for (var i = 0; i < 20; i++)
        {
            reporter.EnqueueAlert(TestAlerts.Sample(Device, first: i));
            reporter.EnqueueFingerprint(new FingerprintReport(TestFingerprints.ModelHash, T0.AddMinutes(i), T0.AddMinutes(i + 1), 1, windows[i]));
        }

        // By hand (bound 4 unsent summaries, at most 3 windows each; one-window summaries appended 20 times):
        //   appends 5..12 merge the oldest mergeable pair each: [1,1,1,1] → [3,3,3,3], coalesced 8;
        //   then a cycle of three appends: no pair fits → drop the oldest (3 windows); merge; merge.
        //   Summaries: appended 20 = delivered 4 + coalesced 13 + dropped 3.
        //   13 d, 14 c, 15 c, 16 d, 17 c, 18 c, 19 d, 20 c → coalesced 13, dropped 3, left [3,3,3,2].
        var counts = reporter.Counts;
        Assert.Equal((20L, 4L, 3L, 13L), (counts.PendingAlerts, counts.PendingFingerprints, counts.DroppedFingerprints, counts.CoalescedFingerprints));

        // The broker returns: everything left drains, in order.
        await broker.StartAsync();
        await Eventually.HoldsAsync(() => reporter.Counts.Depth == 0 && reporter.IsConnected, "drained after the outage", _time, TimeSpan.FromSeconds(1), advanceWhile: () => !reporter.IsConnected);
        await Eventually.HoldsAsync(
            () => collector.Accepted.Any(m => m.Status is { PendingAlerts: 0, PendingFingerprints: 0 }),
            "a status after draining");

        Assert.Empty(collector.Rejected);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), collector.Accepted.Where(m => m.Alert is not null).Select(m => m.Alert!.FirstSample));
        var summaries = collector.Accepted.Where(m => m.Fingerprint is not null).Select(m => m.Fingerprint!).ToList();
        Assert.Equal([3, 3, 3, 2], summaries.Select(s => s.WindowCount));
        // After append 12: [0-2, 3-5, 6-8, 9-11]. 13 drops 0-2; 14, 15 merge 12-14; 16 drops 3-5; 17, 18 merge 15-17;
        // 19 drops 6-8; 20 merges 18-19 → kept [9-11, 12-14, 15-17, 18-19].
        Assert.Equal(
            [(T0.AddMinutes(9), T0.AddMinutes(12)), (T0.AddMinutes(12), T0.AddMinutes(15)), (T0.AddMinutes(15), T0.AddMinutes(18)), (T0.AddMinutes(18), T0.AddMinutes(20))],
            summaries.Select(s => (s.WindowStart, s.WindowEnd)));
        Assert.Equal(windows[18].Merge(windows[19]).ToBytes(), summaries[3].Fingerprint.ToBytes());
        var status = collector.Accepted.Last(m => m.Status is not null).Status!;
        Assert.Equal((3L, 13L), (status.DroppedFingerprints, status.CoalescedFingerprints));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
