using System.Net;
using EdgeSentinel.Cloud.Api;
using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Api;

/// <summary>/metrics counts open alerts in the store without loading alert rows.</summary>
#pragma warning disable CA1001 // disposed in DisposeAsync (xunit IAsyncLifetime)
public sealed class MetricsOpenAlertTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);
    private static readonly string[] Severities = ["info", "warning", "critical"];
    private static readonly string[] States = ["raised", "escalated", "cleared"];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-metrics-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(T0);
    private IAggregatorStore _inner = null!;
    private RowCountingStore _store = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _inner = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(_folder, "s.db"), DurableCommits = false }, _time);
        _store = new RowCountingStore(_inner);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync(); // disposes the SQLite store it decorates
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Metrics_OpenAlertsPerSeverityCountedInTheStoreWithoutLoadingAlertRows()
    {
        // 3,000 alerts on 7 devices: random severity and state, every fifth open one acknowledged (still open).
        var random = new Random(11);
        var alerts = Enumerable.Range(0, 3000).Select(i => new StoredAlert(
            $"a{i}", "f1", $"d{i % 7}", "model-a", "input-drift", "inputs", Severities[random.Next(3)], States[random.Next(3)], i, i + 1, "{}", T0, T0)).ToList();
        for (var b = 0; b < alerts.Count; b += 500)
        {
            await _inner.StoreBatchAsync([.. alerts.Skip(b).Take(500).Select((a, j) => IncomingMessage.Of(new MessageKey("f1", a.Device, b + j + 1), T0, a))]);
        }

        foreach (var a in alerts.Where(a => a.State != "cleared").Where((_, i) => i % 5 == 0))
        {
            Assert.Equal(AcknowledgeOutcome.Acknowledged, await _inner.AcknowledgeAlertAsync(a.Id, "ops", T0));
        }

        await using var server = await AggregatorHttpServer.StartAsync("http://127.0.0.1:0", _store, new FleetView(_store, timeProvider: _time), new IngestMetrics(_time), _time);
        using var http = new HttpClient { BaseAddress = server.Address };
        using var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');

        foreach (var severity in Severities)
        {
            var expected = alerts.Count(a => a.Severity == severity && a.State != "cleared");
            Assert.InRange(expected, 600, 800); // about 3,000 × 1/3 × 2/3 each: the data has every case
            Assert.Contains($"edgesentinel_alerts_open{{severity=\"{severity}\"}} {expected}", lines);
        }

        Assert.Equal(0, _store.AlertRowQueries);
        Assert.Equal(1, _store.CountQueries);
    }

    /// <summary>Counts alert-row reads and count reads (forwarding the count to the SQL store instead of the interface's row-loading default).</summary>
    private sealed class RowCountingStore(IAggregatorStore inner) : ForwardingStore(inner), IAggregatorStore
    {
        private int _alertRowQueries;
        private int _countQueries;

        public int AlertRowQueries => Volatile.Read(ref _alertRowQueries);

        public int CountQueries => Volatile.Read(ref _countQueries);

        public override Task<IReadOnlyList<StoredAlert>> QueryAlertsAsync(AlertQuery query, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _alertRowQueries);
            return base.QueryAlertsAsync(query, cancellationToken);
        }

        public Task<IReadOnlyList<OpenAlertCount>> CountOpenAlertsAsync(string? fleet = null, string? device = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _countQueries);
            return Inner.CountOpenAlertsAsync(fleet, device, cancellationToken);
        }
    }
}
