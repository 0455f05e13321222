using System.Globalization;
using System.Text.Json;
using EdgeSentinel.Cloud.Api;
using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Fingerprints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeSentinel.Cloud.Dashboard;

/// <summary>
/// The dashboard: its pages under <c>/dashboard/</c>, a server-sent event stream at <c>/api/events</c>,
/// and the few read endpoints the pages need beyond <see cref="AggregatorApi"/> (overview, a device's
/// channels, a model's baseline band, and the fleet summary over the default range reused between changes). Every bad request gets a 400 ProblemDetails naming the parameter.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Path of the charting library among the assets (copied from npm's chart.js by the build).</summary>
    public const string ChartLibraryPath = "vendor/chart.umd.js";

    /// <summary>Interval of the keep-alive comment on an idle event stream.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>Maps the dashboard onto the aggregator's web application (after <see cref="AggregatorApi.MapAggregatorApi"/>).</summary>
    /// <remarks>Also publishes an "acknowledged" event when the API's acknowledge endpoint succeeds, so every open page sees it.</remarks>
    public static WebApplication MapDashboard(this WebApplication app, DashboardServices services)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(services);
        app.Use(async (context, next) =>
        {
            await next(context).ConfigureAwait(false);
            await PublishAcknowledgementAsync(context, services).ConfigureAwait(false);
        });
        app.MapGet("/", () => Results.Redirect("/dashboard/"));
        app.MapGet("/dashboard/{**path}", Asset);
        app.MapGet("/api/events", (HttpContext context, IHostApplicationLifetime lifetime, TimeProvider time, IOptions<JsonOptions> json) => StreamEventsAsync(context, services.Events, lifetime, time, json.Value.SerializerOptions));
        app.MapGet("/api/dashboard/overview", (HttpRequest request, IAggregatorStore store, FleetView view, TimeProvider time, CancellationToken cancellationToken) => OverviewAsync(request, store, view, services, time, cancellationToken));
        app.MapGet("/api/dashboard/fleets/{fleet}/summary", (string fleet, FleetView view, TimeProvider time, CancellationToken cancellationToken) => SummaryAsync(fleet, view, services, time, cancellationToken));
        app.MapGet("/api/dashboard/devices/{fleet}/{device}/channels", (string fleet, string device, HttpRequest request, FleetView view, TimeProvider time, CancellationToken cancellationToken) => ChannelsAsync(fleet, device, request, view, services.Baselines, time, cancellationToken));
        app.MapGet("/api/models/{modelHash}/baseline", (string modelHash) => BaselineBand(modelHash, services.Baselines));
        return app;
    }

    private static IResult Asset(string? path, HttpRequest request)
    {
        if (string.IsNullOrEmpty(path) && !request.Path.Value!.EndsWith('/'))
        {
            return Results.Redirect("/dashboard/"); // the pages load their files by relative URL
        }

        var relative = string.IsNullOrEmpty(path) ? "index.html" : path;
        if (!DashboardAssets.TryGet(relative, out var content, out var contentType))
        {
            return Results.Problem(title: "not found", detail: $"the dashboard has no file '{Clip(relative)}'", statusCode: StatusCodes.Status404NotFound);
        }

        return Results.Bytes(content, contentType);
    }

    private static async Task PublishAcknowledgementAsync(HttpContext context, DashboardServices services)
    {
        if (!HttpMethods.IsPost(context.Request.Method)
            || context.Response.StatusCode != StatusCodes.Status200OK
            || context.Request.RouteValues["id"] is not string id
            || !context.Request.Path.StartsWithSegments("/api/alerts", StringComparison.Ordinal)
            || !context.Request.Path.Value!.EndsWith("/acknowledge", StringComparison.Ordinal))
        {
            return;
        }

        var store = context.RequestServices.GetRequiredService<IAggregatorStore>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        if (await store.GetAlertAsync(id, context.RequestAborted).ConfigureAwait(false) is { } alert)
        {
            services.Notify(new DashboardEvent("acknowledged", alert.Fleet, alert.Device, time.GetUtcNow(), alert.Id, "acknowledged", alert.Severity, alert.Kind));
        }
    }

    private static async Task StreamEventsAsync(HttpContext context, DashboardEventHub hub, IHostApplicationLifetime lifetime, TimeProvider time, JsonSerializerOptions json)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stopping.Token;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        using var subscription = hub.Subscribe(); // before "ready": nothing published after the client sees it is missed
        try
        {
            await response.WriteAsync("retry: 2000\nevent: ready\ndata: {}\n\n", cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            var reader = subscription.Reader;
            Task<bool>? waiting = null; // one outstanding wait, kept across heartbeats
            while (!cancellationToken.IsCancellationRequested)
            {
                waiting ??= reader.WaitToReadAsync(cancellationToken).AsTask();
                using (var heartbeatCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    var heartbeat = Task.Delay(HeartbeatInterval, time, heartbeatCancel.Token);
                    var first = await Task.WhenAny(waiting, heartbeat).ConfigureAwait(false);
                    await heartbeatCancel.CancelAsync().ConfigureAwait(false);
                    if (first == heartbeat)
                    {
                        await response.WriteAsync(": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
                        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }

                if (!await waiting.ConfigureAwait(false))
                {
                    return;
                }

                waiting = null;
                while (reader.TryRead(out var e))
                {
                    await response.WriteAsync($"event: {e.Type}\ndata: {JsonSerializer.Serialize(e, json)}\n\n", cancellationToken).ConfigureAwait(false);
                }

                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the page went away or the server is stopping
        }
    }

    private static async Task<IResult> SummaryAsync(string fleet, FleetView view, DashboardServices services, TimeProvider time, CancellationToken cancellationToken)
    {
        if (CheckName(fleet, "fleet") is { } problem)
        {
            return BadRequest(problem);
        }

        return Results.Ok(await services.Summaries.GetAsync(
            fleet,
            () =>
            {
                var to = time.GetUtcNow();
                return view.GetSummaryAsync(fleet, to - AggregatorApi.DefaultRange, to, CancellationToken.None);
            },
            cancellationToken).ConfigureAwait(false));
    }

    private static async Task<IResult> OverviewAsync(HttpRequest request, IAggregatorStore store, FleetView view, DashboardServices services, TimeProvider time, CancellationToken cancellationToken)
    {
        string? fleet = null;
        if (request.Query.TryGetValue("fleet", out var values))
        {
            fleet = values.ToString();
            if (CheckName(fleet, "fleet") is { } problem)
            {
                return BadRequest(problem);
            }
        }

        return Results.Ok(await services.Overviews.GetAsync(fleet ?? string.Empty, () => ComputeOverviewAsync(fleet, store, view, time), cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Overview> ComputeOverviewAsync(string? fleet, IAggregatorStore store, FleetView view, TimeProvider time)
    {
        var devices = await store.GetDevicesAsync(fleet).ConfigureAwait(false);
        var open = await store.CountOpenAlertsAsync(fleet).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var severities = Enum.GetValues<AlertSeverity>().Select(AlertSeverities.ToWireName).ToArray();
        var openByDevice = open.GroupBy(a => (a.Fleet, a.Device)).ToDictionary(g => g.Key, g => g.ToList());
        var rows = devices.Select(d =>
        {
            var alerts = openByDevice.GetValueOrDefault((d.Fleet, d.Device)) ?? [];
            return new OverviewDevice(
                d.Fleet,
                d.Device,
                d.ModelHash,
                view.JudgeLiveness(d, now).ToString().ToLowerInvariant(),
                d.Status,
                d.LastSeen,
                d.LastSeen is { } seen ? (now - seen).TotalSeconds : null,
                d.OutboxDepth,
                d.DroppedFingerprints,
                alerts.Sum(a => a.Count),
                alerts.Sum(a => a.Unacknowledged),
                CountBySeverity(alerts, severities),
                alerts.Select(a => a.Kind).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
        }).ToList();
        var fleets = rows.GroupBy(r => r.Fleet, StringComparer.Ordinal).Select(g => new OverviewFleet(
            g.Key,
            g.Count(),
            g.Count(r => r.Liveness == "online"),
            g.Count(r => r.Liveness == "offline"),
            g.Count(r => r.Liveness == "unknown"),
            g.Sum(r => r.OpenAlerts),
            CountBySeverity(open.Where(a => a.Fleet == g.Key), severities),
            g.Select(r => r.ModelHash).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            g.Count(r => r.OpenAlerts > 0))).ToList();
        return new Overview(now, fleets, rows);
    }

    private static async Task<IResult> ChannelsAsync(string fleet, string device, HttpRequest request, FleetView view, BaselineCatalog baselines, TimeProvider time, CancellationToken cancellationToken)
    {
        var problems = new[] { CheckName(fleet, "fleet"), CheckName(device, "device") }.OfType<string>().ToList();
        var to = ParseTime(request, "to", problems) ?? time.GetUtcNow();
        var from = ParseTime(request, "from", problems) ?? to - AggregatorApi.DefaultRange;
        if (from >= to)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"from: {from:O} must be before to ({to:O})"));
        }

        if (problems.Count > 0)
        {
            return BadRequest(string.Join("; ", problems));
        }

        var known = await view.GetDeviceAsync(fleet, device, cancellationToken).ConfigureAwait(false);
        if (known is null)
        {
            return Results.Problem(title: "not found", detail: $"no device {fleet}/{device} is known", statusCode: StatusCodes.Status404NotFound);
        }

        var merged = await view.MergeDeviceAsync(fleet, device, from, to, cancellationToken).ConfigureAwait(false);
        var modelHash = known.Device.ModelHash is { } current && merged.ContainsKey(current) ? current : merged.Keys.Order(StringComparer.Ordinal).FirstOrDefault();
        if (modelHash is null)
        {
            return Results.Ok(new DeviceChannels(fleet, device, known.Device.ModelHash, from, to, 0, false, []));
        }

        var live = merged[modelHash];
        var baseline = baselines.Find(modelHash);
        var channels = live.Channels.Select(c => new DeviceChannel(
            c.Channel.Name,
            c.Channel.Role.ToString().ToLowerInvariant(),
            c.Channel.ValueKind.ToString().ToLowerInvariant(),
            c.Count,
            baseline is not null && baseline.Schema.IndexOf(c.Channel.Name) >= 0)).ToList();
        return Results.Ok(new DeviceChannels(fleet, device, modelHash, from, to, live.ObservationCount, baseline is not null, channels));
    }

    private static IResult BaselineBand(string modelHash, BaselineCatalog baselines)
    {
        if (CheckName(modelHash, "modelHash") is { } problem)
        {
            return BadRequest(problem);
        }

        var baseline = baselines.Find(modelHash);
        if (baseline is null)
        {
            var known = baselines.ModelHashes;
            return Results.Problem(
                title: "not found",
                detail: $"no baseline is registered for model {Clip(modelHash)}" + (known.Count == 0 ? " (none are registered)" : $"; registered: {string.Join(", ", known)}"),
                statusCode: StatusCodes.Status404NotFound);
        }

        var calibration = baseline.Calibration;
        var untested = calibration.UntestedChannels.ToHashSet();
        var channels = baseline.Fingerprint.Channels.Select(c => BandOf(c, untested.Contains(c.Channel.Index))).ToList();
        var sequential = calibration.Sequential;
        return Results.Ok(new BaselineBandView(
            baseline.Model.Sha256,
            baseline.CreatedAt,
            baseline.Description,
            calibration.WindowSize,
            calibration.WindowAlpha,
            new SequentialThreshold(sequential.Kind.ToString(), sequential.StatisticThreshold, sequential.TargetArl),
            channels));
    }

    private static ChannelBand BandOf(ChannelSummary summary, bool untested)
    {
        static double? Finite(double v) => double.IsFinite(v) ? v : null;
        var continuous = summary.Channel.ValueKind == ChannelValueKind.Continuous && summary.Count > 0;
        double? Q(double q) => continuous ? Finite(summary.Quantile(q)) : null;
        return new ChannelBand(summary.Channel.Name, summary.Channel.ValueKind.ToString().ToLowerInvariant(), untested, summary.Count, Finite(summary.Mean), Q(0.05), Q(0.25), Q(0.5), Q(0.75), Q(0.95));
    }

    private static Dictionary<string, int> CountBySeverity(IEnumerable<OpenAlertCount> alerts, string[] severities)
    {
        var counts = severities.ToDictionary(s => s, _ => 0, StringComparer.Ordinal);
        foreach (var a in alerts)
        {
            counts[a.Severity] = counts.GetValueOrDefault(a.Severity) + a.Count;
        }

        return counts;
    }

    private static DateTimeOffset? ParseTime(HttpRequest request, string name, List<string> problems)
    {
        var raw = request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        problems.Add($"{name}: '{Clip(raw)}' is not an ISO 8601 time, e.g. 2026-11-24T03:00:00Z");
        return null;
    }

    private static string? CheckName(string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? $"{name}: must not be empty"
        : value.Length > AggregatorApi.MaxNameLength ? string.Create(CultureInfo.InvariantCulture, $"{name}: {value.Length} characters, at most {AggregatorApi.MaxNameLength}")
        : value.Any(char.IsControl) ? $"{name}: contains control characters"
        : null;

    private static string Clip(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static IResult BadRequest(string detail) =>
        Results.Problem(title: "bad request", detail: detail, statusCode: StatusCodes.Status400BadRequest);
}
