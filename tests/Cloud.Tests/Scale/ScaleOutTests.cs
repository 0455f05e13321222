using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.FleetLoad;
using Xunit.Abstractions;

namespace EdgeSentinel.Cloud.Tests.Scale;

/// <summary>
/// Issue 7, "Scale-out": three <c>edgesentinel aggregate</c> processes share one Mosquitto through the
/// <c>$share</c> subscription and one PostgreSQL; one is killed with SIGKILL mid-run and restarted with
/// its client id (what a supervisor does). Everything is stored exactly once. See docs/SCALE-OUT.md for
/// what Mosquitto does with the killed member's session meanwhile.
/// </summary>
[Collection(PostgresServerGroup.Name)]
public sealed class ScaleOutTests(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task ThreeInstancesOnePostgres_OneKilledMidRunAndRestarted_EverythingStoredExactlyOnce()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var rig = await ScaleRig.StartAsync(devices: 9, await postgres.CreateDatabaseAsync());
        var started = await Task.WhenAll(rig.StartAggregatorAsync("agg-a"), rig.StartAggregatorAsync("agg-b"), rig.StartAggregatorAsync("agg-c"));
        var (a, b, c) = (started[0], started[1], started[2]);
        output.WriteLine($"{clock.Elapsed}: 3 aggregators started");
        var load = new FleetLoadOptions { RatePerDevice = 10, MessagesPerDevice = 80, AlertEvery = 5 }; // 90 msg/s for 8 s
        var run = rig.Devices.RunAsync(load);

        await rig.StoredAtLeastAsync(60, Deadline);
        b.Kill();
        var publishedAtKill = rig.Devices.Acknowledged;
        var storedAtKill = await rig.Watcher.CountAsync(ScaleRig.Fleet);
        output.WriteLine($"{clock.Elapsed}: agg-b killed; published {publishedAtKill}, stored {storedAtKill}");

        await run.WaitAsync(Deadline);
        var total = rig.Devices.Acknowledged;
        Assert.Equal(9 * 80, total);
        output.WriteLine($"{clock.Elapsed}: all {total} published; stored {await rig.Watcher.CountAsync(ScaleRig.Fleet)}");

        var b2 = await rig.StartAggregatorAsync("agg-b"); // the supervisor restarts it with the same client id: it resumes its session
        output.WriteLine($"{clock.Elapsed}: agg-b restarted");
        await rig.StoredAtLeastAsync(total, Deadline);
        output.WriteLine($"{clock.Elapsed}: all stored");
        await rig.AssertEverythingStoredExactlyOnceAsync();

        var ma = await a.ScrapeAsync();
        var mc = await c.ScrapeAsync();
        var mb = await b2.ScrapeAsync();
        double Stored(IReadOnlyDictionary<string, double> m) => AggregatorProcess.Sum(m, "edgesentinel_ingest_stored_total");
        double Duplicates(IReadOnlyDictionary<string, double> m) => AggregatorProcess.Sum(m, "edgesentinel_ingest_duplicates_total");
        output.WriteLine($"stored by agg-a {Stored(ma)} (dup {Duplicates(ma)}), agg-c {Stored(mc)} (dup {Duplicates(mc)}), killed agg-b {total - Stored(ma) - Stored(mc) - Stored(mb)}, "
            + $"restarted agg-b {Stored(mb)} (dup {Duplicates(mb)}): delivered only after its restart, from its session");
        Assert.Equal(total, Stored(ma) + Stored(mc) + Stored(mb) + (total - Stored(ma) - Stored(mc) - Stored(mb)));
        Assert.True(Stored(ma) > 0 && Stored(mc) > 0, "the load was shared");
        foreach (var m in new[] { ma, mb, mc })
        {
            Assert.Equal(0, AggregatorProcess.Sum(m, "edgesentinel_ingest_rejected_total"));
        }
    }
}
