using System.Globalization;
using EdgeSentinel.Cloud.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Storage;

/// <summary>
/// The SQLite store's raw batch writer (<see cref="SqliteBatchWriter"/>, SQLitePCL.raw) against the reference it
/// replaces on SQLite (<see cref="SqlBatchWriter"/> through Microsoft.Data.Sqlite): same outcomes, same table rows;
/// atomic batches; concurrent batches.
/// </summary>
public sealed class SqliteBatchWriterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 3, 0, 0, TimeSpan.Zero);

    private static readonly string[] Tables = ["messages", "alert_events", "alerts", "fingerprints", "devices"];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-sqlite-raw-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<IAggregatorStore> _opened = [];
    private readonly FakeTimeProvider _time = new(T0);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(_folder, name + ".db");

    private async Task<SqliteAggregatorStore> OpenAsync(string name, bool raw, bool nativeCalls = true)
    {
        var store = await SqliteAggregatorStore.OpenAsync(new SqliteStoreOptions { Path = PathOf(name) }, _time, CancellationToken.None);
        store.RawBatchWrites = raw;
        store.NativeBatchCalls = nativeCalls;
        _opened.Add(store);
        return store;
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public async Task StoreBatch_SeededBatches_RawAndAdoWritersGiveIdenticalOutcomesAndTables(int seed)
    {
        var raw = await OpenAsync("raw", raw: true);
        var pcl = await OpenAsync("pcl", raw: true, nativeCalls: false); // the raw writer's per-row calls through SQLitePCL.raw
        var ado = await OpenAsync("ado", raw: false);
        var random = new Random(seed);

        // Alerts stored before any batch, one message at a time: their ids are owned by d1 (conflicts for the others).
        foreach (var store in new IAggregatorStore[] { raw, pcl, ado })
        {
            await store.StoreAlertAsync(new MessageKey("f1", "d1", 1), T0, Alert("a0", "f1", "d1", 1, "raised", subject: "inputs"));
            await store.StoreAlertAsync(new MessageKey("f1", "d1", 2), T0, Alert("a1", "f1", "d1", 2, "escalated", subject: "inputs"));
            await store.RegisterDeviceAsync("f2", "dé3", "key-3");
        }

        var devices = new[] { ("f1", "d1"), ("f1", "d2"), ("f2", "dé3") };
        var contents = new Dictionary<(string, string, long), IncomingMessage>();
        var totals = new int[3];
        for (var round = 0; round < 4; round++)
        {
            var batch = new List<IncomingMessage>();
            var size = round == 0 ? 160 : random.Next(1, 100);
            for (var i = 0; i < size; i++)
            {
                var (fleet, device) = devices[random.Next(devices.Length)];
                var sequence = (long)random.Next(1, 50);
                var redelivered = contents.TryGetValue((fleet, device, sequence), out var message);
                if (!redelivered || random.Next(8) == 0)
                {
                    // New, or (1 in 8) the same key again with other content: a duplicate that must change nothing.
                    message = RandomMessage(random, new MessageKey(fleet, device, sequence));
                    contents.TryAdd((fleet, device, sequence), message);
                }

                batch.Add(message!);
            }

            var fromRaw = await raw.StoreBatchAsync(batch);
            var fromPcl = await pcl.StoreBatchAsync(batch);
            var fromAdo = await ado.StoreBatchAsync(batch);

            Assert.Equal(fromAdo, fromRaw);
            Assert.Equal(fromAdo, fromPcl);
            foreach (var outcome in fromAdo)
            {
                totals[outcome.Conflict is not null ? 2 : (int)outcome.Outcome]++;
            }

            foreach (var table in Tables)
            {
                Assert.Equal(await DumpAsync(PathOf("ado"), table), await DumpAsync(PathOf("raw"), table));
                Assert.Equal(await DumpAsync(PathOf("ado"), table), await DumpAsync(PathOf("pcl"), table));
            }
        }

        Assert.All(totals, t => Assert.True(t > 10, $"the batches must exercise stored, duplicate and conflict outcomes: {string.Join(", ", totals)}"));
        Assert.True((await DumpAsync(PathOf("raw"), "alert_events")).Count > (await DumpAsync(PathOf("raw"), "alerts")).Count, "alerts must be updated by later lifecycle steps");
    }

    [Fact]
    public async Task Prepare_BundledSqlite_PerRowCallsGoStraightToTheLibrarySqlitePclLoaded()
    {
        await using var connection = new SqliteConnection($"Data Source={PathOf("native")};Pooling=False");
        await connection.OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE messages (fleet TEXT NOT NULL, device TEXT NOT NULL, sequence BIGINT NOT NULL, kind TEXT NOT NULL, received_at_ms BIGINT NOT NULL, PRIMARY KEY (fleet, device, sequence))");
        foreach (var (table, columns) in new[]
        {
            ("alerts", "id TEXT PRIMARY KEY, fleet TEXT, device TEXT, model_hash TEXT, kind TEXT, subject TEXT, severity TEXT, state TEXT, first_sample BIGINT, last_sample BIGINT, evidence_json TEXT, raised_at_ms BIGINT, updated_at_ms BIGINT, last_sequence BIGINT, acknowledged_by TEXT, acknowledged_at_ms BIGINT"),
            ("alert_events", "fleet TEXT, device TEXT, sequence BIGINT, alert_id TEXT, state TEXT, severity TEXT, at_ms BIGINT"),
            ("fingerprints", "fleet TEXT, device TEXT, sequence BIGINT, model_hash TEXT, window_start_ms BIGINT, window_end_ms BIGINT, observation_count BIGINT, data BLOB"),
            ("devices", "fleet TEXT, device TEXT, model_hash TEXT, key_id TEXT, last_seen_ms BIGINT, status TEXT, status_sequence BIGINT, outbox_depth BIGINT, dropped_fingerprints BIGINT, outbox_fault TEXT, PRIMARY KEY (fleet, device)"),
        })
        {
            await ExecuteAsync(connection, $"CREATE TABLE {table} ({columns})");
        }

        using var native = SqliteBatchWriter.Prepare(connection);
        using var viaPcl = SqliteBatchWriter.Prepare(connection, nativeCalls: false);

        Assert.True(native.NativeCalls, "the bundled e_sqlite3 is SQLitePCL's library: its entry points must be taken");
        Assert.False(viaPcl.NativeCalls);
        Assert.True(SqliteNative.sqlite3_libversion_number() >= 3_040_000);
    }

    [Fact]
    public async Task StoreBatch_SameStringInstancesRowAfterRow_EachRowKeepsItsOwnValues()
    {
        // The writer binds a string again only when it is not the very instance bound last at that place: the same instance,
        // an equal copy, another value, NULL and the first instance again, in one batch and across batches.
        var raw = await OpenAsync("raw", raw: true);
        var ado = await OpenAsync("ado", raw: false);
        var (subject, fault) = ("inputs", "disk full");
        string?[] faults = [fault, fault, null, fault, new string(fault), "other fault", null, null, fault];
        string[] subjects = [subject, subject, new string(subject), "outputs", subject, string.Empty, subject, subject, new string(subject)];
        for (var round = 0; round < 2; round++)
        {
            var batch = new List<IncomingMessage>();
            for (var i = 0; i < faults.Length; i++)
            {
                var sequence = (round * 100) + (2 * i) + 1;
                batch.Add(IncomingMessage.Of(new MessageKey("f1", "d1", sequence), T0.AddSeconds(sequence), Alert($"a{sequence}", "f1", "d1", sequence, i % 2 == 0 ? "raised" : "cleared", subjects[i])));
                batch.Add(IncomingMessage.Of(new MessageKey("f1", $"d{i % 2}", sequence + 1), T0.AddSeconds(sequence), new DeviceStatusReport("online", i % 3 == 0 ? null : "model-s", i, 0, T0.AddSeconds(sequence), faults[i])));
            }

            Assert.Equal(await ado.StoreBatchAsync(batch), await raw.StoreBatchAsync(batch));
            foreach (var table in Tables)
            {
                Assert.Equal(await DumpAsync(PathOf("ado"), table), await DumpAsync(PathOf("raw"), table));
            }
        }

        Assert.Contains(await DumpAsync(PathOf("raw"), "devices"), row => row.Contains("'disk full'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StoreBatch_HandWorkedBatch_OutcomesAndRowsAsDerived()
    {
        var store = await OpenAsync("raw", raw: true);
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 1), T0, Alert("a1", "f1", "d1", 1, "raised", subject: "inputs"));

        var outcomes = await store.StoreBatchAsync(
        [
            IncomingMessage.Of(new MessageKey("f1", "d2", 1), T0, Alert("a1", "f1", "d2", 1, "cleared", subject: "x")), // a1 is d1's: conflict
            IncomingMessage.Of(new MessageKey("f1", "d1", 1), T0, Alert("a1", "f1", "d1", 1, "cleared", subject: "x")), // key stored before
            IncomingMessage.Of(new MessageKey("f1", "d1", 3), T0, Alert("a1", "f1", "d1", 3, "cleared", subject: "x")), // newest step of a1
            IncomingMessage.Of(new MessageKey("f1", "d1", 2), T0, Alert("a1", "f1", "d1", 2, "escalated", subject: "x")), // older: history only
            IncomingMessage.Of(new MessageKey("f1", "d1", 2), T0, Alert("a1", "f1", "d1", 2, "escalated", subject: "x")), // repeated in the batch
            IncomingMessage.Of(new MessageKey("f1", "d2", 2), T0, Alert("b1", "f1", "d2", 2, "raised", subject: string.Empty)),
            IncomingMessage.Of(new MessageKey("f1", "d2", 3), T0.AddMinutes(1), new StoredFingerprint("f1", "d2", 3, "model-f", T0, T0.AddMinutes(1), 9, ReadOnlyMemory<byte>.Empty)),
            IncomingMessage.Of(new MessageKey("f1", "d2", 4), T0.AddMinutes(2), new DeviceStatusReport("offline", null, 7, 2, T0, "disk full")),
        ]);

        Assert.Contains("f1/d1", outcomes[0].Conflict, StringComparison.Ordinal);
        Assert.Equal(
            [(StoreOutcome.Duplicate, false), (StoreOutcome.Stored, false), (StoreOutcome.Stored, false), (StoreOutcome.Duplicate, false), (StoreOutcome.Stored, false), (StoreOutcome.Stored, false), (StoreOutcome.Stored, false)],
            outcomes.Skip(1).Select(o => (o.Outcome, o.Conflict is not null)));

        // a1: created by d1#1 (subject "inputs", kept), newest step d1#3 (cleared); history 1, 2, 3.
        Assert.Equal(["'a1'|'f1'|'d1'|'model-a'|'input-drift'|'inputs'|'warning'|'cleared'|100|103|'{\"n\":3}'|" + Ms(T0) + "|" + Ms(T0.AddMinutes(3)) + "|3|NULL|NULL",
                      "'b1'|'f1'|'d2'|'model-a'|'input-drift'|''|'warning'|'raised'|100|102|'{\"n\":2}'|" + Ms(T0) + "|" + Ms(T0.AddMinutes(2)) + "|2|NULL|NULL"],
                     await DumpAsync(PathOf("raw"), "alerts"));
        Assert.Equal([1L, 2L, 3L], (await store.GetAlertHistoryAsync("a1")).Select(e => e.Sequence));
        Assert.Equal(["'f1'|'d1'|1|'alert'", "'f1'|'d1'|2|'alert'", "'f1'|'d1'|3|'alert'", "'f1'|'d2'|2|'alert'", "'f1'|'d2'|3|'fingerprint'", "'f1'|'d2'|4|'status'"],
                     (await DumpAsync(PathOf("raw"), "messages")).Select(r => string.Join('|', r.Split('|').Take(4))));

        // The empty blob is stored as an empty blob, not NULL; d2's model hash is the fingerprint's (the status had none).
        Assert.Equal(["'f1'|'d2'|3|'model-f'|" + Ms(T0) + "|" + Ms(T0.AddMinutes(1)) + "|9|x''"], await DumpAsync(PathOf("raw"), "fingerprints"));
        var d2 = await store.GetDeviceAsync("f1", "d2");
        Assert.Equal(new DeviceRecord("f1", "d2", "model-f", null, T0.AddMinutes(2), "offline", 7, 2, "disk full"), d2);
    }

    [Fact]
    public async Task StoreBatch_FailureInTheMiddle_NothingOfTheBatchStored_AndTheNextBatchWritesOnAFreshConnection()
    {
        var store = await OpenAsync("raw", raw: true);
        IncomingMessage[] batch =
        [
            IncomingMessage.Of(new MessageKey("f1", "d1", 1), T0, Alert("a1", "f1", "d1", 1, "raised", subject: "inputs")),
            IncomingMessage.Of(new MessageKey("f1", "d1", 2), T0, new StoredFingerprint("f1", "d1", 2, "model-a", T0, T0.AddMinutes(1), 3, new byte[] { 1 })),
            IncomingMessage.Of(new MessageKey("f1", "d1", 3), T0, Alert("a2", "f1", "d1", 3, "raised", subject: "inputs")),
        ];
        Assert.Equal(StoreOutcome.Stored, (await store.StoreBatchAsync([batch[0]]))[0].Outcome); // the writer connection is open and prepared

        await ExecuteAsync(PathOf("raw"), "CREATE TRIGGER refuse BEFORE INSERT ON fingerprints BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
        var error = await Assert.ThrowsAsync<SqliteException>(() => store.StoreBatchAsync(batch));
        Assert.Contains("injected failure", error.Message, StringComparison.Ordinal);
        Assert.Equal(["'f1'|'d1'|1|'alert'"], (await DumpAsync(PathOf("raw"), "messages")).Select(r => string.Join('|', r.Split('|').Take(4))));
        Assert.Null(await store.GetAlertAsync("a2"));

        await ExecuteAsync(PathOf("raw"), "DROP TRIGGER refuse");
        Assert.Equal([StoreOutcome.Duplicate, StoreOutcome.Stored, StoreOutcome.Stored], (await store.StoreBatchAsync(batch)).Select(o => o.Outcome));
        Assert.Equal(3, await store.CountMessagesAsync());
    }

    [Fact]
    public async Task StoreBatch_ConcurrentOverlappingBatches_EachKeyStoredExactlyOnce()
    {
        var store = await OpenAsync("raw", raw: true);
        var batches = Enumerable.Range(0, 6).Select(b => Enumerable.Range(0, 40).Select(i =>
        {
            var sequence = (long)((b * 13) + i) % 70; // batches overlap: 70 distinct keys in all
            return IncomingMessage.Of(new MessageKey("f1", "d1", sequence), T0, Alert("a" + sequence, "f1", "d1", sequence, "raised", subject: "s"));
        }).ToList()).ToList();

        var outcomes = await Task.WhenAll(batches.Select(b => Task.Run(() => store.StoreBatchAsync(b))));

        var distinct = batches.SelectMany(b => b).Select(m => m.Key.Sequence).Distinct().Count();
        Assert.Equal(distinct, outcomes.SelectMany(o => o).Count(o => o.Outcome == StoreOutcome.Stored));
        Assert.Equal(distinct, await store.CountMessagesAsync());
    }

    private static StoredAlert Alert(string id, string fleet, string device, long sequence, string state, string subject) =>
        new(id, fleet, device, "model-a", "input-drift", subject, "warning", state, 100, 100 + sequence, $$"""{"n":{{sequence}}}""", T0, T0.AddMinutes(sequence));

    /// <summary>A message of any kind with varied content: shared alert ids (conflicts), empty and non-ASCII strings, empty blobs, null model hashes, faults.</summary>
    private static IncomingMessage RandomMessage(Random random, MessageKey key)
    {
        var at = T0.AddSeconds(random.Next(0, 900));
        return random.Next(10) switch
        {
            < 6 => IncomingMessage.Of(key, at, new StoredAlert(
                "a" + random.Next(0, 6),
                key.Fleet,
                key.Device,
                random.Next(2) == 0 ? "model-a" : "modèle-b",
                random.Next(2) == 0 ? "input-drift" : "canary-mismatch",
                random.Next(4) == 0 ? string.Empty : "s" + random.Next(3),
                random.Next(2) == 0 ? "warning" : "critical",
                new[] { "raised", "escalated", "cleared" }[random.Next(3)],
                key.Sequence,
                key.Sequence + random.Next(100),
                random.Next(5) == 0 ? string.Empty : $$"""{"statistic":{{random.Next(100)}},"note":"ünïcødé {{new string('x', random.Next(0, 400))}}"}""",
                T0.AddMinutes(random.Next(60)),
                T0.AddMinutes(random.Next(60)))),
            < 8 => IncomingMessage.Of(key, at, new StoredFingerprint(key.Fleet, key.Device, key.Sequence, random.Next(2) == 0 ? "model-a" : "model-c", T0.AddMinutes(key.Sequence), T0.AddMinutes(key.Sequence + 1), random.Next(1, 500), Bytes(random, random.Next(0, 40)))),
            _ => IncomingMessage.Of(key, at, new DeviceStatusReport(random.Next(2) == 0 ? "online" : "offline", random.Next(3) == 0 ? null : "model-s", random.Next(50), random.Next(5), at, random.Next(3) == 0 ? "disk full: ø" : null)),
        };
    }

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>Every row of the table, each as its values ('text', integers, x'hex' blobs, NULL) joined by '|', sorted ordinally.</summary>
    private static async Task<List<string>> DumpAsync(string path, string table)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {table}";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
            {
                DBNull => "NULL",
                string s => $"'{s}'",
                byte[] b => $"x'{Convert.ToHexString(b)}'",
                long l => l.ToString(CultureInfo.InvariantCulture),
                var other => throw new InvalidOperationException($"{table}: unexpected value type {other.GetType()}"),
            })));
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await ExecuteAsync(connection, sql);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "NULL";
    }
}
