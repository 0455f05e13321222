using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeSentinel.Dashboard.Tests.Support;
using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Dashboard.Tests;

/// <summary>The dashboard's endpoints over HTTP: event stream, overview, channels, baseline band, assets and their errors.</summary>
[Collection(DashboardGroup.Name)]
public sealed class DashboardApiTests(DashboardFleet fleet) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false })
    {
        BaseAddress = fleet.Address,
        Timeout = TimeSpan.FromSeconds(20),
        DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", DashboardFleet.ApiToken) },
    };

    [Fact]
    public async Task Events_AlertStoredThroughMqttThenAcknowledged_StreamedInOrderAfterReady()
    {
        var before = JsonDocument.Parse(await _http.GetStringAsync("/api/dashboard/overview")).RootElement; // cached now: the alert below must invalidate it
        Assert.Equal(0, before.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("device").GetString() == "arm-1").GetProperty("openAlertsBySeverity").GetProperty("critical").GetInt32());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("ready", (await NextEventAsync(reader)).Type);

        await fleet.PublishAlertAsync("arm-1", "arm-1-stream-1", AlertKind.CanaryMismatch, AlertSeverity.Critical, "output.sum", TimeProvider.System.GetUtcNow());
        var alert = await NextEventAsync(reader, "alert");
        Assert.Equal("arm-1-stream-1", alert.Data.GetProperty("alertId").GetString());
        Assert.Equal("plant-b", alert.Data.GetProperty("fleet").GetString());
        Assert.Equal("raised", alert.Data.GetProperty("state").GetString());
        Assert.Equal("critical", alert.Data.GetProperty("severity").GetString());
        Assert.Equal("canary-mismatch", alert.Data.GetProperty("kind").GetString());
        // The event follows the durable store: the API already has the alert, and the overview (reused between changes) counts it.
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/api/alerts/arm-1-stream-1")).StatusCode);
        var arm = JsonDocument.Parse(await _http.GetStringAsync("/api/dashboard/overview")).RootElement.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("device").GetString() == "arm-1");
        Assert.Equal(1, arm.GetProperty("openAlertsBySeverity").GetProperty("critical").GetInt32());

        using var ack = await _http.PostAsJsonAsync("/api/alerts/arm-1-stream-1/acknowledge", new { by = "bob" });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var acknowledged = await NextEventAsync(reader, "acknowledged");
        Assert.Equal("arm-1-stream-1", acknowledged.Data.GetProperty("alertId").GetString());

        using var again = await _http.PostAsJsonAsync("/api/alerts/arm-1-stream-1/acknowledge", new { by = "carol" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode); // a refused acknowledgement publishes nothing:
        await fleet.PublishAlertAsync("arm-1", "arm-1-stream-2", AlertKind.CanaryMismatch, AlertSeverity.Warning, "output.sum", TimeProvider.System.GetUtcNow());
        var next = await NextEventAsync(reader, "alert", "acknowledged");
        Assert.Equal(("alert", "arm-1-stream-2"), (next.Type, next.Data.GetProperty("alertId").GetString()));
    }

    [Fact]
    public async Task Overview_DevicesAndFleets_MatchWhatTheDevicesSent()
    {
        var overview = JsonDocument.Parse(await _http.GetStringAsync("/api/dashboard/overview")).RootElement;
        var devices = overview.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("device").GetString()!, d => d);
        Assert.Equal(DashboardFleet.Devices.Select(d => d.Device).Order(StringComparer.Ordinal), devices.Keys.Order(StringComparer.Ordinal));
        foreach (var (f, d) in DashboardFleet.Devices)
        {
            Assert.Equal(f, devices[d].GetProperty("fleet").GetString());
            Assert.Equal("online", devices[d].GetProperty("liveness").GetString());
            Assert.Equal(DashboardFleet.OutboxOf(d), devices[d].GetProperty("outboxDepth").GetInt64());
            Assert.Equal(fleet.ModelHash, devices[d].GetProperty("modelHash").GetString());
        }

        var robot3 = devices["robot-3"];
        Assert.Equal(1, robot3.GetProperty("openAlertsBySeverity").GetProperty("warning").GetInt32());
        Assert.Equal(0, robot3.GetProperty("openAlertsBySeverity").GetProperty("critical").GetInt32());
        Assert.Equal(["input-drift"], robot3.GetProperty("openAlertKinds").EnumerateArray().Select(k => k.GetString()));
        var plantA = overview.GetProperty("fleets").EnumerateArray().Single(x => x.GetProperty("fleet").GetString() == "plant-a");
        Assert.Equal(3, plantA.GetProperty("devices").GetInt32());
        Assert.Equal(3, plantA.GetProperty("online").GetInt32());
        Assert.Equal([fleet.ModelHash], plantA.GetProperty("models").EnumerateArray().Select(m => m.GetString()));

        var filtered = JsonDocument.Parse(await _http.GetStringAsync("/api/dashboard/overview?fleet=plant-b")).RootElement;
        Assert.Equal(["arm-1"], filtered.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("device").GetString()));
    }

    [Fact]
    public async Task FleetSummary_Dashboard_SameAsTheApiSummary()
    {
        var dashboard = JsonDocument.Parse(await _http.GetStringAsync("/api/dashboard/fleets/plant-a/summary")).RootElement;
        var api = JsonDocument.Parse(await _http.GetStringAsync("/api/fleets/plant-a/summary")).RootElement;
        Assert.Equal(api.GetProperty("deviceCount").GetInt32(), dashboard.GetProperty("deviceCount").GetInt32());
        var departing = (JsonElement s) => s.GetProperty("models").EnumerateArray().SelectMany(m => m.GetProperty("outliers").GetProperty("devices").EnumerateArray())
            .Where(d => d.GetProperty("departs").GetBoolean()).Select(d => d.GetProperty("device").GetString()).ToList();
        Assert.Equal(["robot-3"], departing(dashboard));
        Assert.Equal(departing(api), departing(dashboard));
    }

    [Fact]
    public async Task Channels_DeviceWithFingerprints_ListsSchemaChannelsAndTheRegisteredBaseline()
    {
        var channels = JsonDocument.Parse(await _http.GetStringAsync("/api/dashboard/devices/plant-a/robot-1/channels")).RootElement;
        Assert.Equal(fleet.ModelHash, channels.GetProperty("modelHash").GetString());
        Assert.True(channels.GetProperty("hasBaseline").GetBoolean());
        Assert.Equal(DashboardFleet.Windows * 64, channels.GetProperty("observations").GetInt64()); // 8 windows of 64
        Assert.Equal(["input.x", "input.y", "output.sum"], channels.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.All(channels.GetProperty("channels").EnumerateArray(), c => Assert.True(c.GetProperty("inBaseline").GetBoolean()));
    }

    [Fact]
    public async Task BaselineBand_RegisteredModel_QuantilesOfTheNormalReferenceData()
    {
        var band = JsonDocument.Parse(await _http.GetStringAsync($"/api/models/{fleet.ModelHash}/baseline")).RootElement;
        var x = band.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "input.x");
        // Reference inputs are N(0, 1) (2000 training rows): quantiles ±1.645 and ±0.674, median 0 (tolerance for sampling and sketch rank error).
        Assert.InRange(x.GetProperty("p05").GetDouble(), -1.845, -1.445);
        Assert.InRange(x.GetProperty("p25").GetDouble(), -0.824, -0.524);
        Assert.InRange(x.GetProperty("p50").GetDouble(), -0.1, 0.1);
        Assert.InRange(x.GetProperty("p95").GetDouble(), 1.445, 1.845);
        Assert.Equal(64, band.GetProperty("windowSize").GetInt32());
        Assert.True(band.GetProperty("sequential").GetProperty("statisticThreshold").GetDouble() > 0);
    }

    [Theory]
    [InlineData("/api/dashboard/overview?fleet=", HttpStatusCode.BadRequest, "fleet: must not be empty")]
    [InlineData("/api/dashboard/devices/plant-a/nobody/channels", HttpStatusCode.NotFound, "no device plant-a/nobody is known")]
    [InlineData("/api/dashboard/devices/plant-a/robot-1/channels?from=yesterday", HttpStatusCode.BadRequest, "from: 'yesterday' is not an ISO 8601 time")]
    [InlineData("/api/dashboard/devices/plant-a/robot-1/channels?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", HttpStatusCode.BadRequest, "must be before to")]
    [InlineData("/api/models/0123abcd/baseline", HttpStatusCode.NotFound, "no baseline is registered for model 0123abcd; registered: 61f401bc")]
    [InlineData("/dashboard/missing.js", HttpStatusCode.NotFound, "the dashboard has no file 'missing.js'")]
    public async Task BadRequests_AnswerWithProblemDetailsNamingWhatIsWrong(string path, HttpStatusCode status, string detail)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(status, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assets_ServedFromTheAssembly_IncludingChartJsFromNpm()
    {
        using var root = await _http.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/dashboard/", root.Headers.Location?.ToString());
        using var bare = await _http.GetAsync("/dashboard");
        Assert.Equal("/dashboard/", bare.Headers.Location?.ToString());

        using var index = await _http.GetAsync("/dashboard/");
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Contains("vendor/chart.umd.js", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var chart = await _http.GetAsync("/dashboard/vendor/chart.umd.js");
        Assert.Equal("text/javascript", chart.Content.Headers.ContentType?.MediaType);
        var library = await chart.Content.ReadAsStringAsync();
        var lockFile = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "src/Cloud/Dashboard/web/package-lock.json"))).RootElement;
        var version = lockFile.GetProperty("packages").GetProperty("node_modules/chart.js").GetProperty("version").GetString();
        Assert.StartsWith($"/*!\n * Chart.js v{version}", library, StringComparison.Ordinal); // the file npm installed from the lock file
    }

    public void Dispose() => _http.Dispose();

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "EdgeSentinel.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("EdgeSentinel.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The next server-sent event (of one of <paramref name="types"/> when given, skipping others), with a deadline.</summary>
    private static async Task<(string Type, JsonElement Data)> NextEventAsync(StreamReader reader, params string[] types)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? type = null;
        while (true)
        {
            var line = await reader.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException("the event stream ended");
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && type is not null)
            {
                if (types.Length == 0 || types.Contains(type))
                {
                    return (type, JsonDocument.Parse(line["data: ".Length..]).RootElement);
                }

                type = null;
            }
        }
    }
}
