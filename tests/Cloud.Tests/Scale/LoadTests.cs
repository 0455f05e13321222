using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.FleetLoad;
using Xunit.Abstractions;

namespace EdgeSentinel.Cloud.Tests.Scale;

/// <summary>
/// Issue 7, "Load", the CI size: 200 devices publish 1 msg/s each, twice 30 s (12,000 signed messages,
/// every 5th an alert, the rest 36 KB fingerprints), through Mosquitto into the real <c>edgesentinel
/// aggregate</c> process on SQLite. The bench (bench/Load.Bench) runs the full 200 × 5 msg/s × 5 min.
/// In the PostgreSQL collection so that it never runs next to the other process-heavy scale tests here.
/// </summary>
[Collection(PostgresServerGroup.Name)]
public sealed class LoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoHundredDevicesForAMinute_NothingLost_LagBounded_MemoryFlat()
    {
        var folder = Path.Combine(Path.GetTempPath(), "es-loadtest-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        MosquittoBroker? broker = null;
        try
        {
            var result = await LoadRun.RunAsync(
                new LoadRunOptions
                {
                    Store = new StoreLocation(false, Path.Combine(folder, "store.db")),
                    Folder = folder,
                    Devices = 200,
                    Load = new FleetLoadOptions { RatePerDevice = 1, MessagesPerDevice = 30, AlertEvery = 5 },
                    Phases = 2,
                },
                async security =>
                {
                    broker = await MosquittoBroker.StartAsync(new MosquittoSecurity(security.PasswordLines, security.AclLines));
                    return broker.Port;
                },
                output.WriteLine);

            // No loss: every message the broker acknowledged to a device is stored once with its data row.
            Assert.Equal(200 * 60, result.Published);
            Assert.Equal(0, result.Lost);
            Assert.True(result.ExactlyOnce, "each device's sequences 1..60 stored exactly once");
            Assert.Equal(0, AggregatorProcess.Sum(result.Metrics, "edgesentinel_ingest_rejected_total"));

            // Lag bounded — in CI this asserts "no stall", not speed (bench/Load.Bench measures speed). 200 msg/s is
            // offered; the aggregator needed ≈2.4 ms of CPU per message here (≈0.5 core), 1.1-1.3 ms since the receive
            // window, read buffer and socket buffers of session 6 (≈0.25 core). Measured on this 2-core machine shared
            // with other jobs: before, p99 4.8 s / max 5.5 s at load average 22 (one 70 s phase), and at load average
            // 30-40 each 30 s phase drained 39-49 s after its last publish (p99 48.9 s, max 49.3 s); since, p99 0.52 s,
            // max 0.73 s at load average 9-16. The bounds (p99 ≤ 60 s, max ≤ 90 s) hold even then, while a
            // batch stuck until a reconnect, a lost acknowledgement or a halted ingest exceed them (or lose messages).
            var lag = result.LagMs();
            output.WriteLine($"lag ms: p50 {lag.P50:F0}, p99 {lag.P99:F0}, max {lag.Max:F0} ({lag.Count} messages)");
            Assert.Equal(result.Published, lag.Count);
            Assert.InRange(lag.P99, 0, 60_000);
            Assert.InRange(lag.Max, 0, 90_000);

            // Memory flat: the aggregator's live heap (after a forced full collection, with everything stored and
            // acknowledged, so no backlog is held) after the second phase against after the first (which warmed
            // caches, pools and the JIT). Measured: idle 1.3 MiB, after phase 1 7.1 MiB, after phase 2 5.6 MiB. A leak keeping 1% of each 29 KB message (≈290 B × 6,000 messages ≈ 1.7 MiB)
            // is about the least the 4 MiB bound can miss; keeping 2.3% exceeds it. RSS after the collection may lag
            // (the GC returns memory to the OS lazily), hence its wider bound.
            Assert.Equal(3, result.LiveHeap.Count);
            var (idle, first, second) = (result.LiveHeap[0], result.LiveHeap[1], result.LiveHeap[2]);
            output.WriteLine($"live heap MiB: idle {idle.HeapAfterLastGc / 1048576.0:F1}, after phase 1 {first.HeapAfterLastGc / 1048576.0:F1}, after phase 2 {second.HeapAfterLastGc / 1048576.0:F1}; "
                + $"RSS MiB {idle.Rss / 1048576.0:F1}, {first.Rss / 1048576.0:F1}, {second.Rss / 1048576.0:F1}");
            Assert.InRange(second.HeapAfterLastGc - first.HeapAfterLastGc, long.MinValue, 4L * 1048576);
            Assert.InRange(second.Rss - first.Rss, long.MinValue, 64L * 1048576);
        }
        finally
        {
            if (broker is not null)
            {
                await broker.DisposeAsync();
            }

            Directory.Delete(folder, recursive: true);
        }
    }
}
