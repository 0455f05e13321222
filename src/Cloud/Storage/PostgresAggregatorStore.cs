using System.Data.Common;
using Npgsql;

namespace EdgeSentinel.Cloud.Storage;

/// <summary>The shared store for many aggregator instances: PostgreSQL through an <see cref="NpgsqlDataSource"/>.</summary>
internal sealed class PostgresAggregatorStore : SqlAggregatorStore
{
    /// <summary>Advisory lock key serializing concurrent migrators ("ES" + "MIGR").</summary>
    private const long MigrationLockKey = 0x4553_4D49_4752;

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;

    private PostgresAggregatorStore(NpgsqlDataSource dataSource, bool ownsDataSource, TimeProvider timeProvider)
        : base(timeProvider)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
    }

    protected override string BlobType => "BYTEA";

    /// <summary>Many: each statement is a round trip to the server.</summary>
    protected override int BatchRowsPerStatement => SqlBatchWriter.MaxRowsPerStatement;

    public static async Task<PostgresAggregatorStore> OpenAsync(NpgsqlDataSource dataSource, bool ownsDataSource, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var store = new PostgresAggregatorStore(dataSource, ownsDataSource, timeProvider);
        try
        {
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", cancellationToken, ("key", MigrationLockKey));

    public override async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }
}
