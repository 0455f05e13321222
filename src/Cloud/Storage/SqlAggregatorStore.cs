using System.Data.Common;
using System.Globalization;
using System.Text;

namespace EdgeSentinel.Cloud.Storage;

/// <summary>
/// The store over ADO.NET, shared by SQLite and PostgreSQL: portable SQL (INSERT … ON CONFLICT,
/// BIGINT Unix-millisecond times), the same migrations, and a dialect for the few differences.
/// </summary>
/// <remarks>Thread-safe: each call opens its own pooled connection.</remarks>
internal abstract class SqlAggregatorStore : IAggregatorStore
{
    private readonly TimeProvider _timeProvider;

    protected SqlAggregatorStore(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
    }

    /// <summary>The SQL type of binary columns.</summary>
    protected abstract string BlobType { get; }

    /// <summary>Rows per multi-row INSERT when a batch is stored (1..<see cref="SqlBatchWriter.MaxRowsPerStatement"/>).</summary>
    protected abstract int BatchRowsPerStatement { get; }

    /// <summary>Opens a connection ready for use.</summary>
    protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A filter term of the alert list that usually matches a large share of the alerts (a fleet without a device, a
    /// severity, a state), written so that the database reads the recency index in order and stops at the limit rather than
    /// gathering every match to sort it. As it stands by default: PostgreSQL's planner weighs that from its statistics.
    /// </summary>
    protected virtual string Broad(string condition) => condition;

    /// <summary>Serializes concurrent migrators inside the migration transaction (no-op where the transaction already does).</summary>
    protected abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract ValueTask DisposeAsync();

    /// <summary>Applies every migration not yet recorded in <c>schema_version</c>, each in its own transaction.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            foreach (var migration in StoreMigrations.All)
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    await LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, transaction, StoreMigrations.CreateVersionTable, cancellationToken).ConfigureAwait(false);
                    var applied = await ScalarInt64Async(connection, transaction, "SELECT COUNT(*) FROM schema_version WHERE version = @v", cancellationToken, ("v", (long)migration.Version)).ConfigureAwait(false);
                    if (applied > 0)
                    {
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    foreach (var statement in migration.Statements)
                    {
                        await ExecuteAsync(connection, transaction, statement.Replace("{blob}", BlobType, StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
                    }

                    await ExecuteAsync(
                        connection,
                        transaction,
                        "INSERT INTO schema_version (version, description, applied_at_ms) VALUES (@v, @d, @t)",
                        cancellationToken,
                        ("v", (long)migration.Version),
                        ("d", migration.Description),
                        ("t", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds())).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <inheritdoc/>
    public async Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return (int)await ScalarInt64Async(connection, null, "SELECT COALESCE(MAX(version), 0) FROM schema_version", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task RegisterDeviceAsync(string fleet, string device, string keyId, CancellationToken cancellationToken = default)
    {
        RequireName(fleet, nameof(fleet));
        RequireName(device, nameof(device));
        RequireName(keyId, nameof(keyId));
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await ExecuteAsync(
                connection,
                null,
                """
                INSERT INTO devices (fleet, device, model_hash, key_id, last_seen_ms, status, status_sequence, outbox_depth, dropped_fingerprints)
                VALUES (@fleet, @device, NULL, @key, NULL, 'unknown', -1, 0, 0)
                ON CONFLICT (fleet, device) DO UPDATE SET key_id = excluded.key_id
                """,
                cancellationToken,
                ("fleet", fleet),
                ("device", device),
                ("key", keyId)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task SaveDeviceCredentialsAsync(DeviceCredentials credentials, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        RequireName(credentials.Fleet, nameof(credentials));
        RequireName(credentials.Device, nameof(credentials));
        RequireName(credentials.MqttPasswordHash, nameof(credentials));
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(
                    connection,
                    transaction,
                    """
                    INSERT INTO device_credentials (fleet, device, signing_key, mqtt_password_hash, provisioned_at_ms)
                    VALUES (@fleet, @device, @key, @hash, @at)
                    ON CONFLICT (fleet, device) DO UPDATE SET
                        signing_key = excluded.signing_key, mqtt_password_hash = excluded.mqtt_password_hash, provisioned_at_ms = excluded.provisioned_at_ms
                    """,
                    cancellationToken,
                    ("fleet", credentials.Fleet),
                    ("device", credentials.Device),
                    ("key", credentials.Key.Bytes.ToArray()),
                    ("hash", credentials.MqttPasswordHash),
                    ("at", credentials.ProvisionedAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);
                await ExecuteAsync(
                    connection,
                    transaction,
                    """
                    INSERT INTO devices (fleet, device, model_hash, key_id, last_seen_ms, status, status_sequence, outbox_depth, dropped_fingerprints)
                    VALUES (@fleet, @device, NULL, @key, NULL, 'unknown', -1, 0, 0)
                    ON CONFLICT (fleet, device) DO UPDATE SET key_id = excluded.key_id
                    """,
                    cancellationToken,
                    ("fleet", credentials.Fleet),
                    ("device", credentials.Device),
                    ("key", Ingest.DeviceKeyRegistry.KeyIdOf(credentials.Key))).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private const string CredentialColumns = "fleet, device, signing_key, mqtt_password_hash, provisioned_at_ms";

    /// <inheritdoc/>
    public async Task<DeviceCredentials?> FindDeviceCredentialsAsync(string fleet, string device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(device);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await QueryAsync(connection, null, $"SELECT {CredentialColumns} FROM device_credentials WHERE fleet = @fleet AND device = @device", ReadCredentials, cancellationToken, ("fleet", fleet), ("device", device)).ConfigureAwait(false);
            return rows.Count == 0 ? null : rows[0];
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DeviceCredentials>> GetDeviceCredentialsAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await QueryAsync(connection, null, $"SELECT {CredentialColumns} FROM device_credentials ORDER BY fleet, device", ReadCredentials, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public Task<StoreOutcome> StoreAlertAsync(MessageKey key, DateTimeOffset receivedAt, StoredAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(alert);
        CheckAlertOwner(key, alert, nameof(alert));

        return StoreMessageAsync(AlertWrite(key, alert), key, receivedAt, cancellationToken);
    }

    private static MessageWrite AlertWrite(MessageKey key, StoredAlert alert) => new(
        "alert",
        alert.ModelHash,
        async (connection, transaction, ct) =>
        {
            var owner = await QueryAsync(
                connection,
                transaction,
                "SELECT fleet, device FROM alerts WHERE id = @id",
                r => (r.GetString(0), r.GetString(1)),
                ct,
                ("id", alert.Id)).ConfigureAwait(false);
            if (owner.Count > 0 && (owner[0].Item1 != key.Fleet || owner[0].Item2 != key.Device))
            {
                return $"alert id '{alert.Id}' already belongs to device {owner[0].Item1}/{owner[0].Item2}; {key.Fleet}/{key.Device} cannot update it";
            }

            return null;
        },
        async (connection, transaction, ct) =>
        {
            await ExecuteAsync(
                connection,
                transaction,
                """
                INSERT INTO alerts (id, fleet, device, model_hash, kind, subject, severity, state, first_sample, last_sample, evidence_json, raised_at_ms, updated_at_ms, last_sequence, acknowledged_by, acknowledged_at_ms)
                VALUES (@id, @fleet, @device, @model, @kind, @subject, @severity, @state, @first, @last, @evidence, @raised, @updated, @sequence, NULL, NULL)
                ON CONFLICT (id) DO UPDATE SET
                    model_hash = excluded.model_hash, severity = excluded.severity, state = excluded.state,
                    first_sample = excluded.first_sample, last_sample = excluded.last_sample, evidence_json = excluded.evidence_json,
                    updated_at_ms = excluded.updated_at_ms, last_sequence = excluded.last_sequence
                WHERE alerts.last_sequence < excluded.last_sequence
                """,
                ct,
                ("id", alert.Id),
                ("fleet", key.Fleet),
                ("device", key.Device),
                ("model", alert.ModelHash),
                ("kind", alert.Kind),
                ("subject", alert.Subject),
                ("severity", alert.Severity),
                ("state", alert.State),
                ("first", alert.FirstSample),
                ("last", alert.LastSample),
                ("evidence", alert.EvidenceJson),
                ("raised", alert.RaisedAt.ToUnixTimeMilliseconds()),
                ("updated", alert.UpdatedAt.ToUnixTimeMilliseconds()),
                ("sequence", key.Sequence)).ConfigureAwait(false);
            await ExecuteAsync(
                connection,
                transaction,
                "INSERT INTO alert_events (fleet, device, sequence, alert_id, state, severity, at_ms) VALUES (@fleet, @device, @sequence, @id, @state, @severity, @at)",
                ct,
                ("fleet", key.Fleet),
                ("device", key.Device),
                ("sequence", key.Sequence),
                ("id", alert.Id),
                ("state", alert.State),
                ("severity", alert.Severity),
                ("at", alert.UpdatedAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        });

    /// <inheritdoc/>
    public Task<StoreOutcome> StoreFingerprintAsync(MessageKey key, DateTimeOffset receivedAt, StoredFingerprint fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fingerprint);
        CheckFingerprintKey(key, fingerprint, nameof(fingerprint));

        return StoreMessageAsync(FingerprintWrite(key, fingerprint), key, receivedAt, cancellationToken);
    }

    private static MessageWrite FingerprintWrite(MessageKey key, StoredFingerprint fingerprint) => new(
        "fingerprint",
        fingerprint.ModelHash,
        null,
        (connection, transaction, ct) => ExecuteAsync(
            connection,
            transaction,
            """
            INSERT INTO fingerprints (fleet, device, sequence, model_hash, window_start_ms, window_end_ms, observation_count, data)
            VALUES (@fleet, @device, @sequence, @model, @start, @end, @count, @data)
            """,
            ct,
            ("fleet", key.Fleet),
            ("device", key.Device),
            ("sequence", key.Sequence),
            ("model", fingerprint.ModelHash),
            ("start", fingerprint.WindowStart.ToUnixTimeMilliseconds()),
            ("end", fingerprint.WindowEnd.ToUnixTimeMilliseconds()),
            ("count", fingerprint.ObservationCount),
            ("data", SqlBatchWriter.ArrayOf(fingerprint.Data))));

    /// <inheritdoc/>
    public Task<StoreOutcome> StoreStatusAsync(MessageKey key, DateTimeOffset receivedAt, DeviceStatusReport status, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(status);

        // Status reports apply in arrival order: the retained topic's latest value wins (a last will
        // is signed when the device connects, so its sequence is older than what follows it).
        return StoreMessageAsync(StatusWrite(key, status), key, receivedAt, cancellationToken);
    }

    private static MessageWrite StatusWrite(MessageKey key, DeviceStatusReport status) => new(
        "status",
        status.ModelHash,
        null,
        (connection, transaction, ct) => ExecuteAsync(
            connection,
            transaction,
            """
            UPDATE devices SET status = @status, status_sequence = @sequence, outbox_depth = @depth, dropped_fingerprints = @dropped,
                outbox_fault = @fault, model_hash = COALESCE(@model, model_hash)
            WHERE fleet = @fleet AND device = @device
            """,
            ct,
            ("status", status.Status),
            ("sequence", key.Sequence),
            ("depth", status.OutboxDepth),
            ("dropped", status.DroppedFingerprints),
            ("fault", status.OutboxFault),
            ("model", status.ModelHash),
            ("fleet", key.Fleet),
            ("device", key.Device)));

    /// <inheritdoc/>
    public async Task RecordRejectionAsync(Rejection rejection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await ExecuteAsync(
                connection,
                null,
                "INSERT INTO rejections (reason, fleet, device, topic, at_ms, detail) VALUES (@reason, @fleet, @device, @topic, @at, @detail)",
                cancellationToken,
                ("reason", rejection.Reason),
                ("fleet", rejection.Fleet),
                ("device", rejection.Device),
                ("topic", rejection.Topic),
                ("at", rejection.At.ToUnixTimeMilliseconds()),
                ("detail", rejection.Detail)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task<bool> ContainsMessageAsync(MessageKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ScalarInt64Async(
                connection,
                null,
                "SELECT COUNT(*) FROM messages WHERE fleet = @fleet AND device = @device AND sequence = @sequence",
                cancellationToken,
                ("fleet", key.Fleet),
                ("device", key.Device),
                ("sequence", key.Sequence)).ConfigureAwait(false) > 0;
        }
    }

    /// <inheritdoc/>
    public async Task<long> CountMessagesAsync(string? fleet = null, string? device = null, CancellationToken cancellationToken = default)
    {
        var where = new WhereClause();
        where.AddEquals("fleet", fleet);
        where.AddEquals("device", device);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ScalarInt64Async(connection, null, "SELECT COUNT(*) FROM messages" + where.Sql, cancellationToken, where.Parameters).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<KeyValuePair<(string Fleet, string Device), long>>> GetHighestSequencesAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await QueryAsync(
                connection,
                null,
                "SELECT fleet, device, MAX(sequence) FROM messages GROUP BY fleet, device ORDER BY fleet, device",
                r => new KeyValuePair<(string, string), long>((r.GetString(0), r.GetString(1)), r.GetInt64(2)),
                cancellationToken).ConfigureAwait(false);
        }
    }

    private const string DeviceColumns = "fleet, device, model_hash, key_id, last_seen_ms, status, outbox_depth, dropped_fingerprints, outbox_fault";

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DeviceRecord>> GetDevicesAsync(string? fleet = null, CancellationToken cancellationToken = default)
    {
        var where = new WhereClause();
        where.AddEquals("fleet", fleet);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await QueryAsync(connection, null, $"SELECT {DeviceColumns} FROM devices{where.Sql} ORDER BY fleet, device", ReadDevice, cancellationToken, where.Parameters).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task<DeviceRecord?> GetDeviceAsync(string fleet, string device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(device);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await QueryAsync(connection, null, $"SELECT {DeviceColumns} FROM devices WHERE fleet = @fleet AND device = @device", ReadDevice, cancellationToken, ("fleet", fleet), ("device", device)).ConfigureAwait(false);
            return rows.Count == 0 ? null : rows[0];
        }
    }

    private const string AlertColumns = "id, fleet, device, model_hash, kind, subject, severity, state, first_sample, last_sample, evidence_json, raised_at_ms, updated_at_ms, acknowledged_by, acknowledged_at_ms";

    /// <inheritdoc/>
    public async Task<IReadOnlyList<OpenAlertCount>> CountOpenAlertsAsync(string? fleet = null, string? device = null, CancellationToken cancellationToken = default)
    {
        // "state <> 'cleared'" is written exactly as the predicate of the partial index ix_alerts_open_counts (migration 4),
        // so both databases answer from that index alone, in its order, without reading the alert rows.
        var where = new WhereClause();
        where.AddCondition("state <> 'cleared'");
        where.AddEquals("fleet", fleet);
        where.AddEquals("device", device);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var counts = await QueryAsync(
                connection,
                null,
                $"""
                SELECT fleet, device, model_hash, severity, kind, COUNT(*), SUM(CASE WHEN acknowledged_at_ms IS NULL THEN 1 ELSE 0 END)
                FROM alerts{where.Sql}
                GROUP BY fleet, device, model_hash, severity, kind
                """,
                r => new OpenAlertCount(
                    r.GetString(0),
                    r.GetString(1),
                    r.GetString(2),
                    r.GetString(3),
                    r.GetString(4),
                    Convert.ToInt32(r.GetValue(5), CultureInfo.InvariantCulture),
                    Convert.ToInt32(r.GetValue(6), CultureInfo.InvariantCulture)),
                cancellationToken,
                where.Parameters).ConfigureAwait(false);

            // sorted here, not in SQL: a PostgreSQL database's collation need not be ordinal
            counts.Sort(OpenAlertCount.Compare);
            return counts;
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredAlert>> QueryAlertsAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        var (sql, parameters) = AlertListCommand(query);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await QueryAsync(connection, null, sql, ReadAlert, cancellationToken, parameters).ConfigureAwait(false);
        }
    }

    /// <summary>The SELECT of <see cref="QueryAlertsAsync"/> and its parameters (named as in the SQL, without the '@').</summary>
    internal (string Sql, List<(string Name, object? Value)> Parameters) AlertListCommand(AlertQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        var where = new WhereClause();
        where.AddEquals("fleet", query.Fleet, query.Device is null ? Broad : null); // with a device, the device index narrows it
        where.AddEquals("device", query.Device);
        where.AddEquals("kind", query.Kind);
        where.AddEquals("severity", query.Severity, Broad);
        switch (query.State)
        {
            case null:
                break;
            case "open":
                where.AddCondition("state <> 'cleared'");
                break;
            case "acknowledged":
                where.AddCondition("acknowledged_at_ms IS NOT NULL");
                break;
            default:
                where.AddEquals("state", query.State, Broad);
                break;
        }

        where.Parameters.Add(("limit", (long)query.Limit));
        return ($"SELECT {AlertColumns} FROM alerts{where.Sql} ORDER BY updated_at_ms DESC, id LIMIT @limit", where.Parameters);
    }

    /// <inheritdoc/>
    public async Task<StoredAlert?> GetAlertAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await QueryAsync(connection, null, $"SELECT {AlertColumns} FROM alerts WHERE id = @id", ReadAlert, cancellationToken, ("id", id)).ConfigureAwait(false);
            return rows.Count == 0 ? null : rows[0];
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<AlertEvent>> GetAlertHistoryAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await QueryAsync(
                connection,
                null,
                "SELECT alert_id, sequence, state, severity, at_ms FROM alert_events WHERE alert_id = @id ORDER BY sequence",
                r => new AlertEvent(r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), FromMs(r.GetInt64(4))),
                cancellationToken,
                ("id", id)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task<AcknowledgeOutcome> AcknowledgeAlertAsync(string id, string acknowledgedBy, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        RequireName(acknowledgedBy, nameof(acknowledgedBy));
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var changed = await ExecuteAsync(
                connection,
                null,
                "UPDATE alerts SET acknowledged_by = @by, acknowledged_at_ms = @at WHERE id = @id AND acknowledged_at_ms IS NULL",
                cancellationToken,
                ("by", acknowledgedBy),
                ("at", at.ToUnixTimeMilliseconds()),
                ("id", id)).ConfigureAwait(false);
            if (changed > 0)
            {
                return AcknowledgeOutcome.Acknowledged;
            }

            var exists = await ScalarInt64Async(connection, null, "SELECT COUNT(*) FROM alerts WHERE id = @id", cancellationToken, ("id", id)).ConfigureAwait(false);
            return exists > 0 ? AcknowledgeOutcome.AlreadyAcknowledged : AcknowledgeOutcome.NotFound;
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<StoredFingerprint>> GetFingerprintsAsync(string fleet, string? device, DateTimeOffset windowFrom, DateTimeOffset windowTo, CancellationToken cancellationToken = default) =>
        ReadFingerprintsAsync(fleet, device, windowFrom, windowTo, withData: true, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<StoredFingerprint>> GetFingerprintHeadersAsync(string fleet, string? device, DateTimeOffset windowFrom, DateTimeOffset windowTo, CancellationToken cancellationToken = default) =>
        ReadFingerprintsAsync(fleet, device, windowFrom, windowTo, withData: false, cancellationToken);

    private async Task<IReadOnlyList<StoredFingerprint>> ReadFingerprintsAsync(string fleet, string? device, DateTimeOffset windowFrom, DateTimeOffset windowTo, bool withData, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var where = new WhereClause();
        where.AddEquals("fleet", fleet);
        where.AddEquals("device", device);
        where.AddCondition("window_start_ms >= @from");
        where.AddCondition("window_start_ms < @to");
        where.Parameters.Add(("from", windowFrom.ToUnixTimeMilliseconds()));
        where.Parameters.Add(("to", windowTo.ToUnixTimeMilliseconds()));
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await QueryAsync(
                connection,
                null,
                $"SELECT fleet, device, sequence, model_hash, window_start_ms, window_end_ms, observation_count{(withData ? ", data" : string.Empty)} FROM fingerprints{where.Sql} ORDER BY device, window_start_ms, sequence",
                r => new StoredFingerprint(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetString(3), FromMs(r.GetInt64(4)), FromMs(r.GetInt64(5)), r.GetInt64(6), withData ? r.GetFieldValue<byte[]>(7) : ReadOnlyMemory<byte>.Empty),
                cancellationToken,
                where.Parameters).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<Rejection>> GetRejectionsAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await QueryAsync(
                connection,
                null,
                "SELECT reason, fleet, device, topic, at_ms, detail FROM rejections ORDER BY at_ms DESC LIMIT @limit",
                r => new Rejection(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), FromMs(r.GetInt64(4)), r.GetString(5)),
                cancellationToken,
                ("limit", (long)limit)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, long>> CountRejectionsByReasonAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await QueryAsync(connection, null, "SELECT reason, COUNT(*) FROM rejections GROUP BY reason", r => (r.GetString(0), r.GetInt64(1)), cancellationToken).ConfigureAwait(false);
            return rows.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Written by <see cref="WriteBatchAsync"/>: <see cref="SqlBatchWriter"/> (prepared statements re-bound, multi-row where the database profits, one device update per device) on PostgreSQL; SQLite's <see cref="SqliteBatchWriter"/> (SQLitePCL.raw) on SQLite.</remarks>
    public async Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw new ArgumentException($"Message {i} of the batch is null.", nameof(messages));
            RequireKey(message.Key);
            switch (message)
            {
                case { Alert: { } alert, Fingerprint: null, Status: null }:
                    CheckAlertOwner(message.Key, alert, nameof(messages));
                    break;
                case { Alert: null, Fingerprint: { } fingerprint, Status: null }:
                    CheckFingerprintKey(message.Key, fingerprint, nameof(messages));
                    break;
                case { Alert: null, Fingerprint: null, Status: not null }:
                    break;
                default:
                    throw new ArgumentException($"Message {i} of the batch ({message.Key.Fleet}/{message.Key.Device}#{message.Key.Sequence}) must carry exactly one of alert, fingerprint or status.", nameof(messages));
            }
        }

        if (messages.Count == 0)
        {
            return [];
        }

        return await WriteBatchAsync(messages, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a validated, non-empty batch in one transaction and commits it; by default with <see cref="SqlBatchWriter"/> on a pooled connection.</summary>
    protected virtual async Task<IReadOnlyList<BatchItemOutcome>> WriteBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var outcomes = await SqlBatchWriter.WriteAsync(connection, transaction, messages, BatchRowsPerStatement, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return outcomes;
            }
        }
    }

    private static void CheckAlertOwner(MessageKey key, StoredAlert alert, string paramName)
    {
        if (!string.Equals(alert.Fleet, key.Fleet, StringComparison.Ordinal) || !string.Equals(alert.Device, key.Device, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Alert '{alert.Id}' belongs to {alert.Fleet}/{alert.Device} but its message came from {key.Fleet}/{key.Device}.", paramName);
        }
    }

    private static void CheckFingerprintKey(MessageKey key, StoredFingerprint fingerprint, string paramName)
    {
        if (fingerprint.Fleet != key.Fleet || fingerprint.Device != key.Device || fingerprint.Sequence != key.Sequence)
        {
            throw new ArgumentException($"Fingerprint of {fingerprint.Fleet}/{fingerprint.Device}#{fingerprint.Sequence} does not match its message key {key.Fleet}/{key.Device}#{key.Sequence}.", paramName);
        }
    }

    private static void RequireKey(MessageKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        RequireName(key.Fleet, nameof(key));
        RequireName(key.Device, nameof(key));
        ArgumentOutOfRangeException.ThrowIfNegative(key.Sequence);
    }

    /// <summary>Inserts the message key; when new, checks for a conflict, applies the write and records the device as seen, all in one transaction.</summary>
    private async Task<StoreOutcome> StoreMessageAsync(MessageWrite write, MessageKey key, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        RequireKey(key);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                if (!await InsertKeyAsync(connection, transaction, write, key, receivedAt, cancellationToken).ConfigureAwait(false))
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return StoreOutcome.Duplicate;
                }

                if (write.Check is { } check && await check(connection, transaction, cancellationToken).ConfigureAwait(false) is { } conflict)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    throw new StoreConflictException(conflict);
                }

                await write.Apply(connection, transaction, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return StoreOutcome.Stored;
            }
        }
    }

    /// <summary>Inserts the message key and marks the device seen; false when the key was stored before (nothing written).</summary>
    private static async Task<bool> InsertKeyAsync(DbConnection connection, DbTransaction transaction, MessageWrite write, MessageKey key, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var inserted = await ExecuteAsync(
            connection,
            transaction,
            "INSERT INTO messages (fleet, device, sequence, kind, received_at_ms) VALUES (@fleet, @device, @sequence, @kind, @at) ON CONFLICT (fleet, device, sequence) DO NOTHING",
            cancellationToken,
            ("fleet", key.Fleet),
            ("device", key.Device),
            ("sequence", key.Sequence),
            ("kind", write.Kind),
            ("at", receivedAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        if (inserted == 0)
        {
            return false;
        }

        await ExecuteAsync(
            connection,
            transaction,
            """
            INSERT INTO devices (fleet, device, model_hash, key_id, last_seen_ms, status, status_sequence, outbox_depth, dropped_fingerprints)
            VALUES (@fleet, @device, @model, NULL, @seen, 'unknown', -1, 0, 0)
            ON CONFLICT (fleet, device) DO UPDATE SET
                last_seen_ms = CASE WHEN devices.last_seen_ms IS NULL OR devices.last_seen_ms < excluded.last_seen_ms THEN excluded.last_seen_ms ELSE devices.last_seen_ms END,
                model_hash = COALESCE(excluded.model_hash, devices.model_hash)
            """,
            cancellationToken,
            ("fleet", key.Fleet),
            ("device", key.Device),
            ("model", write.ModelHash),
            ("seen", receivedAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        return true;
    }

    /// <summary>How one message is written: its kind, model hash, an optional conflict check (null: none; a string: why it is refused) and the data writes.</summary>
    private sealed record MessageWrite(
        string Kind,
        string? ModelHash,
        Func<DbConnection, DbTransaction, CancellationToken, Task<string?>>? Check,
        Func<DbConnection, DbTransaction, CancellationToken, Task> Apply);

    private static DeviceCredentials ReadCredentials(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        Protocol.Envelopes.SigningKey.FromBytes((byte[])r.GetValue(2)),
        r.GetString(3),
        FromMs(r.GetInt64(4)));

    private static DeviceRecord ReadDevice(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.IsDBNull(2) ? null : r.GetString(2),
        r.IsDBNull(3) ? null : r.GetString(3),
        r.IsDBNull(4) ? null : FromMs(r.GetInt64(4)),
        r.GetString(5),
        r.GetInt64(6),
        r.GetInt64(7),
        r.IsDBNull(8) ? null : r.GetString(8));

    private static StoredAlert ReadAlert(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        r.GetString(4),
        r.GetString(5),
        r.GetString(6),
        r.GetString(7),
        r.GetInt64(8),
        r.GetInt64(9),
        r.GetString(10),
        FromMs(r.GetInt64(11)),
        FromMs(r.GetInt64(12)),
        r.IsDBNull(13) ? null : r.GetString(13),
        r.IsDBNull(14) ? null : FromMs(r.GetInt64(14)));

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static void RequireName(string value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("Must not be blank.", name);
        }
    }

    private static DbCommand CreateCommand(DbConnection connection, DbTransaction? transaction, string sql, IEnumerable<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // SQL text is built from constants; values always go through parameters
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    protected static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params IEnumerable<(string Name, object? Value)> parameters)
    {
        var command = CreateCommand(connection, transaction, sql, parameters);
        await using (command.ConfigureAwait(false))
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<long> ScalarInt64Async(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params IEnumerable<(string Name, object? Value)> parameters)
    {
        var command = CreateCommand(connection, transaction, sql, parameters);
        await using (command.ConfigureAwait(false))
        {
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return Convert.ToInt64(value, CultureInfo.InvariantCulture);
        }
    }

    private static async Task<List<T>> QueryAsync<T>(DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params IEnumerable<(string Name, object? Value)> parameters)
    {
        var command = CreateCommand(connection, transaction, sql, parameters);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var rows = new List<T>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(read(reader));
                }

                return rows;
            }
        }
    }

    /// <summary>A WHERE clause of equality conditions on fixed column names; values are parameters.</summary>
    private sealed class WhereClause
    {
        private readonly StringBuilder _sql = new();

        public List<(string Name, object? Value)> Parameters { get; } = [];

        public string Sql => _sql.ToString();

        public void AddEquals(string column, string? value, Func<string, string>? write = null)
        {
            if (value is null)
            {
                return;
            }

            var condition = $"{column} = @{column}";
            AddCondition(write is null ? condition : write(condition));
            Parameters.Add((column, value));
        }

        public void AddCondition(string condition) => _sql.Append(_sql.Length == 0 ? " WHERE " : " AND ").Append(condition);
    }
}
