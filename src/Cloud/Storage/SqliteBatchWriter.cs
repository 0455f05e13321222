using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace EdgeSentinel.Cloud.Storage;

/// <summary>
/// SQLite's group-commit batch write through SQLitePCL.raw (the provider under Microsoft.Data.Sqlite): the statements of
/// <see cref="SqlBatchWriter"/> (its SQL, one row each) prepared once per connection, bound by index with strings as
/// UTF-8 spans, stepped and reset per row. Same decisions and outcomes as <see cref="SqlBatchWriter"/>.
/// </summary>
/// <remarks>
/// <para>Messages are decided and written one at a time in batch order inside the caller's transaction (which holds
/// SQLite's write lock, so nothing else changes the tables meanwhile), without look-ups on the common path. The message
/// key is inserted with ON CONFLICT DO NOTHING: <c>sqlite3_changes() = 0</c> marks a duplicate (stored before or
/// earlier in the batch). An alert is then upserted only where its row is new or of the same device (newer sequence
/// wins, the creator's immutable columns stay: the same row as the batch writer's one merged row per alert id), and
/// its event inserted. Only when a statement changed nothing is the alert's owner looked up: an id of another device
/// makes the message a conflict, as the batch writer decides it before anything else (a new key is deleted again:
/// nothing stays written for it). The devices are upserted last, once each, in (fleet, device) order, from
/// <see cref="SqlBatchWriter.MergeDevices"/>.</para>
/// <para>Not thread-safe: one batch at a time on its connection. Dispose (finalizing the statements) before the
/// connection is closed.</para>
/// </remarks>
internal sealed class SqliteBatchWriter : IDisposable
{
    /// <summary>SQLITE_PREPARE_PERSISTENT: the statements live as long as the connection.</summary>
    private const uint PreparePersistent = 0x01;

    private readonly sqlite3 _db;
    private readonly nint _dbHandle;
    private readonly List<sqlite3_stmt> _prepared = [];
    private readonly Statement _findOwner;
    private readonly Statement _insertMessage;
    private readonly Statement _deleteMessage;
    private readonly Statement _insertEvent;
    private readonly Statement _upsertAlert;
    private readonly Statement _insertFingerprint;
    private readonly Statement _upsertDeviceSeen;
    private readonly Statement _upsertDeviceStatus;

    private readonly List<IncomingMessage> _stored = [];
    private byte[] _utf8 = new byte[1024];

    private SqliteBatchWriter(SqliteConnection connection, bool nativeCalls)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The SQLite connection is not open.");
        _dbHandle = _db.DangerousGetHandle();
        try
        {
            _findOwner = Prepare("SELECT fleet, device FROM alerts WHERE id = @p0", 1);
            _insertMessage = Prepare(SqlBatchWriter.MessageRows);
            _insertEvent = Prepare(SqlBatchWriter.EventRows);
            _deleteMessage = Prepare("DELETE FROM messages WHERE fleet = @p0 AND device = @p1 AND sequence = @p2", 3);
            _upsertAlert = Prepare(SameDeviceOnly(SqlBatchWriter.AlertRows.Sql(1)), SqlBatchWriter.AlertRows.Columns);
            _insertFingerprint = Prepare(SqlBatchWriter.FingerprintRows);
            _upsertDeviceSeen = Prepare(SqlBatchWriter.DeviceSeenRows);
            _upsertDeviceStatus = Prepare(SqlBatchWriter.DeviceStatusRows);
            NativeCalls = nativeCalls && SqliteNative.IsSameLibrary(_db, _insertMessage.Handle);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Prepares the statements on <paramref name="connection"/> (open; it must outlive the writer); <paramref name="nativeCalls"/> lets it bind, step and reset through <see cref="SqliteNative"/> when that reaches SQLitePCL's library.</summary>
    public static SqliteBatchWriter Prepare(SqliteConnection connection, bool nativeCalls = true)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new SqliteBatchWriter(connection, nativeCalls);
    }

    /// <summary>Whether the per-row calls go straight to the native library (<see cref="SqliteNative"/>) rather than through <see cref="raw"/>.</summary>
    public bool NativeCalls { get; }

    /// <summary>Decides and writes the batch (validated by the caller) inside the connection's open transaction; the caller commits.</summary>
    public BatchItemOutcome[] Write(IReadOnlyList<IncomingMessage> messages)
    {
        _stored.Clear();
        var outcomes = new BatchItemOutcome[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var key = message.Key;
            if (!InsertMessage(message))
            {
                outcomes[i] = message.Alert is { } repeated && OtherOwner(repeated.Id, key) is { } owner ? SqlBatchWriter.Conflict(repeated.Id, owner, key) : new(StoreOutcome.Duplicate, null);
                continue;
            }

            if (message.Alert is { } alert)
            {
                if (!UpsertAlert(key, alert) && OtherOwner(alert.Id, key) is { } owner)
                {
                    DeleteMessage(key);
                    outcomes[i] = SqlBatchWriter.Conflict(alert.Id, owner, key);
                    continue;
                }

                InsertEvent(key, alert);
            }
            else if (message.Fingerprint is { } fingerprint)
            {
                InsertFingerprint(key, fingerprint);
            }

            outcomes[i] = new(StoreOutcome.Stored, null);
            _stored.Add(message);
        }

        foreach (var device in SqlBatchWriter.MergeDevices(_stored))
        {
            UpsertDevice(device);
        }

        _stored.Clear();
        return outcomes;
    }

    /// <summary>Finalizes the statements.</summary>
    public void Dispose()
    {
        foreach (var statement in _prepared)
        {
            statement.Dispose();
        }

        _prepared.Clear();
    }

    /// <summary>The owner of the alert id when it is stored and belongs to another device than <paramref name="key"/>'s; else null.</summary>
    private (string Fleet, string Device)? OtherOwner(string alertId, MessageKey key)
    {
        try
        {
            Text(_findOwner, 1, alertId);
            var rc = raw.sqlite3_step(_findOwner.Handle);
            if (rc == raw.SQLITE_ROW)
            {
                var owner = (Fleet: raw.sqlite3_column_text(_findOwner.Handle, 0).utf8_to_string(), Device: raw.sqlite3_column_text(_findOwner.Handle, 1).utf8_to_string());
                return owner.Fleet != key.Fleet || owner.Device != key.Device ? owner : null;
            }

            if (rc != raw.SQLITE_DONE)
            {
                Fail(rc);
            }

            return null;
        }
        finally
        {
            Reset(_findOwner);
        }
    }

    /// <summary>The alert upsert of <see cref="SqlBatchWriter.AlertRows"/> (ending in its "newer sequence wins" condition), further limited to a row of the same device.</summary>
    private static string SameDeviceOnly(string upsert) =>
        upsert.EndsWith("WHERE alerts.last_sequence < excluded.last_sequence", StringComparison.Ordinal)
            ? upsert + " AND alerts.fleet = excluded.fleet AND alerts.device = excluded.device"
            : throw new InvalidOperationException($"The alert upsert no longer ends in its newer-sequence condition: {upsert}");

    /// <summary>Inserts the message key; false when it was stored before (nothing written).</summary>
    private bool InsertMessage(IncomingMessage message)
    {
        var key = message.Key;
        var statement = _insertMessage;
        Text(statement, 1, key.Fleet);
        Text(statement, 2, key.Device);
        Int64(statement, 3, key.Sequence);
        Text(statement, 4, SqlBatchWriter.KindOf(message));
        Int64(statement, 5, message.ReceivedAt.ToUnixTimeMilliseconds());
        return Execute(statement) == 1;
    }

    private void DeleteMessage(MessageKey key)
    {
        Text(_deleteMessage, 1, key.Fleet);
        Text(_deleteMessage, 2, key.Device);
        Int64(_deleteMessage, 3, key.Sequence);
        Execute(_deleteMessage);
    }

    private void InsertEvent(MessageKey key, StoredAlert alert)
    {
        var statement = _insertEvent;
        Text(statement, 1, key.Fleet);
        Text(statement, 2, key.Device);
        Int64(statement, 3, key.Sequence);
        Text(statement, 4, alert.Id);
        Text(statement, 5, alert.State);
        Text(statement, 6, alert.Severity);
        Int64(statement, 7, alert.UpdatedAt.ToUnixTimeMilliseconds());
        Execute(statement);
    }

    /// <summary>Inserts or updates the alert row unless it belongs to another device or has a newer sequence; false when nothing changed.</summary>
    private bool UpsertAlert(MessageKey key, StoredAlert alert)
    {
        var statement = _upsertAlert;
        Text(statement, 1, alert.Id);
        Text(statement, 2, key.Fleet);
        Text(statement, 3, key.Device);
        Text(statement, 4, alert.ModelHash);
        Text(statement, 5, alert.Kind);
        Text(statement, 6, alert.Subject);
        Text(statement, 7, alert.Severity);
        Text(statement, 8, alert.State);
        Int64(statement, 9, alert.FirstSample);
        Int64(statement, 10, alert.LastSample);
        Text(statement, 11, alert.EvidenceJson);
        Int64(statement, 12, alert.RaisedAt.ToUnixTimeMilliseconds());
        Int64(statement, 13, alert.UpdatedAt.ToUnixTimeMilliseconds());
        Int64(statement, 14, key.Sequence);
        return Execute(statement) == 1;
    }

    private void InsertFingerprint(MessageKey key, StoredFingerprint fingerprint)
    {
        var statement = _insertFingerprint;
        Text(statement, 1, key.Fleet);
        Text(statement, 2, key.Device);
        Int64(statement, 3, key.Sequence);
        Text(statement, 4, fingerprint.ModelHash);
        Int64(statement, 5, fingerprint.WindowStart.ToUnixTimeMilliseconds());
        Int64(statement, 6, fingerprint.WindowEnd.ToUnixTimeMilliseconds());
        Int64(statement, 7, fingerprint.ObservationCount);
        Check(raw.sqlite3_bind_blob(statement.Handle, 8, fingerprint.Data.Span));
        Execute(statement);
    }

    private void UpsertDevice(SqlBatchWriter.DeviceSeen device)
    {
        var statement = device.Status is null ? _upsertDeviceSeen : _upsertDeviceStatus;
        Text(statement, 1, device.Fleet);
        Text(statement, 2, device.Device);
        Text(statement, 3, device.ModelHash);
        Int64(statement, 4, device.LastSeenMs);
        if (device.Status is { } status)
        {
            Text(statement, 5, status.Status);
            Int64(statement, 6, device.StatusSequence);
            Int64(statement, 7, status.OutboxDepth);
            Int64(statement, 8, status.DroppedFingerprints);
            Text(statement, 9, status.OutboxFault);
        }

        Execute(statement);
    }

    private Statement Prepare(SqlBatchWriter.InsertShape shape) => Prepare(shape.Sql(1), shape.Columns);

    private Statement Prepare(string sql, int parameters)
    {
        var rc = raw.sqlite3_prepare_v3(_db, sql, PreparePersistent, out var statement);
        if (rc != raw.SQLITE_OK || statement is null)
        {
            statement?.Dispose();
            SqliteException.ThrowExceptionForRC(rc, _db);
            throw new InvalidOperationException($"Statement \"{sql}\" prepared to nothing.");
        }

        _prepared.Add(statement);
        if (raw.sqlite3_bind_parameter_count(statement) != parameters)
        {
            throw new InvalidOperationException($"Statement \"{sql}\" has {raw.sqlite3_bind_parameter_count(statement)} parameters, expected {parameters}.");
        }

        return new Statement(statement, parameters);
    }

    /// <summary>
    /// Binds a string as UTF-8 (NULL for null; an empty string stays empty: tested), encoded into the writer's buffer; SQLite
    /// copies it. The very string bound last at that place is not bound again: bindings outlive resets, and the wire names
    /// of kinds, severities and states, and the model hashes and subjects the alert reader shares, recur row after row.
    /// </summary>
    private void Text(Statement statement, int index, string? value)
    {
        if (value is null)
        {
            Check(NativeCalls ? SqliteNative.sqlite3_bind_null(statement.Pointer, index) : raw.sqlite3_bind_null(statement.Handle, index));
            statement.Bound[index] = null;
            return;
        }

        if (ReferenceEquals(statement.Bound[index], value))
        {
            return;
        }

        var most = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (most > _utf8.Length)
        {
            _utf8 = new byte[Math.Max(most, 2 * _utf8.Length)];
        }

        var length = Encoding.UTF8.GetBytes(value, _utf8);
        statement.Bound[index] = null; // until bound: a failed bind leaves the place unknown
        Check(NativeCalls
            ? SqliteNative.sqlite3_bind_text(statement.Pointer, index, ref _utf8[0], length, SqliteNative.Transient) // _utf8 is never empty: "" binds as ''
            : raw.sqlite3_bind_text(statement.Handle, index, _utf8.AsSpan(0, length)));
        statement.Bound[index] = value;
    }

    private void Int64(Statement statement, int index, long value)
    {
        statement.Bound[index] = null;
        Check(NativeCalls ? SqliteNative.sqlite3_bind_int64(statement.Pointer, index, value) : raw.sqlite3_bind_int64(statement.Handle, index, value));
    }

    /// <summary>Runs a write statement to completion and resets it; returns the rows it changed.</summary>
    private int Execute(Statement statement)
    {
        try
        {
            var rc = NativeCalls ? SqliteNative.sqlite3_step(statement.Pointer) : raw.sqlite3_step(statement.Handle);
            if (rc != raw.SQLITE_DONE)
            {
                Fail(rc);
            }

            return NativeCalls ? SqliteNative.sqlite3_changes(_dbHandle) : raw.sqlite3_changes(_db);
        }
        finally
        {
            Reset(statement);
        }
    }

    /// <summary>Resets a statement for its next row; its bindings stay, and every statement binds all of its parameters before each step (no clearing needed).</summary>
    private void Reset(Statement statement)
    {
        if (NativeCalls)
        {
            _ = SqliteNative.sqlite3_reset(statement.Pointer); // repeats the last step's code, already checked
        }
        else
        {
            raw.sqlite3_reset(statement.Handle);
        }
    }

    /// <summary>A prepared statement, its raw pointer, and the string each parameter was bound to last (null when not a string, or unknown).</summary>
    private sealed class Statement(sqlite3_stmt handle, int parameters)
    {
        public sqlite3_stmt Handle { get; } = handle;

        public nint Pointer { get; } = handle.DangerousGetHandle();

        public string?[] Bound { get; } = new string?[parameters + 1];
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            Fail(rc);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Fail(int rc)
    {
        SqliteException.ThrowExceptionForRC(rc, _db);
        throw new InvalidOperationException($"SQLite returned {rc} where a write statement completes with SQLITE_DONE.");
    }
}
