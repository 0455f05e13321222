using System.Diagnostics;
using System.Globalization;
using EdgeSentinel.Cloud.Api;
using EdgeSentinel.Cloud.Dashboard;
using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Dashboard.Benchmarks;

namespace EdgeSentinel.Cloud.Benchmarks;

/// <summary>
/// The overview's API reads after each kind of change, over HTTP on a SQLite store filled like bench/Dashboard.Benchmarks
/// (N devices in 2 fleets, 24 windows each, M alerts): before every timed request one change is stored and announced —
/// a status report, or a NEW WINDOW for one device of fleet-0 (rotating) — so every request recomputes what that change
/// invalidates. Latency percentiles per endpoint and the process's CPU time per request, after 120 warm-up requests.
/// </summary>
internal static class SummaryBench
{
    public static async Task<bool> RunAsync(int devices, int alerts, int requests)
    {
        const double TargetMs = 100;
        var folder = Directory.CreateTempSubdirectory("es-bench-summary-").FullName;
        try
        {
            var time = TimeProvider.System;
            await using var store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "bench.db"), DurableCommits = false }, time);
            var now = time.GetUtcNow();
            await FleetData.FillAsync(store, devices, alerts, 1.0, windowsPerDevice: 24, now, seed: 7);
            var sequences = (await store.GetHighestSequencesAsync()).ToDictionary(p => p.Key, p => p.Value);
            var windows = (await store.GetFingerprintsAsync("fleet-0", null, now.AddDays(-1), now)).GroupBy(f => f.Device, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            var fleet0 = windows.Keys.Order(StringComparer.Ordinal).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"summary bench: {devices} devices in 2 fleets, {alerts} alerts (all open), {devices * 24} windows; {requests} timed requests per row after 10 warm-up"));

            var view = new FleetView(store, null, time);
            var dashboard = new DashboardServices(time);
            await using var server = await AggregatorHttpServer.StartAsync("http://127.0.0.1:0", store, view, new IngestMetrics(time), time, app => app.MapDashboard(dashboard));
            using var http = new HttpClient { BaseAddress = server.Address };
            var changes = 0;

            // A status report of a fleet-0 device: nothing the summary merges changes.
            async Task StatusChange()
            {
                var device = fleet0[changes++ % fleet0.Count];
                var key = ("fleet-0", device);
                await store.StoreStatusAsync(new MessageKey("fleet-0", device, sequences[key] = sequences[key] + 1), time.GetUtcNow(), new DeviceStatusReport("online", null, 3, 0, time.GetUtcNow()));
                dashboard.Notify(new DashboardEvent("status", "fleet-0", device, time.GetUtcNow(), State: "online"));
            }

            // A new window of a fleet-0 device (a copy of one of its windows, starting a minute after its last): that device's merge changes.
            async Task WindowChange()
            {
                var device = fleet0[changes++ % fleet0.Count];
                var key = ("fleet-0", device);
                var list = windows[device];
                var last = list[^1];
                var sequence = sequences[key] = sequences[key] + 1;
                var window = last with { Sequence = sequence, WindowStart = last.WindowStart.AddMinutes(1), WindowEnd = last.WindowEnd.AddMinutes(1), Data = list[list.Count % 24].Data };
                await store.StoreFingerprintAsync(new MessageKey("fleet-0", device, sequence), time.GetUtcNow(), window);
                list.Add(window);
                dashboard.Notify(new DashboardEvent("fingerprint", "fleet-0", device, time.GetUtcNow()));
            }

            (string Name, string Path)[] endpoints =
            [
                ("overview (devices + alert counts)", "/api/dashboard/overview"),
                ("devices (API)", "/api/devices"),
                ("fleet-0 summary (dashboard)", "/api/dashboard/fleets/fleet-0/summary"),
                ("fleet-0 summary (API)", "/api/fleets/fleet-0/summary"),
            ];
            // Every path warm before timing (JIT tiering): a change of each kind before requests to every endpoint.
            for (var i = 0; i < 30; i++)
            {
                foreach (var (_, path) in endpoints)
                {
                    await (i % 2 == 0 ? StatusChange() : WindowChange());
                    (await http.GetAsync(path)).EnsureSuccessStatusCode().Dispose();
                }
            }

            Console.WriteLine($"{"change before each request",-28} {"endpoint",-34} {"median",8} {"p95",8} {"max",8} {"cpu/req",8}");
            using var process = Process.GetCurrentProcess();
            var worst = 0.0;
            foreach (var (changeName, change) in new (string, Func<Task>)[] { ("status report", StatusChange), ("new window, one device", WindowChange) })
            {
                foreach (var (name, path) in endpoints)
                {
                    for (var i = 0; i < 10; i++)
                    {
                        await change();
                        (await http.GetAsync(path)).EnsureSuccessStatusCode().Dispose();
                    }

                    var samples = new double[requests];
                    var cpu = TimeSpan.Zero;
                    for (var i = 0; i < requests; i++)
                    {
                        await change();
                        process.Refresh();
                        var cpuBefore = process.TotalProcessorTime;
                        var started = Stopwatch.GetTimestamp();
                        using var response = await http.GetAsync(path);
                        response.EnsureSuccessStatusCode();
                        await response.Content.ReadAsByteArrayAsync();
                        samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        process.Refresh();
                        cpu += process.TotalProcessorTime - cpuBefore;
                    }

                    Array.Sort(samples);
                    var p95 = samples[(int)Math.Ceiling(0.95 * requests) - 1];
                    worst = Math.Max(worst, p95);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{changeName,-28} {name,-34} {samples[requests / 2],8:F1} {p95,8:F1} {samples[^1],8:F1} {cpu.TotalMilliseconds / requests,8:F1}"));
                }
            }

            var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"worst p95 {worst:F1} ms, target {TargetMs} ms: {(worst < TargetMs ? "met" : "MISSED")} ({Environment.ProcessorCount} cores, load average {load})"));
            return worst < TargetMs;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
