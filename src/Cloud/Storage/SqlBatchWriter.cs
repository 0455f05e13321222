using System.Data.Common;
using System.Text;

namespace EdgeSentinel.Cloud.Storage;

/// <summary>
/// Writes one group-commit batch inside a transaction: two look-ups (owners of the batch's alert ids, which of its
/// keys are stored already), then inserts of the new message keys, alert events, fingerprints and alert rows (one
/// row per alert id), and one upsert per device (not one per message), last and in (fleet, device) order. Statements of the same shape are prepared
/// once per batch and re-bound; they carry several rows each where the database profits (PostgreSQL: fewer round
/// trips) and one row where it does not (SQLite binds parameters by name with a linear search, so a statement with
/// n parameters costs O(n²) to bind).
/// </summary>
/// <remarks>
/// <para>The outcome of every message is decided in memory, in batch order, exactly as the one-message-per-statement
/// path decides it: an alert whose id belongs to another device is refused first (nothing written for it); a key
/// stored before or earlier in the batch is a duplicate; anything else is stored, and an alert id it creates
/// belongs to its device from then on.</para>
/// <para>The writes are order-free where the sequential path's were: an alert row keeps the immutable columns
/// (kind, subject, raised-at) of the first message that created it and the mutable ones of the highest
/// sequence seen (the upsert's "newer sequence wins"); a device's last-seen is the latest arrival, its model
/// hash the last non-null one in batch order, its status the last status message in batch order.</para>
/// <para>If another writer (a second aggregator on the same PostgreSQL) stores one of the keys between the
/// look-up and the insert, the insert finds fewer new keys than planned and throws: the transaction rolls
/// back, nothing is acknowledged, and the redelivered batch then sees those keys as duplicates.</para>
/// </remarks>
internal sealed class SqlBatchWriter
{
    /// <summary>The most rows a multi-row statement may have (14 × 64 = 896 parameters: under SQLite's and PostgreSQL's limits).</summary>
    internal const int MaxRowsPerStatement = 64;

    /// <summary>Values per IN (…) look-up.</summary>
    private const int KeysPerLookup = 256;

    internal static readonly InsertShape MessageRows = new(
        "INSERT INTO messages (fleet, device, sequence, kind, received_at_ms) VALUES ",
        5,
        " ON CONFLICT (fleet, device, sequence) DO NOTHING");

    internal static readonly InsertShape EventRows = new(
        "INSERT INTO alert_events (fleet, device, sequence, alert_id, state, severity, at_ms) VALUES ",
        7,
        string.Empty);

    internal static readonly InsertShape FingerprintRows = new(
        "INSERT INTO fingerprints (fleet, device, sequence, model_hash, window_start_ms, window_end_ms, observation_count, data) VALUES ",
        8,
        string.Empty);

    internal static readonly InsertShape AlertRows = new(
        "INSERT INTO alerts (id, fleet, device, model_hash, kind, subject, severity, state, first_sample, last_sample, evidence_json, raised_at_ms, updated_at_ms, last_sequence, acknowledged_by, acknowledged_at_ms) VALUES ",
        14,
        """
         ON CONFLICT (id) DO UPDATE SET
            model_hash = excluded.model_hash, severity = excluded.severity, state = excluded.state,
            first_sample = excluded.first_sample, last_sample = excluded.last_sample, evidence_json = excluded.evidence_json,
            updated_at_ms = excluded.updated_at_ms, last_sequence = excluded.last_sequence
        WHERE alerts.last_sequence < excluded.last_sequence
        """,
        ", NULL, NULL");

    internal static readonly InsertShape DeviceSeenRows = new(
        "INSERT INTO devices (fleet, device, model_hash, last_seen_ms, key_id, status, status_sequence, outbox_depth, dropped_fingerprints) VALUES ",
        4,
        """
         ON CONFLICT (fleet, device) DO UPDATE SET
            last_seen_ms = CASE WHEN devices.last_seen_ms IS NULL OR devices.last_seen_ms < excluded.last_seen_ms THEN excluded.last_seen_ms ELSE devices.last_seen_ms END,
            model_hash = COALESCE(excluded.model_hash, devices.model_hash)
        """,
        ", NULL, 'unknown', -1, 0, 0");

    internal static readonly InsertShape DeviceStatusRows = new(
        "INSERT INTO devices (fleet, device, model_hash, last_seen_ms, status, status_sequence, outbox_depth, dropped_fingerprints, outbox_fault, key_id) VALUES ",
        9,
        """
         ON CONFLICT (fleet, device) DO UPDATE SET
            last_seen_ms = CASE WHEN devices.last_seen_ms IS NULL OR devices.last_seen_ms < excluded.last_seen_ms THEN excluded.last_seen_ms ELSE devices.last_seen_ms END,
            model_hash = COALESCE(excluded.model_hash, devices.model_hash),
            status = excluded.status, status_sequence = excluded.status_sequence,
            outbox_depth = excluded.outbox_depth, dropped_fingerprints = excluded.dropped_fingerprints,
            outbox_fault = excluded.outbox_fault
        """,
        ", NULL");

    private readonly DbConnection _connection;
    private readonly DbTransaction _transaction;
    private readonly Dictionary<(InsertShape Shape, int Rows), DbCommand> _commands = [];
    private readonly int _rowsPerStatement;

    private SqlBatchWriter(DbConnection connection, DbTransaction transaction, int rowsPerStatement)
    {
        _connection = connection;
        _transaction = transaction;
        _rowsPerStatement = rowsPerStatement;
    }

    /// <summary>Decides and writes the batch (validated by the caller) inside <paramref name="transaction"/> with statements of at most <paramref name="rowsPerStatement"/> rows; the caller commits.</summary>
    public static async Task<BatchItemOutcome[]> WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<IncomingMessage> messages, int rowsPerStatement, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerStatement, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rowsPerStatement, MaxRowsPerStatement);
        var writer = new SqlBatchWriter(connection, transaction, rowsPerStatement);
        try
        {
            return await writer.WriteAsync(messages, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var command in writer._commands.Values)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<BatchItemOutcome[]> WriteAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        var owners = await LoadOwnersAsync(messages, cancellationToken).ConfigureAwait(false);
        var known = await LoadStoredKeysAsync(messages, cancellationToken).ConfigureAwait(false);

        // Decide every message in batch order.
        var outcomes = new BatchItemOutcome[messages.Count];
        var stored = new List<IncomingMessage>(messages.Count);
        foreach (var (i, message) in messages.Index())
        {
            var key = message.Key;
            if (message.Alert is { } alert && owners.TryGetValue(alert.Id, out var owner) && (owner.Fleet != key.Fleet || owner.Device != key.Device))
            {
                outcomes[i] = Conflict(alert.Id, owner, key);
                continue;
            }

            if (!known.Add((key.Fleet, key.Device, key.Sequence)))
            {
                outcomes[i] = new(StoreOutcome.Duplicate, null);
                continue;
            }

            outcomes[i] = new(StoreOutcome.Stored, null);
            stored.Add(message);
            if (message.Alert is { } created)
            {
                owners.TryAdd(created.Id, (key.Fleet, key.Device));
            }
        }

        if (stored.Count == 0)
        {
            return outcomes;
        }

        var inserted = await InsertRowsAsync(MessageRows, stored, static m => [m.Key.Fleet, m.Key.Device, m.Key.Sequence, KindOf(m), m.ReceivedAt.ToUnixTimeMilliseconds()], cancellationToken).ConfigureAwait(false);
        if (inserted != stored.Count)
        {
            throw new InvalidOperationException($"Another writer stored {stored.Count - inserted} of this batch's {stored.Count} new messages concurrently; the batch was rolled back (store it again: they are duplicates now).");
        }

        var alerts = stored.Where(m => m.Alert is not null).ToList();
        await InsertRowsAsync(EventRows, alerts, static m => [m.Key.Fleet, m.Key.Device, m.Key.Sequence, m.Alert!.Id, m.Alert.State, m.Alert.Severity, m.Alert.UpdatedAt.ToUnixTimeMilliseconds()], cancellationToken).ConfigureAwait(false);
        await InsertRowsAsync(AlertRows, MergeAlerts(alerts), static a => AlertValues(a.First, a.Latest), cancellationToken).ConfigureAwait(false);
        await InsertRowsAsync(
            FingerprintRows,
            stored.Where(m => m.Fingerprint is not null).ToList(),
            static m => [m.Key.Fleet, m.Key.Device, m.Key.Sequence, m.Fingerprint!.ModelHash, m.Fingerprint.WindowStart.ToUnixTimeMilliseconds(), m.Fingerprint.WindowEnd.ToUnixTimeMilliseconds(), m.Fingerprint.ObservationCount, ArrayOf(m.Fingerprint.Data)],
            cancellationToken).ConfigureAwait(false);

        // Last, once per device, in (fleet, device) order across both statement shapes: concurrent batches (other
        // aggregator instances on the same PostgreSQL) then lock the device rows they share in the same order and
        // cannot deadlock on them. Each run of consecutive devices of one shape is one statement, so the order holds.
        var devices = MergeDevices(stored);
        for (var start = 0; start < devices.Count;)
        {
            var withStatus = devices[start].Status is not null;
            var end = start;
            while (end < devices.Count && (devices[end].Status is not null) == withStatus)
            {
                end++;
            }

            var run = devices.GetRange(start, end - start);
            if (withStatus)
            {
                await InsertRowsAsync(DeviceStatusRows, run, static d => [d.Fleet, d.Device, d.ModelHash, d.LastSeenMs, d.Status!.Status, d.StatusSequence, d.Status.OutboxDepth, d.Status.DroppedFingerprints, d.Status.OutboxFault], cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await InsertRowsAsync(DeviceSeenRows, run, static d => [d.Fleet, d.Device, d.ModelHash, d.LastSeenMs], cancellationToken).ConfigureAwait(false);
            }

            start = end;
        }

        return outcomes;
    }

    /// <summary>The outcome of a message whose alert id belongs to another device (nothing is written for it).</summary>
    internal static BatchItemOutcome Conflict(string alertId, (string Fleet, string Device) owner, MessageKey key) =>
        new(StoreOutcome.Duplicate, $"alert id '{alertId}' already belongs to device {owner.Fleet}/{owner.Device}; {key.Fleet}/{key.Device} cannot update it");

    /// <summary>The bytes as a parameter value: the backing array itself when the memory spans all of it, else the memory (Microsoft.Data.Sqlite and Npgsql bind a <see cref="ReadOnlyMemory{T}"/> as a blob / bytea); never a copy.</summary>
    internal static object ArrayOf(ReadOnlyMemory<byte> data) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array : data;

    internal static string KindOf(IncomingMessage message) => message.Alert is not null ? "alert" : message.Fingerprint is not null ? "fingerprint" : "status";

    private static string? ModelHashOf(IncomingMessage message) => message.Alert?.ModelHash ?? message.Fingerprint?.ModelHash ?? message.Status?.ModelHash;

    private static object?[] AlertValues(IncomingMessage first, IncomingMessage latest)
    {
        var created = first.Alert!;
        var alert = latest.Alert!;
        return
        [
            alert.Id, latest.Key.Fleet, latest.Key.Device, alert.ModelHash, created.Kind, created.Subject, alert.Severity, alert.State,
            alert.FirstSample, alert.LastSample, alert.EvidenceJson, created.RaisedAt.ToUnixTimeMilliseconds(), alert.UpdatedAt.ToUnixTimeMilliseconds(), latest.Key.Sequence,
        ];
    }

    /// <summary>One row per alert id: the message that would have created it (first in batch order) and the one with the highest sequence.</summary>
    private static List<(IncomingMessage First, IncomingMessage Latest)> MergeAlerts(List<IncomingMessage> alerts)
    {
        var rows = new List<(IncomingMessage First, IncomingMessage Latest)>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var message in alerts)
        {
            if (index.TryGetValue(message.Alert!.Id, out var at))
            {
                if (message.Key.Sequence > rows[at].Latest.Key.Sequence)
                {
                    rows[at] = (rows[at].First, message);
                }
            }
            else
            {
                index.Add(message.Alert.Id, rows.Count);
                rows.Add((message, message));
            }
        }

        return rows;
    }

    internal sealed class DeviceSeen(string fleet, string device)
    {
        public string Fleet { get; } = fleet;

        public string Device { get; } = device;

        public string? ModelHash { get; set; }

        public long LastSeenMs { get; set; } = long.MinValue;

        public DeviceStatusReport? Status { get; set; }

        public long StatusSequence { get; set; }
    }

    /// <summary>One row per device of the stored messages (latest arrival, last non-null model hash and last status, in batch order), ordered by fleet then device (ordinal).</summary>
    internal static List<DeviceSeen> MergeDevices(List<IncomingMessage> stored)
    {
        var devices = new Dictionary<(string, string), DeviceSeen>();
        var order = new List<DeviceSeen>();
        foreach (var message in stored)
        {
            if (!devices.TryGetValue((message.Key.Fleet, message.Key.Device), out var device))
            {
                device = new DeviceSeen(message.Key.Fleet, message.Key.Device);
                devices.Add((message.Key.Fleet, message.Key.Device), device);
                order.Add(device);
            }

            device.LastSeenMs = Math.Max(device.LastSeenMs, message.ReceivedAt.ToUnixTimeMilliseconds());
            device.ModelHash = ModelHashOf(message) ?? device.ModelHash;
            if (message.Status is { } status)
            {
                device.Status = status;
                device.StatusSequence = message.Key.Sequence;
            }
        }

        order.Sort(static (x, y) => string.CompareOrdinal(x.Fleet, y.Fleet) is var c and not 0 ? c : string.CompareOrdinal(x.Device, y.Device));
        return order;
    }

    /// <summary>Who owns each alert id of the batch that is stored already.</summary>
    private async Task<Dictionary<string, (string Fleet, string Device)>> LoadOwnersAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        var owners = new Dictionary<string, (string Fleet, string Device)>(StringComparer.Ordinal);
        var ids = messages.Where(m => m.Alert is not null).Select(m => m.Alert!.Id).Distinct(StringComparer.Ordinal).ToList();
        foreach (var chunk in ids.Chunk(KeysPerLookup))
        {
            var command = Command("SELECT id, fleet, device FROM alerts WHERE id IN (", chunk.Length, ")", [.. chunk]);
            await using (command.ConfigureAwait(false))
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        owners[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2));
                    }
                }
            }
        }

        return owners;
    }

    /// <summary>The keys of the batch that are stored already.</summary>
    private async Task<HashSet<(string Fleet, string Device, long Sequence)>> LoadStoredKeysAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        var known = new HashSet<(string, string, long)>();
        foreach (var device in messages.GroupBy(m => (m.Key.Fleet, m.Key.Device)))
        {
            var sequences = device.Select(m => m.Key.Sequence).Distinct().ToList();
            foreach (var chunk in sequences.Chunk(KeysPerLookup))
            {
                var command = Command("SELECT sequence FROM messages WHERE fleet = @p0 AND device = @p1 AND sequence IN (", chunk.Length, ")", [device.Key.Fleet, device.Key.Device, .. chunk.Cast<object?>()], firstListParameter: 2);
                await using (command.ConfigureAwait(false))
                {
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            known.Add((device.Key.Fleet, device.Key.Device, reader.GetInt64(0)));
                        }
                    }
                }
            }
        }

        return known;
    }

    /// <summary>A one-off command "<paramref name="head"/>@p…, @p…<paramref name="tail"/>" over <paramref name="values"/>.</summary>
    private DbCommand Command(string head, int listLength, string tail, object?[] values, int firstListParameter = 0)
    {
        var sql = new StringBuilder(head);
        for (var i = 0; i < listLength; i++)
        {
            sql.Append(i == 0 ? "@p" : ", @p").Append(firstListParameter + i);
        }

        var command = CreateCommand(sql.Append(tail).ToString(), values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return command;
    }

    /// <summary>Inserts <paramref name="rows"/> in multi-row statements of at most the writer's rows per statement; returns the rows affected.</summary>
    private async Task<int> InsertRowsAsync<T>(InsertShape shape, IReadOnlyList<T> rows, Func<T, object?[]> values, CancellationToken cancellationToken)
    {
        var affected = 0;
        for (var start = 0; start < rows.Count; start += _rowsPerStatement)
        {
            var count = Math.Min(_rowsPerStatement, rows.Count - start);
            if (!_commands.TryGetValue((shape, count), out var command))
            {
                command = CreateCommand(shape.Sql(count), count * shape.Columns);
                _commands.Add((shape, count), command);
            }

            var parameter = 0;
            for (var r = 0; r < count; r++)
            {
                foreach (var value in values(rows[start + r]))
                {
                    command.Parameters[parameter++].Value = value ?? DBNull.Value;
                }
            }

            affected += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return affected;
    }

    private DbCommand CreateCommand(string sql, int parameters)
    {
        var command = _connection.CreateCommand();
#pragma warning disable CA2100 // SQL text is built from constants and parameter placeholders; values always go through parameters
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = _transaction;
        for (var i = 0; i < parameters; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + i;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>A multi-row INSERT: its head up to VALUES, the number of parameters per row, what follows the rows, and constant values appended to each row.</summary>
    internal sealed class InsertShape(string head, int columns, string tail, string constants = "")
    {
        public int Columns { get; } = columns;

        public string Sql(int rows)
        {
            var sql = new StringBuilder(head);
            for (var r = 0; r < rows; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < Columns; c++)
                {
                    sql.Append(c == 0 ? "@p" : ", @p").Append((r * Columns) + c);
                }

                sql.Append(constants).Append(')');
            }

            return sql.Append(tail).ToString();
        }
    }
}
