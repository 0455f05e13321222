namespace EdgeSentinel.Cloud.Storage;

/// <summary>One schema change; <c>{blob}</c> in its SQL is replaced by the dialect's binary type.</summary>
/// <param name="Version">Version reached after applying it (1, 2, ...).</param>
/// <param name="Description">What it changes.</param>
/// <param name="Statements">SQL statements, portable between SQLite and PostgreSQL apart from the placeholders.</param>
internal sealed record StoreMigration(int Version, string Description, IReadOnlyList<string> Statements);

/// <summary>The versioned migrations shared by every store implementation, applied in order and recorded in <c>schema_version</c>.</summary>
/// <remarks>Times are stored as Unix milliseconds (BIGINT) so that both databases hold them exactly.</remarks>
internal static class StoreMigrations
{
    /// <summary>Creates the version table itself (idempotent).</summary>
    public const string CreateVersionTable =
        "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL PRIMARY KEY, description TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)";

    /// <summary>All migrations in version order.</summary>
    public static IReadOnlyList<StoreMigration> All { get; } =
    [
        new(1, "devices, messages, alerts with lifecycle events, fingerprints, rejections",
        [
            """
            CREATE TABLE devices (
                fleet TEXT NOT NULL,
                device TEXT NOT NULL,
                model_hash TEXT NULL,
                key_id TEXT NULL,
                last_seen_ms BIGINT NULL,
                status TEXT NOT NULL,
                status_sequence BIGINT NOT NULL,
                outbox_depth BIGINT NOT NULL,
                dropped_fingerprints BIGINT NOT NULL,
                PRIMARY KEY (fleet, device))
            """,
            """
            CREATE TABLE messages (
                fleet TEXT NOT NULL,
                device TEXT NOT NULL,
                sequence BIGINT NOT NULL,
                kind TEXT NOT NULL,
                received_at_ms BIGINT NOT NULL,
                PRIMARY KEY (fleet, device, sequence))
            """,
            """
            CREATE TABLE alerts (
                id TEXT NOT NULL PRIMARY KEY,
                fleet TEXT NOT NULL,
                device TEXT NOT NULL,
                model_hash TEXT NOT NULL,
                kind TEXT NOT NULL,
                subject TEXT NOT NULL,
                severity TEXT NOT NULL,
                state TEXT NOT NULL,
                first_sample BIGINT NOT NULL,
                last_sample BIGINT NOT NULL,
                evidence_json TEXT NOT NULL,
                raised_at_ms BIGINT NOT NULL,
                updated_at_ms BIGINT NOT NULL,
                last_sequence BIGINT NOT NULL,
                acknowledged_by TEXT NULL,
                acknowledged_at_ms BIGINT NULL)
            """,
            "CREATE INDEX ix_alerts_device ON alerts (fleet, device)",
            """
            CREATE TABLE alert_events (
                fleet TEXT NOT NULL,
                device TEXT NOT NULL,
                sequence BIGINT NOT NULL,
                alert_id TEXT NOT NULL,
                state TEXT NOT NULL,
                severity TEXT NOT NULL,
                at_ms BIGINT NOT NULL,
                PRIMARY KEY (fleet, device, sequence))
            """,
            "CREATE INDEX ix_alert_events_alert ON alert_events (alert_id)",
            """
            CREATE TABLE fingerprints (
                fleet TEXT NOT NULL,
                device TEXT NOT NULL,
                sequence BIGINT NOT NULL,
                model_hash TEXT NOT NULL,
                window_start_ms BIGINT NOT NULL,
                window_end_ms BIGINT NOT NULL,
                observation_count BIGINT NOT NULL,
                data {blob} NOT NULL,
                PRIMARY KEY (fleet, device, sequence))
            """,
            "CREATE INDEX ix_fingerprints_window ON fingerprints (fleet, window_start_ms)",
            """
            CREATE TABLE rejections (
                reason TEXT NOT NULL,
                fleet TEXT NULL,
                device TEXT NULL,
                topic TEXT NOT NULL,
                at_ms BIGINT NOT NULL,
                detail TEXT NOT NULL)
            """,
            "CREATE INDEX ix_rejections_at ON rejections (at_ms)",
        ]),
        new(2, "alert filters by kind, severity and state",
        [
            "CREATE INDEX ix_alerts_filters ON alerts (kind, severity, state)",
            "CREATE INDEX ix_alerts_updated ON alerts (updated_at_ms)",
        ]),
        new(3, "device credentials: signing key and MQTT password hash per provisioned device",
        [
            """
            CREATE TABLE device_credentials (
                fleet TEXT NOT NULL,
                device TEXT NOT NULL,
                signing_key {blob} NOT NULL,
                mqtt_password_hash TEXT NOT NULL,
                provisioned_at_ms BIGINT NOT NULL,
                PRIMARY KEY (fleet, device))
            """,
        ]),
        new(4, "dashboard: partial covering index of open alerts for counting them per device, model, severity and kind",
        [
            "CREATE INDEX ix_alerts_open_counts ON alerts (fleet, device, model_hash, severity, kind, acknowledged_at_ms) WHERE state <> 'cleared'",
        ]),
        new(5, "devices: the outbox fault a device reports in its status (e.g. disk full)",
        [
            "ALTER TABLE devices ADD COLUMN outbox_fault TEXT NULL",
        ]),
        new(6, "alert_events: no primary key of its own (the message key in messages, written in the same transaction, already keeps an event once), the alert's index ordered by sequence",
        [
            // The (fleet, device, sequence) key served no query (the history reads by alert id) and cost an index entry per alert.
            """
            CREATE TABLE alert_events_v6 (
                fleet TEXT NOT NULL,
                device TEXT NOT NULL,
                sequence BIGINT NOT NULL,
                alert_id TEXT NOT NULL,
                state TEXT NOT NULL,
                severity TEXT NOT NULL,
                at_ms BIGINT NOT NULL)
            """,
            "INSERT INTO alert_events_v6 (fleet, device, sequence, alert_id, state, severity, at_ms) SELECT fleet, device, sequence, alert_id, state, severity, at_ms FROM alert_events",
            "DROP TABLE alert_events",
            "ALTER TABLE alert_events_v6 RENAME TO alert_events",
            "CREATE INDEX ix_alert_events_alert ON alert_events (alert_id, sequence)",
        ]),
        new(7, "alert list filtered by kind: (kind, updated_at_ms) instead of (kind, severity, state), so the newest of a kind are read in index order",
        [
            // The list orders by updated_at_ms DESC with a LIMIT. With (kind, severity, state) SQLite read every alert of the
            // kind and sorted them all (0.39 s for a common kind among 1,000,000 alerts: bench/Cloud.Benchmarks alert-query);
            // filters without a kind never used it. Same number of index entries per alert, so the ingest pays the same.
            "DROP INDEX ix_alerts_filters",
            "CREATE INDEX ix_alerts_kind_updated ON alerts (kind, updated_at_ms)",
        ]),
    ];

    /// <summary>The version a fully migrated store has.</summary>
    public static int LatestVersion => All[^1].Version;
}
