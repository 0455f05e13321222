using Npgsql;

namespace EdgeSentinel.Cloud.Storage;

/// <summary>Opens an <see cref="IAggregatorStore"/>, applying pending migrations first.</summary>
public static class AggregatorStores
{
    /// <summary>Opens (creating when missing) the embedded SQLite store.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    public static async Task<IAggregatorStore> OpenSqliteAsync(SqliteStoreOptions options, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid SQLite store options: " + string.Join("; ", problems), nameof(options));
        }

        return await SqliteAggregatorStore.OpenAsync(options, timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the PostgreSQL store on a data source the caller keeps owning.</summary>
    public static async Task<IAggregatorStore> OpenPostgresAsync(NpgsqlDataSource dataSource, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return await PostgresAggregatorStore.OpenAsync(dataSource, ownsDataSource: false, timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the PostgreSQL store from a connection string; the store owns (and disposes) its data source.</summary>
    public static async Task<IAggregatorStore> OpenPostgresAsync(string connectionString, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return await PostgresAggregatorStore.OpenAsync(NpgsqlDataSource.Create(connectionString), ownsDataSource: true, timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
    }
}
