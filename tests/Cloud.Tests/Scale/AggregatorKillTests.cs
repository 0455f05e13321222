using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.FleetLoad;
using Xunit.Abstractions;

namespace EdgeSentinel.Cloud.Tests.Scale;

/// <summary>
/// Issue 7, "Aggregator killed mid-ingest": the real <c>edgesentinel aggregate</c> process on Mosquitto
/// and PostgreSQL is killed with SIGKILL while 10 devices publish, and started again with the same
/// client id: the broker redelivers what the dead process had not acknowledged (in flight, and
/// everything queued for its persistent session meanwhile), and each message is stored once.
/// </summary>
[Collection(PostgresServerGroup.Name)]
public sealed class AggregatorKillTests(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AggregatorProcessKilledMidIngest_RestartedWithItsClientId_EveryMessageStoredExactlyOnce()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var rig = await ScaleRig.StartAsync(devices: 10, await postgres.CreateDatabaseAsync());
        output.WriteLine($"{clock.Elapsed}: rig started");
        var first = await rig.StartAggregatorAsync("agg-1");
        output.WriteLine($"{clock.Elapsed}: aggregator started");
        var load = new FleetLoadOptions { RatePerDevice = 10, MessagesPerDevice = 150, AlertEvery = 5 }; // 100 msg/s for 15 s
        var run = rig.Devices.RunAsync(load);

        await rig.StoredAtLeastAsync(100, Deadline);
        output.WriteLine($"{clock.Elapsed}: 100 stored, published {rig.Devices.Acknowledged}");
        first.Kill(); // SIGKILL mid-stream: batches in the writer, messages queued and in flight, all unacknowledged
        var acknowledgedByBrokerAtKill = rig.Devices.Acknowledged;
        var storedAtKill = await rig.Watcher.CountAsync(ScaleRig.Fleet);

        // The devices go on publishing into the dead aggregator's persistent session.
        await Eventually.TrueAsync(() => Task.FromResult(rig.Devices.Acknowledged >= acknowledgedByBrokerAtKill + 200 || run.IsCompleted), "200 messages published while the aggregator is dead", Deadline);
        var acknowledgedByBrokerAtRestart = rig.Devices.Acknowledged;
        Assert.Equal(storedAtKill, await rig.Watcher.CountAsync(ScaleRig.Fleet)); // nobody stores while it is dead

        output.WriteLine($"{clock.Elapsed}: restarting");
        var second = await rig.StartAggregatorAsync("agg-1");
        output.WriteLine($"{clock.Elapsed}: restarted");
        await run.WaitAsync(Deadline);
        var total = rig.Devices.Acknowledged;
        Assert.Equal(10 * 150, total);
        await rig.StoredAtLeastAsync(total, Deadline);
        output.WriteLine($"{clock.Elapsed}: all stored");
        await rig.AssertEverythingStoredExactlyOnceAsync();

        var metrics = await second.ScrapeAsync();
        var stored = AggregatorProcess.Sum(metrics, "edgesentinel_ingest_stored_total");
        var duplicates = AggregatorProcess.Sum(metrics, "edgesentinel_ingest_duplicates_total");
        output.WriteLine($"at the kill: broker had acknowledged {acknowledgedByBrokerAtKill} to the devices, the store held {storedAtKill}; published while dead: {acknowledgedByBrokerAtRestart - acknowledgedByBrokerAtKill}; "
            + $"restarted instance stored {stored}, recognised {duplicates} redeliveries of messages the killed one had stored without acknowledging");
        // Everything the restarted instance stored or recognised came to it; it stored exactly what was missing.
        Assert.Equal(total - storedAtKill, stored);
        Assert.True(stored >= acknowledgedByBrokerAtRestart - storedAtKill, "the messages queued for the dead session were redelivered to the restarted one");
        Assert.Equal(0, AggregatorProcess.Sum(metrics, "edgesentinel_ingest_rejected_total"));
    }
}
