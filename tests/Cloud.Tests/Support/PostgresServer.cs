using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL cluster: initdb into a temp folder, started on a free loopback port, stopped
/// and deleted at the end. Fails (never skips) when the PostgreSQL binaries are missing.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string _root = "";
    private string _binaries = "";
    private int _databaseCounter;

    public int Port { get; private set; }

    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    public async Task InitializeAsync()
    {
        _binaries = FindBinaries();
        _root = Path.Combine(Path.GetTempPath(), "es-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var data = Path.Combine(_root, "data");
        Directory.CreateDirectory(data);
        Port = FreePort();
        await RunAsync("chown", $"-R postgres:postgres {_root}");
        await RunAsPostgresAsync($"{_binaries}/initdb -D {data} -A trust -U postgres --no-sync");
        await RunAsPostgresAsync($"{_binaries}/pg_ctl -D {data} -o '-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off' -l {_root}/log -w start");
    }

    /// <summary>Creates a fresh, empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t" + Interlocked.Increment(ref _databaseCounter) + "_" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE {name}";
        await command.ExecuteNonQueryAsync();
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name}";
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_root.Length == 0)
        {
            return;
        }

        try
        {
            await RunAsPostgresAsync($"{_binaries}/pg_ctl -D {_root}/data -m immediate -w stop");
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static string FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        var candidates = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).Order(StringComparer.Ordinal).ToList()
            : [];
        if (candidates.Count == 0)
        {
            throw new InvalidOperationException(
                "PostgreSQL binaries not found: no /usr/lib/postgresql/*/bin/initdb. Install them with `apt-get install -y postgresql` (CI: add it to .ci/run).");
        }

        return candidates[^1];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task RunAsPostgresAsync(string command) => RunAsync("su", $"postgres -c \"{command}\"");

    private static async Task RunAsync(string file, string arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{file} {arguments}` exited with {process.ExitCode}: {await stderr} {await stdout}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresServerGroup : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
