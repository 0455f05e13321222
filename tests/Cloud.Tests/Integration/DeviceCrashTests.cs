using System.Globalization;
using EdgeSentinel.Cloud.Tests.Support;
using Xunit.Abstractions;

namespace EdgeSentinel.Cloud.Tests.Integration;

/// <summary>
/// A device process is killed with SIGKILL at seeded random moments of its alert stream, ten times, and
/// restarted on the same outbox each time: the outbox replay must deliver every alert written exactly
/// once, in order, and the sequence number must never go back.
/// </summary>
[Collection("Faults")] // one after another: each starts processes and measures, none should load the others
public sealed class DeviceCrashTests(ITestOutputHelper output)
{
    private const int Seed = 20261124;
    private const int Kills = 10;

    [Fact]
    public async Task DeviceKilledTenTimesAtRandomMoments_ReplayDeliversEverythingOnce_SequenceNeverGoesBack()
    {
        var perRun = FaultScale.Pick(ci: 80, full: 500);
        var deadline = TimeSpan.FromSeconds(180); // generous: ten device processes start, run and drain while the rest of the suite shares two cores
        var random = new Random(Seed);
        await using var rig = await FaultRig.StartAsync("f1", "d1");
        var written = new List<(int First, long Enqueued)>(); // per run: first alert number, last alert reported durable
        var resumedAt = new List<long>();
        var storedAtKill = new List<long>();
        for (var run = 0; run < Kills; run++)
        {
            var first = (run * 1000) + 1;
            var device = rig.StartDevice("d1", perRun, first: first, intervalMs: 2);
            resumedAt.Add(NextSequence(await device.StartLine.WaitAsync(deadline)));
            var killAfter = first - 1 + random.Next(1, perRun); // a seeded moment inside the stream
            await Eventually.TrueAsync(() => Task.FromResult(device.LastEnqueued >= killAfter || device.HasExited), $"run {run} reaching alert {killAfter}", deadline);
            var storedBefore = rig.Store.Alerts.Select(a => a.Key.Sequence).DefaultIfEmpty(0).Max();
            device.Kill();
            written.Add((first, device.LastEnqueued));
            storedAtKill.Add(storedBefore);
            // The sequence never goes back: each run resumes above every sequence stored before the previous kill.
            Assert.True(run == 0 || resumedAt[^1] > storedAtKill[^2], $"run {run} resumed at sequence {resumedAt[^1]}; {(run == 0 ? 0 : storedAtKill[^2])} was stored before");
            Assert.True(run == 0 || resumedAt[^1] > resumedAt[^2], $"run {run} resumed at sequence {resumedAt[^1]} after {(run == 0 ? 0 : resumedAt[^2])}");
        }

        // A last run raises nothing new: it drains what the killed runs left.
        var drain = rig.StartDevice("d1", 0);
        var last = NextSequence(await drain.StartLine.WaitAsync(deadline));
        Assert.True(last > resumedAt[^1] && last > storedAtKill[^1], $"drain run resumed at {last}, run {Kills - 1} at {resumedAt[^1]}, {storedAtKill[^1]} stored before its kill");
        Assert.Equal(0, await drain.WaitForExitAsync(deadline));
        await Eventually.TrueAsync(
            async () => written.All(w => w.Enqueued < w.First || rig.Store.Alerts.Any(a => a.AlertId == $"d1-a{w.Enqueued}")),
            "the last alert each run reported durable is stored",
            deadline);

        var stored = rig.StoredInOrder("d1").Select(s => s.Number).ToList(); // once each; sequence and alert numbers rising together
        for (var run = 0; run < Kills; run++)
        {
            var (first, enqueued) = written[run];
            var ofRun = stored.Where(n => n >= first && n < first + 1000).ToList();
            // Every alert reported durable is there, contiguous from the first; at most the one being written at the kill follows.
            Assert.Equal(Enumerable.Range(first, ofRun.Count), ofRun);
            Assert.InRange(first + ofRun.Count - 1, enqueued, enqueued + 1);
        }

        Assert.Equal(stored.Count, await rig.StoredAlertsAsync("d1")); // no second copy in the store
        Assert.Empty(await rig.Store.CountRejectionsByReasonAsync());
        output.WriteLine($"SIGKILLs {Kills} (seed {Seed}), alerts written {stored.Count}, stored once each in order, lost 0; " +
            $"runs resumed at sequences {string.Join(",", resumedAt)}, drain at {last}; redeliveries recognised {string.Join(",", rig.Metrics.Duplicates)}");
    }

    private static long NextSequence(string startLine) =>
        long.Parse(startLine.AsSpan(startLine.LastIndexOf('=') + 1), CultureInfo.InvariantCulture);
}
