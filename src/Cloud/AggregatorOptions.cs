using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cloud;

/// <summary>Everything one aggregator instance needs: store, broker, HTTP address and fleet view settings.</summary>
public sealed class AggregatorOptions
{
    /// <summary>PostgreSQL connection string; when null the embedded SQLite store (<see cref="Sqlite"/>) is used.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>The embedded SQLite store's options (used when no PostgreSQL connection string is given).</summary>
    public SqliteStoreOptions Sqlite { get; set; } = new();

    /// <summary>The MQTT broker to ingest from.</summary>
    public MqttIngestOptions Mqtt { get; set; } = new();

    /// <summary>Address the HTTP API listens on. Default: "http://127.0.0.1:8080".</summary>
    public string HttpUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>The bearer token the HTTP API requires for anything that changes state (e.g. acknowledging); null makes the API read-only. Default: null.</summary>
    public string? ApiToken { get; set; }

    /// <summary>Liveness and fleet outlier settings.</summary>
    public FleetViewOptions Fleet { get; set; } = new();

    /// <summary>Every problem, each with its path (e.g. "Mqtt.Port: ..."); empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (PostgresConnectionString is not null && string.IsNullOrWhiteSpace(PostgresConnectionString))
        {
            problems.Add("PostgresConnectionString: must not be blank (null selects SQLite)");
        }

        if (PostgresConnectionString is null)
        {
            AddAll(problems, "Sqlite", Sqlite?.Validate());
        }

        AddAll(problems, "Mqtt", Mqtt?.Validate());
        AddAll(problems, "Fleet", Fleet?.Validate());
        if (!Uri.TryCreate(HttpUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add($"HttpUrl: '{HttpUrl}' must be an absolute http:// or https:// URL");
        }

        if (ApiToken is not null && Api.ApiTokenGate.Problem(ApiToken) is { } tokenProblem)
        {
            problems.Add($"ApiToken: {tokenProblem}");
        }

        return problems;
    }

    private static void AddAll(List<string> problems, string section, IReadOnlyList<string>? found)
    {
        if (found is null)
        {
            problems.Add($"{section}: required");
            return;
        }

        problems.AddRange(found.Select(p => $"{section}.{p}"));
    }
}
