using System.Data.Common;
using EdgeSentinel.Cloud.Storage;
using Npgsql;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>A SQLite store file in a temporary folder of its own, deleted with it.</summary>
public sealed class SqliteTestDatabase
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-sqlite-" + Guid.NewGuid().ToString("N")[..12]);

    public string DatabasePath => Path.Combine(_folder, "store.db");

    public Task<IAggregatorStore> OpenStoreAsync(TimeProvider time)
    {
        Directory.CreateDirectory(_folder);
        return AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = DatabasePath }, time);
    }

    /// <summary>A connection of its own to the same file, outside the store.</summary>
    public async Task<DbConnection> OpenRawAsync()
    {
        var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Deletes the folder and the database in it.</summary>
    public void Delete()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}

/// <summary>A database of its own on the test run's PostgreSQL server.</summary>
public sealed class PostgresTestDatabase(PostgresServer server)
{
    private string? _connectionString;

    public async Task CreateAsync() => _connectionString = await server.CreateDatabaseAsync();

    public Task<IAggregatorStore> OpenStoreAsync(TimeProvider time) => AggregatorStores.OpenPostgresAsync(_connectionString!, time);

    /// <summary>A connection of its own to the same database, outside the store.</summary>
    public async Task<DbConnection> OpenRawAsync()
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        return connection;
    }
}
