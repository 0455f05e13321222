using System.Data.Common;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Storage;

/// <summary><see cref="IAggregatorStore.CountOpenAlertsAsync"/>, run against every store implementation.</summary>
public abstract class OpenAlertCountTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);

    // Expected groups worked out by hand from Fill: a4 and a9 are cleared (not counted); a2 and a5 are acknowledged;
    // device "B" sorts before "a" (ordinal), "critical" before "warning".
    private static readonly OpenAlertCount[] ExpectedAll =
    [
        new("f1", "B", "model-b", "warning", "input-drift", 1, 0),
        new("f1", "a", "model-a", "info", "behavior", 1, 1),
        new("f1", "d1", "model-a", "critical", "input-drift", 1, 1),
        new("f1", "d1", "model-a", "warning", "input-drift", 2, 1),
        new("f1", "d1", "model-b", "warning", "input-drift", 1, 1),
        new("f2", "d1", "model-a", "warning", "input-drift", 1, 1),
    ];

    private IAggregatorStore? _store;

    protected FakeTimeProvider Time { get; } = new(T0);

    /// <summary>Opens the store on the test's own database.</summary>
    protected abstract Task<IAggregatorStore> OpenStoreAsync();

    /// <summary>Opens a raw connection to the same database.</summary>
    protected abstract Task<DbConnection> OpenRawAsync();

    /// <summary>The query plan of a SELECT, one line per step.</summary>
    protected abstract Task<string> ExplainAsync(DbConnection connection, string query);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    private async Task<IAggregatorStore> FilledAsync()
    {
        _store = await OpenStoreAsync();
        var sequence = 0L;
        async Task Put(string fleet, string device, string id, string state = "raised", string severity = "warning", string kind = "input-drift", string model = "model-a") =>
            await _store.StoreAlertAsync(
                new MessageKey(fleet, device, ++sequence),
                T0,
                new StoredAlert(id, fleet, device, model, kind, "inputs", severity, state, 100, 355, "{}", T0, T0.AddSeconds(sequence)));

        await Put("f1", "d1", "a1");
        await Put("f1", "d1", "a2", state: "escalated");
        await Put("f1", "d1", "a3", severity: "critical");
        await Put("f1", "d1", "a4", state: "cleared", kind: "output-drift");
        await Put("f1", "B", "a5", model: "model-b");
        await Put("f1", "a", "a6", severity: "info", kind: "behavior");
        await Put("f2", "d1", "a7");
        await Put("f1", "d1", "a8", model: "model-b");
        await Put("f1", "d1", "a9", severity: "critical", kind: "output-drift");
        await Put("f1", "d1", "a9", state: "cleared", severity: "critical", kind: "output-drift");
        Assert.Equal(AcknowledgeOutcome.Acknowledged, await _store.AcknowledgeAlertAsync("a2", "alice", T0));
        Assert.Equal(AcknowledgeOutcome.Acknowledged, await _store.AcknowledgeAlertAsync("a5", "bob", T0));
        return _store;
    }

    [Fact]
    public async Task CountOpenAlerts_GroupsOpenAlertsPerDeviceModelSeverityKind_AckedCountedButNotUnacknowledged()
    {
        var store = await FilledAsync();

        Assert.Equal(ExpectedAll, await store.CountOpenAlertsAsync());
        Assert.Equal(ExpectedAll.Where(c => c.Fleet == "f2"), await store.CountOpenAlertsAsync("f2"));
        Assert.Equal(ExpectedAll.Where(c => c.Fleet == "f1" && c.Device == "d1"), await store.CountOpenAlertsAsync("f1", "d1"));
        Assert.Empty(await store.CountOpenAlertsAsync("f3"));
    }

    [Fact]
    public async Task CountOpenAlerts_AgreesWithCountingTheOpenAlertRows()
    {
        var store = await FilledAsync();
        var rows = await store.QueryAlertsAsync(new AlertQuery { State = "open", Limit = int.MaxValue });

        Assert.Equal(7, rows.Count); // a1..a9 less the cleared a4 and a9
        Assert.Equal(rows.Count, (await store.CountOpenAlertsAsync()).Sum(c => c.Count));
        Assert.Equal(OpenAlertCount.Tally(rows), await store.CountOpenAlertsAsync());
    }

    [Fact]
    public async Task CountOpenAlerts_DefaultImplementationOfAWrappingStore_GivesTheSameGroups()
    {
        var store = await FilledAsync();
        IAggregatorStore wrapper = new RecordingStore(store);

        Assert.Equal(ExpectedAll, await wrapper.CountOpenAlertsAsync());
        Assert.Equal(ExpectedAll.Where(c => c.Device == "B"), await wrapper.CountOpenAlertsAsync("f1", "B"));
    }

    [Fact]
    public async Task CountOpenAlerts_QueryCanBeAnsweredFromThePartialIndex()
    {
        await FilledAsync();
        await using var connection = await OpenRawAsync();
        var plan = await ExplainAsync(
            connection,
            "SELECT fleet, device, model_hash, severity, kind, COUNT(*), SUM(CASE WHEN acknowledged_at_ms IS NULL THEN 1 ELSE 0 END) FROM alerts WHERE state <> 'cleared' AND fleet = 'f1' GROUP BY fleet, device, model_hash, severity, kind");

        Assert.Contains("ix_alerts_open_counts", plan, StringComparison.Ordinal);
    }
}

public sealed class SqliteOpenAlertCountTests : OpenAlertCountTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override Task<IAggregatorStore> OpenStoreAsync() => _database.OpenStoreAsync(Time);

    protected override Task<DbConnection> OpenRawAsync() => _database.OpenRawAsync();

    protected override Task<string> ExplainAsync(DbConnection connection, string query) => QueryPlans.SqliteAsync(connection, query);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Delete();
    }
}

[Collection(PostgresServerGroup.Name)]
public sealed class PostgresOpenAlertCountTests(PostgresServer server) : OpenAlertCountTests
{
    private readonly PostgresTestDatabase _database = new(server);

    public override Task InitializeAsync() => _database.CreateAsync();

    protected override Task<IAggregatorStore> OpenStoreAsync() => _database.OpenStoreAsync(Time);

    protected override Task<DbConnection> OpenRawAsync() => _database.OpenRawAsync();

    protected override Task<string> ExplainAsync(DbConnection connection, string query) => QueryPlans.PostgresAsync(connection, query);
}
