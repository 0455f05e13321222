using System.Data.Common;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Storage;

/// <summary><see cref="IAggregatorStore.QueryAlertsAsync"/>'s filters, and the plans that serve them (migration 7; SQLite's broad terms), against every store implementation.</summary>
public abstract class AlertListTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 3, 0, 0, TimeSpan.Zero);
    private static readonly string[] Kinds = ["input-drift", "behavior-divergence", "activation-anomaly"];
    private static readonly string[] Severities = ["warning", "critical", "info"];
    private static readonly string[] States = ["raised", "escalated", "cleared", "cleared"];

    private IAggregatorStore? _store;

    protected FakeTimeProvider Time { get; } = new(T0);

    /// <summary>Opens the store on the test's own database.</summary>
    protected abstract Task<IAggregatorStore> OpenStoreAsync();

    /// <summary>Opens a raw connection to the same database.</summary>
    protected abstract Task<DbConnection> OpenRawAsync();

    /// <summary>The query plan of a SELECT, one line per step.</summary>
    protected abstract Task<string> ExplainAsync(DbConnection connection, string query, IEnumerable<(string Name, object? Value)> parameters);

    /// <summary>The plan of the very SELECT the store runs for <paramref name="query"/>.</summary>
    protected async Task<string> PlanAsync(AlertQuery query)
    {
        var (sql, parameters) = ((SqlAggregatorStore)_store!).AlertListCommand(query);
        await using var connection = await OpenRawAsync();
        return await ExplainAsync(connection, sql, parameters);
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    /// <summary>Opens the store, empty (its schema migrated).</summary>
    protected async Task OpenedAsync() => _store = await OpenStoreAsync();

    /// <summary>
    /// 60 alerts of two devices, kind, severity and state cycling at different periods; their update times a seeded
    /// permutation of 0..59 s, so that recency is not the order they were stored in, with alerts 10 and 11 and alerts 20
    /// and 21 given the same update time (the list then orders them by id).
    /// </summary>
    private async Task<(IAggregatorStore Store, List<StoredAlert> Alerts)> FilledAsync()
    {
        _store = await OpenStoreAsync();
        var seconds = Enumerable.Range(0, 60).ToArray();
        new Random(25).Shuffle(seconds);
        seconds[11] = seconds[10];
        seconds[21] = seconds[20];
        var alerts = new List<StoredAlert>();
        for (var i = 0; i < 60; i++)
        {
            var device = i % 2 == 0 ? "d1" : "d2";
            var alert = new StoredAlert($"k{i:000}", "f1", device, "model-a", Kinds[i % 3], "inputs", Severities[i % 5 % 3], States[i % 4], 1, 2, "{}", T0, T0.AddSeconds(seconds[i]));
            await _store.StoreAlertAsync(new MessageKey("f1", device, i + 1), T0, alert);
            alerts.Add(alert);
        }

        return (_store, alerts);
    }

    [Fact]
    public async Task QueryAlerts_EachFilter_NewestUpdateFirstThenId_AsFilteringEveryAlertWould()
    {
        var (store, alerts) = await FilledAsync();
        (AlertQuery Query, Func<StoredAlert, bool> Keep)[] cases =
        [
            (new AlertQuery { Kind = "input-drift", Limit = 5 }, a => a.Kind == "input-drift"),
            (new AlertQuery { Kind = "input-drift", Limit = 1000 }, a => a.Kind == "input-drift"),
            (new AlertQuery { Kind = "behavior-divergence", Severity = "critical", Limit = 3 }, a => a.Kind == "behavior-divergence" && a.Severity == "critical"),
            (new AlertQuery { Kind = "activation-anomaly", State = "open", Limit = 1000 }, a => a.Kind == "activation-anomaly" && a.State != "cleared"),
            (new AlertQuery { Kind = "activation-anomaly", State = "cleared", Limit = 4 }, a => a.Kind == "activation-anomaly" && a.State == "cleared"),
            (new AlertQuery { Fleet = "f1", Device = "d2", Kind = "input-drift", Limit = 1000 }, a => a.Device == "d2" && a.Kind == "input-drift"),
            (new AlertQuery { Kind = "canary-mismatch", Limit = 10 }, _ => false),
            (new AlertQuery { Fleet = "f1", Limit = 7 }, _ => true),
            (new AlertQuery { Fleet = "f2", Limit = 7 }, _ => false),
            (new AlertQuery { Severity = "critical", Limit = 1000 }, a => a.Severity == "critical"),
            (new AlertQuery { State = "escalated", Limit = 6 }, a => a.State == "escalated"),
            (new AlertQuery { Fleet = "f1", Severity = "info", State = "raised", Limit = 1000 }, a => a.Severity == "info" && a.State == "raised"),
            (new AlertQuery { Fleet = "f1", Device = "d1", Limit = 9 }, a => a.Device == "d1"),
            (new AlertQuery { Limit = 8 }, _ => true),
        ];

        foreach (var (query, keep) in cases)
        {
            var expected = alerts.Where(keep).OrderByDescending(a => a.UpdatedAt).ThenBy(a => a.Id, StringComparer.Ordinal).Take(query.Limit).Select(a => a.Id).ToList();
            var actual = (await store.QueryAlertsAsync(query)).Select(a => a.Id).ToList();
            Assert.True(expected.SequenceEqual(actual), $"{query}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
        }
    }

    [Fact]
    public async Task QueryAlerts_FilteredByKind_ReadsTheKindIndexInUpdateOrder()
    {
        await FilledAsync();
        var plan = await PlanAsync(new AlertQuery { Kind = "input-drift", Limit = 100 });

        Assert.Contains("ix_alerts_kind_updated", plan, StringComparison.Ordinal);
        AssertNotSortedWhole(plan);
    }

    /// <summary>The database reads the kind's rows in update order rather than reading them all to sort them (SQLite: at most rows of the same update time are sorted among themselves).</summary>
    protected abstract void AssertNotSortedWhole(string plan);
}

public sealed class SqliteAlertListTests : AlertListTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override Task<IAggregatorStore> OpenStoreAsync() => _database.OpenStoreAsync(Time);

    protected override Task<DbConnection> OpenRawAsync() => _database.OpenRawAsync();

    protected override Task<string> ExplainAsync(DbConnection connection, string query, IEnumerable<(string Name, object? Value)> parameters) => QueryPlans.SqliteAsync(connection, query, parameters);

    // "USE TEMP B-TREE FOR LAST TERM OF ORDER BY" (ties of updated_at_ms ordered by id) is what the index leaves to do.
    protected override void AssertNotSortedWhole(string plan) => Assert.DoesNotContain("USE TEMP B-TREE FOR ORDER BY", plan, StringComparison.Ordinal);

    /// <summary>
    /// Without a device, the fleet's equality would pick the device index and sort every alert of the fleet; a severity or
    /// state has no index and sorted the table. Written as broad terms they read the recency index newest first instead.
    /// </summary>
    [Theory]
    [InlineData("f1", null, null)]
    [InlineData(null, "critical", null)]
    [InlineData(null, null, "raised")]
    [InlineData("f1", "warning", "cleared")]
    public async Task QueryAlerts_FleetSeverityOrStateWithoutDeviceOrKind_ReadsTheRecencyIndexInOrder(string? fleet, string? severity, string? state)
    {
        await OpenedAsync(); // the schema only: SQLite plans without statistics
        var plan = await PlanAsync(new AlertQuery { Fleet = fleet, Severity = severity, State = state, Limit = 100 });

        Assert.Contains("ix_alerts_updated", plan, StringComparison.Ordinal);
        AssertNotSortedWhole(plan);
    }

    /// <summary>With a device the fleet's term stays as it is: the device index narrows the list to that device's alerts.</summary>
    [Fact]
    public async Task QueryAlerts_Device_ReadsTheDeviceIndex()
    {
        await OpenedAsync();
        Assert.Contains("ix_alerts_device", await PlanAsync(new AlertQuery { Fleet = "f1", Device = "d1", Limit = 100 }), StringComparison.Ordinal);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Delete();
    }
}

[Collection(PostgresServerGroup.Name)]
public sealed class PostgresAlertListTests(PostgresServer server) : AlertListTests
{
    private readonly PostgresTestDatabase _database = new(server);

    public override Task InitializeAsync() => _database.CreateAsync();

    protected override Task<IAggregatorStore> OpenStoreAsync() => _database.OpenStoreAsync(Time);

    protected override Task<DbConnection> OpenRawAsync() => _database.OpenRawAsync();

    protected override Task<string> ExplainAsync(DbConnection connection, string query, IEnumerable<(string Name, object? Value)> parameters) => QueryPlans.PostgresAsync(connection, query, parameters);

    // The kind's entries read newest first. On these 60 rows (one estimated) the planner still puts a Sort for the id
    // tie-break on top; on a large table it can sort only the ties (Incremental Sort), which the index makes possible.
    protected override void AssertNotSortedWhole(string plan) => Assert.Contains("Index Scan Backward using ix_alerts_kind_updated", plan, StringComparison.Ordinal);
}
