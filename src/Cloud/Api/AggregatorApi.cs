using System.Globalization;
using System.Text.Json;
using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Monitor.Alerts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSentinel.Cloud.Api;

/// <summary>
/// The aggregator's HTTP API (JSON): devices, alerts and their acknowledgement, fingerprint
/// timelines, fleet summaries, health and Prometheus metrics. Every bad request gets a 400
/// ProblemDetails naming the parameter and what is wrong.
/// </summary>
/// <remarks>Needs <see cref="IAggregatorStore"/>, <see cref="FleetView"/>, <see cref="IngestMetrics"/> and <see cref="TimeProvider"/> in the service container.</remarks>
public static class AggregatorApi
{
    /// <summary>Longest fleet, device, alert id or user name accepted.</summary>
    public const int MaxNameLength = 128;

    /// <summary>Largest number of alerts one request returns.</summary>
    public const int MaxAlertLimit = 10_000;

    /// <summary>Default fingerprint time range when <c>from</c> is not given: this long before <c>to</c>.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(24);

    /// <summary>Maps every endpoint.</summary>
    public static IEndpointRouteBuilder MapAggregatorApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/health", HealthAsync);
        endpoints.MapGet("/metrics", MetricsAsync);
        endpoints.MapGet("/api/devices", DevicesAsync);
        endpoints.MapGet("/api/devices/{fleet}/{device}", DeviceAsync);
        endpoints.MapGet("/api/devices/{fleet}/{device}/fingerprints", FingerprintsAsync);
        endpoints.MapGet("/api/alerts", AlertsAsync);
        endpoints.MapGet("/api/alerts/{id}", AlertAsync);
        endpoints.MapPost("/api/alerts/{id}/acknowledge", AcknowledgeAsync);
        endpoints.MapGet("/api/fleets/{fleet}/summary", SummaryAsync);
        endpoints.MapGet("/api/fleets/{fleet}/fingerprints", FleetFingerprintsAsync);
        return endpoints;
    }

    private static async Task<IResult> HealthAsync(IAggregatorStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            var version = await store.GetSchemaVersionAsync(cancellationToken).ConfigureAwait(false);
            return Results.Ok(new { status = "ok", schemaVersion = version, at = time.GetUtcNow() });
        }
#pragma warning disable CA1031 // health reports any store failure as unhealthy instead of failing the request
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            return Results.Problem(title: "store unavailable", detail: e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> MetricsAsync(IAggregatorStore store, FleetView fleet, IngestMetrics metrics, CancellationToken cancellationToken)
    {
        // Open alerts are counted in the store (one GROUP BY over an index), never loaded: /metrics stays cheap with 100,000s of them.
        var open = await store.CountOpenAlertsAsync(null, null, cancellationToken).ConfigureAwait(false);
        var devices = await fleet.GetDevicesAsync(null, open, cancellationToken).ConfigureAwait(false);
        var rejections = await store.CountRejectionsByReasonAsync(cancellationToken).ConfigureAwait(false);
        var text = new PrometheusText();

        text.Family("edgesentinel_ingest_received_total", "counter", "Messages received by this instance, by topic kind.");
        foreach (var (kind, count) in metrics.Received.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Sample("edgesentinel_ingest_received_total", count, ("kind", kind));
        }

        text.Family("edgesentinel_ingest_stored_total", "counter", "Messages stored by this instance, by topic kind.");
        foreach (var (kind, count) in metrics.Stored.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Sample("edgesentinel_ingest_stored_total", count, ("kind", kind));
        }

        text.Family("edgesentinel_ingest_duplicates_total", "counter", "Redelivered messages already stored (acknowledged, not stored again), by topic kind.");
        foreach (var (kind, count) in metrics.Duplicates.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Sample("edgesentinel_ingest_duplicates_total", count, ("kind", kind));
        }

        text.Family("edgesentinel_ingest_rejected_total", "counter", "Messages rejected by this instance, by reason.");
        foreach (var (reason, count) in metrics.Rejected.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Sample("edgesentinel_ingest_rejected_total", count, ("reason", reason));
        }

        text.Family("edgesentinel_ingest_store_failures_total", "counter", "Messages this instance could not store (left unacknowledged).")
            .Sample("edgesentinel_ingest_store_failures_total", metrics.StoreFailures);
        text.Family("edgesentinel_ingest_reconnects_total", "counter", "Reconnects of this instance's ingest to the broker (lost link, unanswered ping, store failure).")
            .Sample("edgesentinel_ingest_reconnects_total", metrics.Reconnects);
        text.Family("edgesentinel_ingest_held_back_recycles_total", "counter", "Connections this instance replaced because the broker held deliveries back while the ingest was idle (each also counts as a reconnect).")
            .Sample("edgesentinel_ingest_held_back_recycles_total", metrics.HeldBackRecycles);
        text.Family("edgesentinel_ingest_stage_seconds_total", "counter", "Time this instance's ingest spent per stage: verify, store (group commits), acknowledge, read-paused (receive window full).");
        foreach (var (stage, seconds) in metrics.StageSeconds.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Sample("edgesentinel_ingest_stage_seconds_total", seconds, ("stage", stage));
        }

        text.Family("edgesentinel_ingest_stored_per_second", "gauge", "Messages stored per second over the last minute.")
            .Sample("edgesentinel_ingest_stored_per_second", metrics.StoredPerSecond);
        var lag = metrics.Lag;
        text.Family("edgesentinel_ingest_lag_seconds", "summary", "Receive time minus device timestamp of stored messages.")
            .Sample("edgesentinel_ingest_lag_seconds_sum", lag.Sum)
            .Sample("edgesentinel_ingest_lag_seconds_count", lag.Count);
        text.Family("edgesentinel_ingest_lag_last_seconds", "gauge", "Lag of the last stored message.")
            .Sample("edgesentinel_ingest_lag_last_seconds", lag.Last);
        text.Family("edgesentinel_ingest_lag_max_seconds", "gauge", "Largest lag of a stored message since start.")
            .Sample("edgesentinel_ingest_lag_max_seconds", lag.Max);

        text.Family("edgesentinel_rejections_stored", "gauge", "Rejections recorded in the store (all instances), by reason.");
        foreach (var (reason, count) in rejections.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Sample("edgesentinel_rejections_stored", count, ("reason", reason));
        }

        text.Family("edgesentinel_devices", "gauge", "Devices by judged liveness.");
        foreach (var liveness in Enum.GetValues<DeviceLiveness>())
        {
            text.Sample("edgesentinel_devices", devices.Count(d => d.Liveness == liveness), ("liveness", liveness.ToString().ToLowerInvariant()));
        }

        text.Family("edgesentinel_device_outbox_depth", "gauge", "Entries waiting in a device's outbox, as last reported.");
        foreach (var d in devices)
        {
            text.Sample("edgesentinel_device_outbox_depth", d.Device.OutboxDepth, ("fleet", d.Device.Fleet), ("device", d.Device.Device));
        }

        text.Family("edgesentinel_device_dropped_fingerprints", "gauge", "Fingerprint summaries a device dropped from its outbox, as last reported.");
        foreach (var d in devices)
        {
            text.Sample("edgesentinel_device_dropped_fingerprints", d.Device.DroppedFingerprints, ("fleet", d.Device.Fleet), ("device", d.Device.Device));
        }

        text.Family("edgesentinel_device_outbox_fault", "gauge", "1 when a device reported that it cannot write its outbox (e.g. disk full), else 0.");
        foreach (var d in devices)
        {
            text.Sample("edgesentinel_device_outbox_fault", d.Device.OutboxFault is null ? 0 : 1, ("fleet", d.Device.Fleet), ("device", d.Device.Device));
        }

        text.Family("edgesentinel_device_last_seen_age_seconds", "gauge", "Seconds since a device was last heard from.");
        foreach (var d in devices.Where(d => d.SilentFor is not null))
        {
            text.Sample("edgesentinel_device_last_seen_age_seconds", d.SilentFor!.Value.TotalSeconds, ("fleet", d.Device.Fleet), ("device", d.Device.Device));
        }

        text.Family("edgesentinel_alerts_open", "gauge", "Alerts not cleared, by severity.");
        foreach (var severity in Enum.GetValues<AlertSeverity>())
        {
            var name = AlertSeverities.ToWireName(severity);
            text.Sample("edgesentinel_alerts_open", open.Where(a => a.Severity == name).Sum(a => a.Count), ("severity", name));
        }

        return Results.Text(text.ToString(), PrometheusText.ContentType);
    }

    private static async Task<IResult> DevicesAsync(HttpRequest request, FleetView fleet, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var fleetName = OptionalName(request, "fleet", problems);
        if (problems.Count > 0)
        {
            return BadRequest(problems);
        }

        return Results.Ok(await fleet.GetDevicesAsync(fleetName, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<IResult> DeviceAsync(string fleet, string device, FleetView view, IAggregatorStore store, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        CheckName(fleet, "fleet", problems);
        CheckName(device, "device", problems);
        if (problems.Count > 0)
        {
            return BadRequest(problems);
        }

        var found = await view.GetDeviceAsync(fleet, device, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            return NotFound($"no device {fleet}/{device} is known");
        }

        var alerts = await store.QueryAlertsAsync(new AlertQuery { Fleet = fleet, Device = device, Limit = 100 }, cancellationToken).ConfigureAwait(false);
        return Results.Ok(new { device = found, recentAlerts = alerts.Select(View) });
    }

    private static async Task<IResult> AlertsAsync(HttpRequest request, IAggregatorStore store, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var query = new AlertQuery
        {
            Fleet = OptionalName(request, "fleet", problems),
            Device = OptionalName(request, "device", problems),
            Kind = OptionalWireName(request, "kind", problems, v => AlertKinds.TryParse(v, out _), "input-drift, behavior-divergence, activation-anomaly, cue-sensitivity, canary-mismatch, model-identity, runtime-health"),
            Severity = OptionalWireName(request, "severity", problems, v => AlertSeverities.TryParse(v, out _), "info, warning, critical"),
            State = OptionalWireName(request, "state", problems, v => v is "open" or "acknowledged" || AlertStates.TryParse(v, out _), "raised, escalated, cleared, open, acknowledged"),
            Limit = OptionalInt(request, "limit", 1, MaxAlertLimit, 1000, problems),
        };
        if (problems.Count > 0)
        {
            return BadRequest(problems);
        }

        var alerts = await store.QueryAlertsAsync(query, cancellationToken).ConfigureAwait(false);
        return Results.Ok(alerts.Select(View));
    }

    private static async Task<IResult> AlertAsync(string id, IAggregatorStore store, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        CheckName(id, "id", problems);
        if (problems.Count > 0)
        {
            return BadRequest(problems);
        }

        var alert = await store.GetAlertAsync(id, cancellationToken).ConfigureAwait(false);
        if (alert is null)
        {
            return NotFound($"no alert has id '{id}'");
        }

        var history = await store.GetAlertHistoryAsync(id, cancellationToken).ConfigureAwait(false);
        return Results.Ok(new { alert = View(alert), history });
    }

    private static async Task<IResult> AcknowledgeAsync(string id, HttpRequest request, IAggregatorStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        CheckName(id, "id", problems);
        string? by = null;
        try
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("by", out var byElement) || byElement.ValueKind != JsonValueKind.String)
            {
                problems.Add("body: must be a JSON object with a string property \"by\" naming who acknowledges, e.g. {\"by\":\"alice\"}");
            }
            else
            {
                by = byElement.GetString();
                CheckName(by, "by", problems);
            }
        }
        catch (JsonException e)
        {
            problems.Add($"body: not valid JSON ({e.Message})");
        }

        if (problems.Count > 0)
        {
            return BadRequest(problems);
        }

        var outcome = await store.AcknowledgeAlertAsync(id, by!, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        var alert = await store.GetAlertAsync(id, cancellationToken).ConfigureAwait(false);
        return outcome switch
        {
            AcknowledgeOutcome.NotFound => NotFound($"no alert has id '{id}'"),
            AcknowledgeOutcome.AlreadyAcknowledged => Results.Problem(
                title: "already acknowledged",
                detail: string.Create(CultureInfo.InvariantCulture, $"alert '{id}' was acknowledged by {alert!.AcknowledgedBy} at {alert.AcknowledgedAt:O}; the first acknowledgement stands"),
                statusCode: StatusCodes.Status409Conflict),
            _ => Results.Ok(View(alert!)),
        };
    }

    private static async Task<IResult> FingerprintsAsync(string fleet, string device, HttpRequest request, FleetView view, TimeProvider time, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        CheckName(fleet, "fleet", problems);
        CheckName(device, "device", problems);
        var channel = request.Query["channel"].ToString();
        if (string.IsNullOrWhiteSpace(channel))
        {
            problems.Add("channel: required, the channel name, e.g. channel=input.x");
        }

        var (from, to) = TimeRange(request, time, problems);
        var bucketSeconds = OptionalInt(request, "bucketSeconds", 1, 31 * 24 * 3600, 0, problems);
        if (problems.Count > 0)
        {
            return BadRequest(problems);
        }

        if (await view.GetDeviceAsync(fleet, device, cancellationToken).ConfigureAwait(false) is null)
        {
            return NotFound($"no device {fleet}/{device} is known");
        }

        try
        {
            var points = await view.GetTimelineAsync(fleet, device, channel, from, to, bucketSeconds > 0 ? TimeSpan.FromSeconds(bucketSeconds) : null, cancellationToken).ConfigureAwait(false);
            return Results.Ok(new { fleet, device, channel, from, to, points });
        }
        catch (KeyNotFoundException e)
        {
            return BadRequest([$"channel: {e.Message}"]);
        }
    }

    private static async Task<IResult> FleetFingerprintsAsync(string fleet, HttpRequest request, FleetView view, TimeProvider time, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        CheckName(fleet, "fleet", problems);
        var channel = request.Query["channel"].ToString();
        if (string.IsNullOrWhiteSpace(channel))
        {
            problems.Add("channel: required, the channel name, e.g. channel=input.x");
        }

        var model = request.Query["model"].ToString();
        if (string.IsNullOrWhiteSpace(model))
        {
            problems.Add("model: required, the model hash whose devices are merged");
        }

        var (from, to) = TimeRange(request, time, problems);
        var bucketSeconds = OptionalInt(request, "bucketSeconds", 1, 31 * 24 * 3600, 3600, problems);
        if (problems.Count > 0)
        {
            return BadRequest(problems);
        }

        try
        {
            var points = await view.GetFleetTimelineAsync(fleet, model, channel, from, to, TimeSpan.FromSeconds(bucketSeconds), cancellationToken).ConfigureAwait(false);
            return Results.Ok(new { fleet, model, channel, from, to, bucketSeconds, points });
        }
        catch (KeyNotFoundException e)
        {
            return BadRequest([$"channel: {e.Message}"]);
        }
    }

    private static async Task<IResult> SummaryAsync(string fleet, HttpRequest request, FleetView view, TimeProvider time, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        CheckName(fleet, "fleet", problems);
        var (from, to) = TimeRange(request, time, problems);
        if (problems.Count > 0)
        {
            return BadRequest(problems);
        }

        return Results.Ok(await view.GetSummaryAsync(fleet, from, to, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>An alert as JSON, its evidence embedded as an object rather than a string.</summary>
    private static object View(StoredAlert a) => new
    {
        a.Id,
        a.Fleet,
        a.Device,
        a.ModelHash,
        a.Kind,
        a.Subject,
        a.Severity,
        a.State,
        a.IsOpen,
        a.FirstSample,
        a.LastSample,
        Evidence = ParseEvidence(a.EvidenceJson),
        a.RaisedAt,
        a.UpdatedAt,
        a.AcknowledgedBy,
        a.AcknowledgedAt,
    };

    private static object ParseEvidence(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return json; // stored before validation existed: shown as text rather than failing the request
        }
    }

    private static (DateTimeOffset From, DateTimeOffset To) TimeRange(HttpRequest request, TimeProvider time, List<string> problems)
    {
        var to = OptionalTime(request, "to", problems) ?? time.GetUtcNow();
        var from = OptionalTime(request, "from", problems) ?? to - DefaultRange;
        if (from >= to)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"from: {from:O} must be before to ({to:O})"));
        }

        return (from, to);
    }

    private static DateTimeOffset? OptionalTime(HttpRequest request, string name, List<string> problems)
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

    private static int OptionalInt(HttpRequest request, string name, int min, int max, int fallback, List<string> problems)
    {
        var raw = request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return fallback;
        }

        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: '{Clip(raw)}' must be an integer in {min}..{max}"));
        return fallback;
    }

    private static string? OptionalName(HttpRequest request, string name, List<string> problems)
    {
        if (!request.Query.TryGetValue(name, out var values))
        {
            return null;
        }

        var value = values.ToString();
        CheckName(value, name, problems);
        return value;
    }

    private static string? OptionalWireName(HttpRequest request, string name, List<string> problems, Func<string, bool> isValid, string allowed)
    {
        if (!request.Query.TryGetValue(name, out var values))
        {
            return null;
        }

        var value = values.ToString();
        if (!isValid(value))
        {
            problems.Add($"{name}: '{Clip(value)}' is not one of {allowed}");
        }

        return value;
    }

    private static void CheckName(string? value, string name, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add($"{name}: must not be empty");
        }
        else if (value.Length > MaxNameLength)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: {value.Length} characters, at most {MaxNameLength}"));
        }
        else if (value.Any(char.IsControl))
        {
            problems.Add($"{name}: contains control characters");
        }
    }

    private static string Clip(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static IResult BadRequest(IReadOnlyList<string> problems) =>
        Results.Problem(title: "bad request", detail: string.Join("; ", problems), statusCode: StatusCodes.Status400BadRequest);

    private static IResult NotFound(string detail) =>
        Results.Problem(title: "not found", detail: detail, statusCode: StatusCodes.Status404NotFound);
}
