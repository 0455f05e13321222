using System.Globalization;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using Microsoft.Data.Sqlite;

namespace EdgeSentinel.Runtime.Reporting;

/// <summary>The durable device outbox: a SQLite file in WAL mode holding every alert and fingerprint summary until the broker acknowledged it, and the persisted sequence counter.</summary>
/// <remarks>
/// <para>Entries leave in insertion order. An entry gets its sequence number and signed envelope the
/// first time it is sent (in the same transaction that advances the counter), and keeps both for
/// every resend, so receivers de-duplicate redeliveries by (device, sequence). The counter only grows:
/// it is persisted a block of <see cref="SequenceBlock"/> ahead of the numbers handed out, so that a
/// status can still be numbered while the file cannot be written (disk full); a restart resumes above
/// the block, leaving a gap, never going back.</para>
/// <para>Bound policy, applied when a fingerprint summary is appended: while more than
/// <c>maxPendingFingerprints</c> unsent summaries wait, the oldest adjacent pair that can merge
/// (same model and schema, at most <c>maxWindowsPerSummary</c> windows together) is coalesced into
/// the older row; when no pair can, the oldest unsent summary is dropped. Both are counted. Alerts are
/// never dropped or merged. Thread-safe (one lock around one connection).</para>
/// <para>End-to-end acknowledgement: an entry the broker acknowledged can be kept, marked "brokered"
/// (<see cref="MarkBrokered"/>), until an aggregator's stored acknowledgement names its sequence number
/// (<see cref="RemoveSequences"/>); the sender resends brokered entries (same sequence, same envelope) on
/// every new session (<see cref="PeekAfter"/> from id 0).</para>
/// </remarks>
internal sealed class SqliteOutbox : IDisposable
{
    private const string NextSequenceKey = "next_sequence";
    private const string DroppedKey = "dropped_fingerprints";
    private const string CoalescedKey = "coalesced_fingerprints";

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();
    private readonly int _maxPendingFingerprints;
    private readonly int _maxWindowsPerSummary;
    private long _next;
    private long _reservedUntil;

    public SqliteOutbox(string path, int maxPendingFingerprints, int maxWindowsPerSummary)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPendingFingerprints, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWindowsPerSummary, 1);
        _maxPendingFingerprints = maxPendingFingerprints;
        _maxWindowsPerSummary = maxWindowsPerSummary;
        Path = path;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL;");
        Execute("PRAGMA synchronous=FULL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                kind INTEGER NOT NULL,
                created_ms INTEGER NOT NULL,
                body BLOB NOT NULL,
                sequence INTEGER NULL,
                wire BLOB NULL,
                brokered INTEGER NOT NULL DEFAULT 0);
            INSERT OR IGNORE INTO meta (key, value) VALUES ('next_sequence', 1), ('dropped_fingerprints', 0), ('coalesced_fingerprints', 0), ('highest_command', 0);
            """);
        using (var persisted = Command(null, "SELECT value FROM meta WHERE key = 'next_sequence';"))
        {
            _next = _reservedUntil = (long)persisted.ExecuteScalar()!;
        }

        using (var columns = Command(null, "SELECT COUNT(*) FROM pragma_table_info('outbox') WHERE name = 'brokered';"))
        {
            if ((long)columns.ExecuteScalar()! == 0)
            {
                Execute("ALTER TABLE outbox ADD COLUMN brokered INTEGER NOT NULL DEFAULT 0;"); // an outbox file of an earlier version
            }
        }
    }

    /// <summary>How many sequence numbers are persisted ahead of the ones handed out.</summary>
    public const int SequenceBlock = 64;

    /// <summary>The SQLite file.</summary>
    public string Path { get; }

    /// <summary>The journal mode SQLite reports ("wal").</summary>
    public string JournalMode
    {
        get
        {
            lock (_lock)
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "PRAGMA journal_mode;";
                return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? string.Empty;
            }
        }
    }

    /// <summary>Appends an alert or fingerprint body durably and applies the bound policy; returns the row id.</summary>
    public long Append(TopicKind kind, byte[] body, long createdMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (kind is not (TopicKind.Alert or TopicKind.Fingerprint))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only alerts and fingerprint summaries go through the outbox.");
        }

        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            long id;
            using (var insert = Command(transaction, "INSERT INTO outbox (kind, created_ms, body) VALUES ($kind, $created, $body); SELECT last_insert_rowid();"))
            {
                insert.Parameters.AddWithValue("$kind", (int)kind);
                insert.Parameters.AddWithValue("$created", createdMilliseconds);
                insert.Parameters.AddWithValue("$body", body);
                id = (long)insert.ExecuteScalar()!;
            }

            if (kind == TopicKind.Fingerprint)
            {
                EnforceFingerprintBound(transaction);
            }

            transaction.Commit();
            return id;
        }
    }

    /// <summary>The oldest entry, if any.</summary>
    public OutboxEntry? PeekOldest() => PeekAfter(0); // row ids start at 1

    /// <summary>The oldest entry with a row id above <paramref name="afterId"/>, if any (0: the oldest of all).</summary>
    public OutboxEntry? PeekAfter(long afterId)
    {
        lock (_lock)
        {
            using var command = Command(null, "SELECT id, kind, created_ms, body, sequence, wire FROM outbox WHERE id > $after ORDER BY id LIMIT 1;");
            command.Parameters.AddWithValue("$after", afterId);
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadEntry(reader) : null;
        }
    }

    /// <summary>Marks an entry the broker acknowledged that stays until the aggregator's stored acknowledgement covers it.</summary>
    public void MarkBrokered(long id) => Run("UPDATE outbox SET brokered = 1 WHERE id = $value;", id);

    /// <summary>Removes every sent entry whose sequence number lies in one of <paramref name="ranges"/> (an aggregator settled them), in one transaction; returns how many.</summary>
    public int RemoveSequences(IReadOnlyList<SequenceRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = Command(transaction, "DELETE FROM outbox WHERE sequence BETWEEN $from AND $to;");
            var from = command.Parameters.Add("$from", SqliteType.Integer);
            var to = command.Parameters.Add("$to", SqliteType.Integer);
            var removed = 0;
            foreach (var range in ranges)
            {
                from.Value = range.From;
                to.Value = range.To;
                removed += command.ExecuteNonQuery();
            }

            transaction.Commit();
            return removed;
        }
    }

    /// <summary>The row id of the oldest entry the broker acknowledged that still awaits its stored acknowledgement, or null.</summary>
    public long? OldestBrokered()
    {
        lock (_lock)
        {
            using var command = Command(null, "SELECT MIN(id) FROM outbox WHERE brokered = 1;");
            return command.ExecuteScalar() is long id ? id : null;
        }
    }

    /// <summary>All entries in order (for tests and diagnostics).</summary>
    public IReadOnlyList<OutboxEntry> ReadAll()
    {
        lock (_lock)
        {
            using var command = Command(null, "SELECT id, kind, created_ms, body, sequence, wire FROM outbox ORDER BY id;");
            using var reader = command.ExecuteReader();
            var entries = new List<OutboxEntry>();
            while (reader.Read())
            {
                entries.Add(ReadEntry(reader));
            }

            return entries;
        }
    }

    /// <summary>Returns the entry's encoded envelope; on its first send assigns the next sequence number and stores the envelope <paramref name="seal"/> makes for it, in one transaction.</summary>
    public (long Sequence, byte[] Wire) Seal(OutboxEntry entry, Func<long, byte[]> seal)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(seal);
        if (entry is { Sequence: { } existing, Wire: { } wire })
        {
            return (existing, wire);
        }

        lock (_lock)
        {
            EnsureSequenceBlock();
            using var transaction = _connection.BeginTransaction();
            using (var current = Command(transaction, "SELECT sequence, wire FROM outbox WHERE id = $id;"))
            {
                current.Parameters.AddWithValue("$id", entry.Id);
                using var reader = current.ExecuteReader();
                if (!reader.Read())
                {
                    throw new InvalidOperationException($"Outbox entry {entry.Id} no longer exists.");
                }

                if (!reader.IsDBNull(0))
                {
                    return (reader.GetInt64(0), (byte[])reader.GetValue(1));
                }
            }

            var sequence = _next;
            var bytes = seal(sequence);
            using (var update = Command(transaction, "UPDATE outbox SET sequence = $seq, wire = $wire WHERE id = $id;"))
            {
                update.Parameters.AddWithValue("$seq", sequence);
                update.Parameters.AddWithValue("$wire", bytes);
                update.Parameters.AddWithValue("$id", entry.Id);
                update.ExecuteNonQuery();
            }

            transaction.Commit();
            _next = sequence + 1;
            return (sequence, bytes);
        }
    }

    /// <summary>Takes the next sequence number for a message that does not go through the outbox (status, last will); persisted before it returns.</summary>
    public long ReserveSequence()
    {
        lock (_lock)
        {
            EnsureSequenceBlock();
            return _next++;
        }
    }

    /// <summary>The highest command sequence number accepted so far (persisted, so a replayed command stays refused after a restart).</summary>
    public long HighestCommand
    {
        get
        {
            lock (_lock)
            {
                using var command = Command(null, "SELECT value FROM meta WHERE key = 'highest_command';");
                return (long)command.ExecuteScalar()!;
            }
        }
    }

    /// <summary>Records an accepted command's sequence number.</summary>
    public void RecordCommand(long sequence) => Run("UPDATE meta SET value = MAX(value, $value) WHERE key = 'highest_command';", sequence);

    /// <summary>Removes an acknowledged entry.</summary>
    public void Remove(long id) => Run("DELETE FROM outbox WHERE id = $value;", id);

    /// <summary>Current counts.</summary>
    public OutboxCounts Counts()
    {
        lock (_lock)
        {
            using var command = Command(null, """
                SELECT
                  (SELECT COUNT(*) FROM outbox WHERE kind = $alert),
                  (SELECT COUNT(*) FROM outbox WHERE kind = $fingerprint),
                  (SELECT value FROM meta WHERE key = 'dropped_fingerprints'),
                  (SELECT value FROM meta WHERE key = 'coalesced_fingerprints'),
                  $next,
                  (SELECT COUNT(*) FROM outbox WHERE brokered = 1);
                """);
            command.Parameters.AddWithValue("$alert", (int)TopicKind.Alert);
            command.Parameters.AddWithValue("$fingerprint", (int)TopicKind.Fingerprint);
            command.Parameters.AddWithValue("$next", _next);
            using var reader = command.ExecuteReader();
            reader.Read();
            return new OutboxCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _connection.Dispose();
        }
    }

    private void EnforceFingerprintBound(SqliteTransaction transaction)
    {
        while (true)
        {
            var unsent = new List<(long Id, byte[] Body)>();
            using (var select = Command(transaction, "SELECT id, body FROM outbox WHERE kind = $kind AND sequence IS NULL ORDER BY id;"))
            {
                select.Parameters.AddWithValue("$kind", (int)TopicKind.Fingerprint);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    unsent.Add((reader.GetInt64(0), (byte[])reader.GetValue(1)));
                }
            }

            if (unsent.Count <= _maxPendingFingerprints)
            {
                return;
            }

            if (TryCoalesceOldestPair(transaction, unsent))
            {
                AddToCounter(transaction, CoalescedKey, 1);
            }
            else
            {
                Delete(transaction, unsent[0].Id);
                AddToCounter(transaction, DroppedKey, 1);
            }
        }
    }

    private bool TryCoalesceOldestPair(SqliteTransaction transaction, List<(long Id, byte[] Body)> unsent)
    {
        FingerprintReport? previous = null;
        for (var i = 0; i < unsent.Count; i++)
        {
            if (!FingerprintReportCodec.TryDecode(unsent[i].Body, ProtocolLimits.Default, out var current, out _))
            {
                previous = null;
                continue;
            }

            if (previous is not null
                && previous.ModelHash == current.ModelHash
                && previous.Fingerprint.Schema.Equals(current.Fingerprint.Schema)
                && (long)previous.WindowCount + current.WindowCount <= _maxWindowsPerSummary)
            {
                FingerprintReport merged;
                try
                {
                    merged = FingerprintReport.Coalesce(previous, current);
                }
                catch (SchemaMismatchException)
                {
                    previous = current;
                    continue;
                }

                using (var update = Command(transaction, "UPDATE outbox SET body = $body WHERE id = $id;"))
                {
                    update.Parameters.AddWithValue("$body", FingerprintReportCodec.Encode(merged));
                    update.Parameters.AddWithValue("$id", unsent[i - 1].Id);
                    update.ExecuteNonQuery();
                }

                Delete(transaction, unsent[i].Id);
                return true;
            }

            previous = current;
        }

        return false;
    }

    /// <summary>Persists the next block of sequence numbers when the current one is used up (under the lock).</summary>
    private void EnsureSequenceBlock()
    {
        if (_next < _reservedUntil)
        {
            return;
        }

        var until = _next + SequenceBlock;
        using var command = Command(null, "UPDATE meta SET value = $until WHERE key = 'next_sequence';");
        command.Parameters.AddWithValue("$until", until);
        command.ExecuteNonQuery();
        _reservedUntil = until;
    }

    private void AddToCounter(SqliteTransaction transaction, string key, long amount)
    {
        using var command = Command(transaction, "UPDATE meta SET value = value + $amount WHERE key = $key;");
        command.Parameters.AddWithValue("$amount", amount);
        command.Parameters.AddWithValue("$key", key);
        command.ExecuteNonQuery();
    }

    private void Delete(SqliteTransaction transaction, long id)
    {
        using var command = Command(transaction, "DELETE FROM outbox WHERE id = $id;");
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
    }

    private static OutboxEntry ReadEntry(SqliteDataReader reader) => new(
        reader.GetInt64(0),
        (TopicKind)reader.GetInt32(1),
        reader.GetInt64(2),
        (byte[])reader.GetValue(3),
        reader.IsDBNull(4) ? null : reader.GetInt64(4),
        reader.IsDBNull(5) ? null : (byte[])reader.GetValue(5));

    private SqliteCommand Command(SqliteTransaction? transaction, string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>Runs one statement with one parameter <c>$value</c> under the lock; returns the rows changed.</summary>
    private int Run(string sql, long value)
    {
        lock (_lock)
        {
            using var command = Command(null, sql);
            command.Parameters.AddWithValue("$value", value);
            return command.ExecuteNonQuery();
        }
    }

    private void Execute(string sql)
    {
        using var command = Command(null, sql);
        command.ExecuteNonQuery();
    }
}
