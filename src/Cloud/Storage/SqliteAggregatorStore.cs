using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace EdgeSentinel.Cloud.Storage;

/// <summary>The embedded store: one SQLite file in WAL mode, commits synced before they return.</summary>
internal sealed class SqliteAggregatorStore : SqlAggregatorStore
{
    private readonly string _connectionString;
    private readonly string _synchronous;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>The connection batches are written on, held open with its prepared statements (null until the first batch, and after a failed one).</summary>
    private SqliteConnection? _writerConnection;
    private SqliteBatchWriter? _writer;
    private bool _disposed;

    private SqliteAggregatorStore(string connectionString, bool durableCommits, TimeProvider timeProvider)
        : base(timeProvider)
    {
        _connectionString = connectionString;
        _synchronous = durableCommits ? "FULL" : "NORMAL";
    }

    protected override string BlobType => "BLOB";

    /// <summary>Whether batches go through <see cref="SqliteBatchWriter"/> (SQLitePCL.raw, default) or through <see cref="SqlBatchWriter"/> like PostgreSQL (to compare the two).</summary>
    internal bool RawBatchWrites { get; set; } = true;

    /// <summary>Whether the raw batch writer binds, steps and resets straight through the native library (<see cref="SqliteNative"/>, default) or through SQLitePCL.raw's calls (to compare the two); read when the writer connection opens.</summary>
    internal bool NativeBatchCalls { get; set; } = true;

    /// <summary>One, for <see cref="SqlBatchWriter"/> when <see cref="RawBatchWrites"/> is off: Microsoft.Data.Sqlite binds each parameter by name (a linear search), so multi-row statements bind in O(n²); measured slower (bench/Cloud.Benchmarks `store`).</summary>
    protected override int BatchRowsPerStatement => 1;

    /// <summary>
    /// SQLite plans without statistics and takes an equality to match few rows: given an index that starts with the column
    /// (the device index for a fleet) it read every match and sorted it, and without one it sorted the table (1.1 s and
    /// 0.3 s among 1,000,000 alerts: bench/Cloud.Benchmarks alert-query). <c>likelihood(…, 0.9)</c> (SQLite's planner hint;
    /// the term itself is unchanged) says it matches most rows, so the newest are read from the recency index until the limit.
    /// </summary>
    protected override string Broad(string condition) => $"likelihood({condition}, 0.9)";

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

    /// <summary>One batch at a time on the store's own writer connection: BEGIN IMMEDIATE, the raw batch write, COMMIT (synced as configured).</summary>
    /// <remarks>Any failure rolls the transaction back and closes the writer connection; the next batch opens a new one.</remarks>
    protected override async Task<IReadOnlyList<BatchItemOutcome>> WriteBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        if (!RawBatchWrites)
        {
            return await base.WriteBatchAsync(messages, cancellationToken).ConfigureAwait(false);
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                if (_writer is null)
                {
                    _writerConnection = (SqliteConnection)await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                    _writer = SqliteBatchWriter.Prepare(_writerConnection, NativeBatchCalls);
                }

                using var transaction = _writerConnection!.BeginTransaction(deferred: false);
                var outcomes = _writer.Write(messages);
                transaction.Commit();
                return outcomes;
            }
            catch
            {
                CloseWriter();
                throw;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void CloseWriter()
    {
        _writer?.Dispose();
        _writer = null;
        _writerConnection?.Dispose();
        _writerConnection = null;
    }

    protected override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask; // Microsoft.Data.Sqlite begins transactions IMMEDIATE: the write lock is already held.

    public override async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            CloseWriter();
        }
        finally
        {
            _writeLock.Release();
        }

        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
