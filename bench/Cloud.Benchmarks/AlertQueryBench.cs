using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using EdgeSentinel.Cloud.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EdgeSentinel.Cloud.Benchmarks;

/// <summary>
/// The alert list (<see cref="IAggregatorStore.QueryAlertsAsync"/>, what <c>GET /api/alerts</c> and the dashboard's alert
/// page read) on a large SQLite store: N alerts of one fleet and 50 devices, kinds skewed as a fleet sees them (80%
/// input drift, 15% behaviour divergence, 4% activation anomaly, 1% model identity), severities warning/critical, 1% of
/// them still open; each filter is timed (median of the repetitions after one warm-up) with the plan SQLite chose. With a
/// PostgreSQL connection string the same alerts go into that (empty) database instead, analyzed after the fill as autovacuum
/// would, and the plans are PostgreSQL's.
/// </summary>
internal static class AlertQueryBench
{
    private static readonly (string Name, AlertQuery Query)[] Filters =
    [
        ("newest 100, no filter", new AlertQuery { Limit = 100 }),
        ("kind common (input-drift)", new AlertQuery { Kind = "input-drift", Limit = 100 }),
        ("kind rare (model-identity)", new AlertQuery { Kind = "model-identity", Limit = 100 }),
        ("kind + severity", new AlertQuery { Kind = "input-drift", Severity = "critical", Limit = 100 }),
        ("kind + state open", new AlertQuery { Kind = "behavior-divergence", State = "open", Limit = 100 }),
        ("severity critical", new AlertQuery { Severity = "critical", Limit = 100 }),
        ("state open", new AlertQuery { State = "open", Limit = 100 }),
        ("device", new AlertQuery { Fleet = "fleet-0", Device = "dev-007", Limit = 100 }),
        ("device + kind", new AlertQuery { Fleet = "fleet-0", Device = "dev-007", Kind = "activation-anomaly", Limit = 100 }),
        ("fleet", new AlertQuery { Fleet = "fleet-0", Limit = 100 }),
        ("dashboard page: kind, limit 500", new AlertQuery { Kind = "input-drift", Limit = 500 }),
        ("fleet with no alerts (worst case)", new AlertQuery { Fleet = "fleet-9", Limit = 100 }),
        ("severity none has (worst case)", new AlertQuery { Severity = "info", Limit = 100 }),
        ("state escalated, none (worst case)", new AlertQuery { State = "escalated", Limit = 100 }),
    ];

    public static async Task RunAsync(int alerts, int repetitions, string? postgres)
    {
        var folder = Directory.CreateTempSubdirectory("es-bench-alert-query-").FullName;
        try
        {
            var path = Path.Combine(folder, "bench.db");
            await using var store = postgres is null
                ? await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = path, DurableCommits = false }, TimeProvider.System)
                : await AggregatorStores.OpenPostgresAsync(postgres, TimeProvider.System);
            if (await store.CountMessagesAsync() != 0)
            {
                throw new InvalidOperationException("alert-query fills the store itself: give it an empty database.");
            }

            var filling = Stopwatch.StartNew();
            await FillAsync(store, alerts);
            await using DbConnection raw = postgres is null ? new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False") : new NpgsqlConnection(postgres);
            await raw.OpenAsync();
            if (postgres is not null)
            {
                await using var analyze = raw.CreateCommand();
                analyze.CommandText = "ANALYZE";
                await analyze.ExecuteNonQueryAsync();
            }

            var version = await store.GetSchemaVersionAsync();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"alert query: {(postgres is null ? "SQLite" : "PostgreSQL")}, {alerts} alerts, 1 fleet, 50 devices, schema version {version} (filled in {filling.Elapsed.TotalSeconds:F1} s); median of {repetitions} after one warm-up"));
            foreach (var (name, query) in Filters)
            {
                var rows = (await store.QueryAlertsAsync(query)).Count;
                var times = new double[repetitions];
                for (var i = 0; i < repetitions; i++)
                {
                    var watch = Stopwatch.StartNew();
                    _ = await store.QueryAlertsAsync(query);
                    times[i] = watch.Elapsed.TotalMilliseconds;
                }

                Array.Sort(times);
                var plan = await PlanAsync(store, raw, query);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-34} {times[repetitions / 2],9:F2} ms  {rows,4} rows  plan: {plan}"));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task FillAsync(IAggregatorStore store, int alerts)
    {
        var random = new Random(12);
        var epoch = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var sequences = new long[50];
        var batch = new List<IncomingMessage>(1000);
        for (var i = 0; i < alerts; i++)
        {
            var device = random.Next(50);
            var sequence = ++sequences[device];
            var roll = random.Next(100);
            var kind = roll < 80 ? "input-drift" : roll < 95 ? "behavior-divergence" : roll < 99 ? "activation-anomaly" : "model-identity";
            var at = epoch.AddSeconds(i);
            var fleet = "fleet-0";
            var name = string.Create(CultureInfo.InvariantCulture, $"dev-{device:000}");
            batch.Add(IncomingMessage.Of(
                new MessageKey(fleet, name, sequence),
                at,
                new StoredAlert(string.Create(CultureInfo.InvariantCulture, $"{name}-{sequence}"), fleet, name, "model-a", kind, "inputs", random.Next(4) == 0 ? "critical" : "warning",
                    random.Next(100) == 0 ? "raised" : "cleared", i, i, """{"statistic":"min-holm-adjusted-p","value":1E-07,"threshold":0.0001}""", at, at)));
            if (batch.Count == batch.Capacity || i == alerts - 1)
            {
                await store.StoreBatchAsync(batch);
                batch.Clear();
            }

            if ((i + 1) % 200_000 == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  stored {i + 1} of {alerts}"));
            }
        }
    }

    /// <summary>The plan of the very SELECT the store runs for the query (its internal <c>AlertListCommand</c>, reached by reflection as the store bench reaches its switches), one step after another.</summary>
    private static async Task<string> PlanAsync(IAggregatorStore store, DbConnection connection, AlertQuery query)
    {
        var method = store.GetType().GetMethod("AlertListCommand", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("The store has no AlertListCommand.");
        var (sql, parameters) = ((string, List<(string Name, object? Value)>))method.Invoke(store, [query])!;
        var sqlite = connection is SqliteConnection;
        await using var command = connection.CreateCommand();
        command.CommandText = (sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        var steps = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            steps.Add((sqlite ? reader.GetString(3) : reader.GetString(0)).Trim());
        }

        return string.Join(" | ", steps);
    }
}
