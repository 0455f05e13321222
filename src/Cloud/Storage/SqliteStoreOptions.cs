namespace EdgeSentinel.Cloud.Storage;

/// <summary>Options of the embedded SQLite store.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Path of the database file (created when missing). Default: "edgesentinel.db".</summary>
    public string Path { get; set; } = "edgesentinel.db";

    /// <summary>Whether each commit is synced to disk before it returns (PRAGMA synchronous=FULL); default true, as messages are acknowledged only after a durable commit.</summary>
    public bool DurableCommits { get; set; } = true;

    /// <summary>How long a writer waits for a lock held by another connection. Default: 30 s.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Every problem, each naming the property; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Path))
        {
            problems.Add("Path: must name a database file");
        }

        if (BusyTimeout <= TimeSpan.Zero || BusyTimeout > TimeSpan.FromHours(1))
        {
            problems.Add($"BusyTimeout: {BusyTimeout} must be in (0, 1 h]");
        }

        return problems;
    }
}
