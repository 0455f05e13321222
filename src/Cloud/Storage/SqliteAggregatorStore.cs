using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace EdgeSentinel.Cloud.Storage;

/// <summary>The embedded store: one SQLite file in WAL mode, commits synced before they return.</summary>
internal sealed class SqliteAggregatorStore : SqlAggregatorStore
{
    private readonly string _connectionString;
    private readonly string _synchronous;

    private SqliteAggregatorStore(string connectionString, bool durableCommits, TimeProvider timeProvider)
        : base(timeProvider)
    {
        _connectionString = connectionString;
        _synchronous = durableCommits ? "FULL" : "NORMAL";
    }

    protected override string BlobType => "BLOB";

    /// <summary>One: Microsoft.Data.Sqlite binds each parameter by name (a linear search), so multi-row statements bind in O(n²); measured slower (bench/Cloud.Benchmarks `store`).</summary>
    protected override int BatchRowsPerStatement => 1;

    public static async Task<SqliteAggregatorStore> OpenAsync(SqliteStoreOptions options, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = options.Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        var store = new SqliteAggregatorStore(builder.ToString(), options.DurableCommits, timeProvider);
        var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL", cancellationToken).ConfigureAwait(false);
        }

        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        return store;
    }

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, null, $"PRAGMA synchronous={_synchronous}", cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask; // Microsoft.Data.Sqlite begins transactions IMMEDIATE: the write lock is already held.

    public override ValueTask DisposeAsync()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
