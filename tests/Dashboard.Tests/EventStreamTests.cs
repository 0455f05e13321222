using System.Collections.Concurrent;
using EdgeSentinel.Cloud.Api;
using EdgeSentinel.Cloud.Dashboard;
using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Dashboard.Tests;

/// <summary>The event stream on a fake clock: keep-alive comments while idle, events between them.</summary>
public sealed class EventStreamTests
{
    [Fact]
    public async Task Events_IdleThenEventThenIdle_KeepAliveEachIntervalAndTheEventInBetween()
    {
        var folder = Path.Combine(Path.GetTempPath(), "es-dash-sse-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero));
        try
        {
            await using var store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "s.db") }, time);
            var services = new DashboardServices(time);
            await using var server = await AggregatorHttpServer.StartAsync("http://127.0.0.1:0", store, new FleetView(store, null, time), new IngestMetrics(time), time, app => app.MapDashboard(services));
            using var http = new HttpClient { BaseAddress = server.Address };
            using var response = await http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var lines = new ConcurrentQueue<string>();
            using var stop = new CancellationTokenSource();
            var reading = Task.Run(async () =>
            {
                while (await reader.ReadLineAsync(stop.Token) is { } line)
                {
                    lines.Enqueue(line);
                }
            });

            await Eventually.TrueAsync(() => Task.FromResult(lines.Contains("event: ready")), "ready");
            await Eventually.TrueAsync(() => Task.FromResult(AdvanceUntil(time, lines, ": keep-alive", 1)), "first keep-alive");
            services.Notify(new DashboardEvent("status", "f", "d", time.GetUtcNow(), State: "offline"));
            await Eventually.TrueAsync(() => Task.FromResult(lines.Contains("event: status")), "the event after a keep-alive");
            await Eventually.TrueAsync(() => Task.FromResult(AdvanceUntil(time, lines, ": keep-alive", 2)), "second keep-alive");
            Assert.Equal(1, lines.Count(l => l == "event: status"));
            Assert.Equal(1, services.Events.SubscriberCount);
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Advances by one heartbeat interval unless <paramref name="count"/> copies of the line arrived (the server may not be waiting yet).</summary>
    private static bool AdvanceUntil(FakeTimeProvider time, ConcurrentQueue<string> lines, string line, int count)
    {
        if (lines.Count(l => l == line) >= count)
        {
            return true;
        }

        time.Advance(DashboardEndpoints.HeartbeatInterval);
        return false;
    }
}
