using Npgsql;

namespace EdgeSentinel.Cloud.Storage;

/// <summary>Where a store lives, as written on a command line: <c>sqlite:PATH</c> or <c>postgres:CONNECTION-STRING</c>.</summary>
/// <param name="IsPostgres">True for PostgreSQL, false for the embedded SQLite file.</param>
/// <param name="Target">The SQLite file path or the PostgreSQL connection string.</param>
public sealed record StoreLocation(bool IsPostgres, string Target)
{
    /// <summary>Parses <c>sqlite:PATH</c> or <c>postgres:CONNECTION-STRING</c>; the error names what is wrong.</summary>
    public static bool TryParse(string? text, out StoreLocation? location, out string? problem)
    {
        location = null;
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        var scheme = colon < 0 ? text : text![..colon];
        var target = colon < 0 ? string.Empty : text![(colon + 1)..];
        if (scheme is not ("sqlite" or "postgres"))
        {
            problem = $"'{text}' must be sqlite:PATH or postgres:CONNECTION-STRING";
            return false;
        }

        if (string.IsNullOrWhiteSpace(target))
        {
            problem = $"'{text}' names no {(scheme == "sqlite" ? "database file" : "connection string")} after '{scheme}:'";
            return false;
        }

        if (scheme == "postgres")
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(target);
            }
            catch (ArgumentException e)
            {
                problem = $"'postgres:…' connection string is invalid: {e.Message}";
                return false;
            }
        }

        location = new StoreLocation(scheme == "postgres", target);
        problem = null;
        return true;
    }

    /// <summary>Sets the store of <paramref name="options"/> to this location.</summary>
    public void ApplyTo(AggregatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (IsPostgres)
        {
            options.PostgresConnectionString = Target;
        }
        else
        {
            options.PostgresConnectionString = null;
            options.Sqlite.Path = Target;
        }
    }

    /// <summary>Opens the store (applying migrations).</summary>
    public Task<IAggregatorStore> OpenAsync(TimeProvider? timeProvider = null, CancellationToken cancellationToken = default) =>
        IsPostgres
            ? AggregatorStores.OpenPostgresAsync(Target, timeProvider, cancellationToken)
            : AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Target }, timeProvider, cancellationToken);

    /// <summary>The location for display: the SQLite path, or the PostgreSQL host, port and database without credentials.</summary>
    public override string ToString()
    {
        if (!IsPostgres)
        {
            return "sqlite:" + Path.GetFullPath(Target);
        }

        var builder = new NpgsqlConnectionStringBuilder(Target);
        return $"postgres:Host={builder.Host};Port={builder.Port};Database={builder.Database}";
    }
}
