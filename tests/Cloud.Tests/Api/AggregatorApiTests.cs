using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeSentinel.Cloud.Api;
using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Api;

/// <summary>The HTTP API over Kestrel on a free loopback port, on a SQLite store.</summary>
#pragma warning disable CA1001 // disposed in DisposeAsync (xunit IAsyncLifetime)
public sealed partial class AggregatorApiTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private const string ApiToken = "api-tests-token-0123456789";
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-api-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(T0);
    private IAggregatorStore _store = null!;
    private IngestMetrics _metrics = null!;
    private AggregatorHttpServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(_folder, "s.db") }, _time);
        _metrics = new IngestMetrics(_time);
        _server = await AggregatorHttpServer.StartAsync("http://127.0.0.1:0", _store, new FleetView(_store, timeProvider: _time), _metrics, _time, apiToken: ApiToken);
        _http = new HttpClient { BaseAddress = _server.Address };
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiToken); // acknowledging needs it (ApiTokenTests)

        await _store.StoreStatusAsync(new MessageKey("f1", "d1", 1), T0, new DeviceStatusReport("online", "model-a", 17, 2, T0));
        await _store.StoreAlertAsync(new MessageKey("f1", "d1", 2), T0, new StoredAlert("a1", "f1", "d1", "model-a", "input-drift", "inputs", "warning", "raised", 0, 255, """{"statistic":"ks"}""", T0, T0));
        await _store.StoreAlertAsync(new MessageKey("f1", "d1", 3), T0, new StoredAlert("a2", "f1", "d1", "model-a", "canary-mismatch", "canary", "critical", "raised", 0, 1, "{}", T0, T0.AddSeconds(1)));
        await _store.RecordRejectionAsync(new Rejection("bad-signature", "f1", "d9", "edgesentinel/v1/f1/d9/alert", T0, "HMAC differs"));
        await _store.RecordRejectionAsync(new Rejection("bad-signature", "f1", "d9", "edgesentinel/v1/f1/d9/alert", T0, "HMAC differs"));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<JsonElement> GetJsonAsync(string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await _http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        return problem.GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task Health_ReportsStoreSchemaVersion()
    {
        var health = await GetJsonAsync("/health");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(StoreMigrations.LatestVersion, health.GetProperty("schemaVersion").GetInt32());
    }

    [Fact]
    public async Task Devices_ListAndDetailWithLivenessAndOpenAlerts()
    {
        var list = await GetJsonAsync("/api/devices?fleet=f1");
        var d1 = Assert.Single(list.EnumerateArray());
        Assert.Equal("online", d1.GetProperty("liveness").GetString());
        Assert.Equal(2, d1.GetProperty("openAlerts").GetInt32());
        Assert.Equal(17, d1.GetProperty("device").GetProperty("outboxDepth").GetInt64());
        Assert.Empty((await GetJsonAsync("/api/devices?fleet=f2")).EnumerateArray());

        _time.Advance(TimeSpan.FromMinutes(10));
        var detail = await GetJsonAsync("/api/devices/f1/d1");
        Assert.Equal("offline", detail.GetProperty("device").GetProperty("liveness").GetString());
        Assert.Equal(2, detail.GetProperty("recentAlerts").GetArrayLength());

        using var missing = await _http.GetAsync("/api/devices/f1/nope");
        Assert.Contains("f1/nope", await ProblemAsync(missing, HttpStatusCode.NotFound), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alerts_FilterAndRejectBadFiltersWithEveryProblemNamed()
    {
        var critical = await GetJsonAsync("/api/alerts?fleet=f1&severity=critical");
        Assert.Equal(["a2"], critical.EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        var drift = await GetJsonAsync("/api/alerts?kind=input-drift&state=open");
        Assert.Equal(["a1"], drift.EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        Assert.Equal(2, (await GetJsonAsync("/api/alerts")).GetArrayLength());

        using var bad = await _http.GetAsync("/api/alerts?kind=bogus&severity=loud&state=sleeping&limit=0");
        var detail = await ProblemAsync(bad, HttpStatusCode.BadRequest);
        Assert.Contains("kind: 'bogus' is not one of", detail, StringComparison.Ordinal);
        Assert.Contains("severity: 'loud'", detail, StringComparison.Ordinal);
        Assert.Contains("state: 'sleeping'", detail, StringComparison.Ordinal);
        Assert.Contains("limit: '0' must be an integer in 1..10000", detail, StringComparison.Ordinal);

        var one = await GetJsonAsync("/api/alerts/a1");
        Assert.Equal("raised", one.GetProperty("alert").GetProperty("state").GetString());
        Assert.Equal("ks", one.GetProperty("alert").GetProperty("evidence").GetProperty("statistic").GetString());
        Assert.True(one.GetProperty("alert").GetProperty("isOpen").GetBoolean());
        Assert.Equal(1, one.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task Acknowledge_FirstWinsThenConflict_BadBodiesAre400_UnknownIs404()
    {
        _time.Advance(TimeSpan.FromMinutes(1));
        using var ok = await _http.PostAsJsonAsync("/api/alerts/a1/acknowledge", new { by = "alice" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var alert = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("alice", alert.GetProperty("acknowledgedBy").GetString());
        Assert.Equal(T0.AddMinutes(1), alert.GetProperty("acknowledgedAt").GetDateTimeOffset());

        using var again = await _http.PostAsJsonAsync("/api/alerts/a1/acknowledge", new { by = "bob" });
        Assert.Contains("acknowledged by alice", await ProblemAsync(again, HttpStatusCode.Conflict), StringComparison.Ordinal);

        using var noBy = await _http.PostAsJsonAsync("/api/alerts/a2/acknowledge", new { who = "bob" });
        Assert.Contains("\"by\"", await ProblemAsync(noBy, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        using var notJson = await _http.PostAsync("/api/alerts/a2/acknowledge", new StringContent("{by:", Encoding.UTF8, "application/json"));
        Assert.Contains("not valid JSON", await ProblemAsync(notJson, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        using var unknown = await _http.PostAsJsonAsync("/api/alerts/zzz/acknowledge", new { by = "bob" });
        Assert.Contains("'zzz'", await ProblemAsync(unknown, HttpStatusCode.NotFound), StringComparison.Ordinal);

        Assert.Equal(["a1"], (await GetJsonAsync("/api/alerts?state=acknowledged")).EnumerateArray().Select(a => a.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Fingerprints_TimelinePerChannelAndSpecificErrors()
    {
        var windows = TestFingerprints.Windows(seed: 9, windows: 3);
        for (var i = 0; i < windows.Count; i++)
        {
            var start = T0.AddMinutes(i);
            await _store.StoreFingerprintAsync(new MessageKey("f1", "d1", 100 + i), T0, new StoredFingerprint("f1", "d1", 100 + i, "model-a", start, start.AddMinutes(1), 64, windows[i].ToBytes()));
        }

        var timeline = await GetJsonAsync("/api/devices/f1/d1/fingerprints?channel=input.y&from=2026-11-24T03:00:00Z&to=2026-11-24T04:00:00Z");
        var points = timeline.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(3, points.Count);
        Assert.Equal(windows[1]["input.y"].Quantile(0.5), points[1].GetProperty("p50").GetDouble());
        Assert.Equal(64, points[2].GetProperty("count").GetInt64());

        var bucketed = await GetJsonAsync("/api/devices/f1/d1/fingerprints?channel=input.y&from=2026-11-24T03:00:00Z&to=2026-11-24T04:00:00Z&bucketSeconds=3600");
        Assert.Equal(192, Assert.Single(bucketed.GetProperty("points").EnumerateArray()).GetProperty("count").GetInt64());

        var fleetTimeline = await GetJsonAsync("/api/fleets/f1/fingerprints?model=model-a&channel=input.y&from=2026-11-24T03:00:00Z&to=2026-11-24T04:00:00Z&bucketSeconds=120");
        Assert.Equal([128L, 64L], fleetTimeline.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("count").GetInt64()));
        using var noModel = await _http.GetAsync("/api/fleets/f1/fingerprints?channel=input.y");
        Assert.Contains("model: required", await ProblemAsync(noModel, HttpStatusCode.BadRequest), StringComparison.Ordinal);

        using var noChannel = await _http.GetAsync("/api/devices/f1/d1/fingerprints");
        Assert.Contains("channel: required", await ProblemAsync(noChannel, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        using var badTime = await _http.GetAsync("/api/devices/f1/d1/fingerprints?channel=input.y&from=yesterday");
        Assert.Contains("from: 'yesterday' is not an ISO 8601 time", await ProblemAsync(badTime, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        using var reversed = await _http.GetAsync("/api/devices/f1/d1/fingerprints?channel=input.y&from=2026-11-24T05:00:00Z&to=2026-11-24T04:00:00Z");
        Assert.Contains("must be before to", await ProblemAsync(reversed, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        using var unknownChannel = await _http.GetAsync("/api/devices/f1/d1/fingerprints?channel=input.zz&from=2026-11-24T03:00:00Z&to=2026-11-24T04:00:00Z");
        Assert.Contains("'input.zz' is not in the fingerprint schema", await ProblemAsync(unknownChannel, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        using var unknownDevice = await _http.GetAsync("/api/devices/f1/zz/fingerprints?channel=input.y");
        await ProblemAsync(unknownDevice, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task FleetSummary_CountsDevicesAndAlerts()
    {
        var summary = await GetJsonAsync("/api/fleets/f1/summary");
        Assert.Equal(1, summary.GetProperty("deviceCount").GetInt32());
        Assert.Equal(1, summary.GetProperty("online").GetInt32());
        Assert.Equal(1, summary.GetProperty("openAlertsBySeverity").GetProperty("critical").GetInt32());
        using var bad = await _http.GetAsync("/api/fleets/f1/summary?to=2026-13-45");
        Assert.Contains("to: '2026-13-45'", await ProblemAsync(bad, HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_PrometheusTextWithIngestRejectionsAndOutboxDepths()
    {
        _metrics.RecordReceived("alert");
        _metrics.RecordStored("alert", TimeSpan.FromSeconds(1.5));
        _metrics.RecordRejected("bad-signature");
        _metrics.RecordStageTime("store", TimeSpan.FromMilliseconds(250));
        _metrics.RecordStageTime("store", TimeSpan.FromMilliseconds(500));
        using var response = await _http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines.Where(l => !l.StartsWith('#')))
        {
            Assert.Matches(SampleLine(), line);
        }

        Assert.Contains("edgesentinel_ingest_stored_total{kind=\"alert\"} 1", lines);
        Assert.Contains("edgesentinel_ingest_rejected_total{reason=\"bad-signature\"} 1", lines);
        Assert.Contains("edgesentinel_rejections_stored{reason=\"bad-signature\"} 2", lines);
        Assert.Contains("edgesentinel_device_outbox_depth{fleet=\"f1\",device=\"d1\"} 17", lines);
        Assert.Contains("edgesentinel_ingest_lag_seconds_sum 1.5", lines);
        Assert.Contains("edgesentinel_ingest_stage_seconds_total{stage=\"store\"} 0.75", lines);
        Assert.Contains("edgesentinel_alerts_open{severity=\"critical\"} 1", lines);
        Assert.Contains("edgesentinel_devices{liveness=\"online\"} 1", lines);
    }

    [Theory]
    [InlineData("/api/alerts?limit=-1")]
    [InlineData("/api/alerts?limit=99999999999999999999")]
    [InlineData("/api/alerts?fleet=")]
    [InlineData("/api/alerts?device=%00")]
    [InlineData("/api/devices?fleet=%01x")]
    [InlineData("/api/fleets/f1/summary?from=2026-11-24T05:00:00Z&to=2026-11-24T04:00:00Z")]
    [InlineData("/api/devices/f1/d1/fingerprints?channel=input.y&bucketSeconds=abc")]
    public async Task BadRequests_Are400ProblemsNever500(string path)
    {
        using var response = await _http.GetAsync(path);
        var detail = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(detail));
    }

    [GeneratedRegex("""^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$""")]
    private static partial Regex SampleLine();
}
