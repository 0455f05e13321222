using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Storage;

/// <summary>One behavior suite, run against every store implementation.</summary>
public abstract class AggregatorStoreTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);

    private readonly List<IAggregatorStore> _opened = [];

    protected FakeTimeProvider Time { get; } = new(T0);

    /// <summary>Opens the store on the test's own database (the same one on every call).</summary>
    protected abstract Task<IAggregatorStore> OpenStoreAsync();

    /// <summary>Opens a store on a second, separate database of the test (the same one on every call).</summary>
    protected abstract Task<IAggregatorStore> OpenSecondStoreAsync();

    /// <summary>Runs one SQL statement on the test's own database, outside any store (to build an older schema).</summary>
    protected abstract Task ExecuteSqlAsync(string sql);

    /// <summary>The dialect's binary type, for the migrations' <c>{blob}</c>.</summary>
    protected abstract string BlobType { get; }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }
    }

    private async Task<IAggregatorStore> OpenAsync()
    {
        var store = await OpenStoreAsync();
        _opened.Add(store);
        return store;
    }

    internal static StoredAlert Alert(string id, string fleet = "f1", string device = "d1", string state = "raised", string severity = "warning", string kind = "input-drift", int minute = 0) =>
        new(id, fleet, device, "model-a", kind, "inputs", severity, state, 100, 355, """{"statistic":"ks"}""", T0, T0.AddMinutes(minute));

    [Fact]
    public async Task Open_FreshDatabase_AppliesEveryMigrationOnceAndReopensWithoutChange()
    {
        var store = await OpenAsync();
        Assert.Equal(StoreMigrations.LatestVersion, await store.GetSchemaVersionAsync());
        Assert.Equal(7, StoreMigrations.LatestVersion);
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 1), T0, Alert("a1"));

        var again = await OpenAsync();
        Assert.Equal(StoreMigrations.LatestVersion, await again.GetSchemaVersionAsync());
        Assert.NotNull(await again.GetAlertAsync("a1"));
    }

    [Fact]
    public async Task Open_DatabaseAtVersion5WithAlertEvents_MigratedTo6_HistoryKeptInSequenceOrderAndExtended()
    {
        // A database as a version-5 aggregator left it: the migrations up to 5, and three lifecycle steps of one alert (stored
        // out of sequence order) and one of another.
        await ExecuteSqlAsync(StoreMigrations.CreateVersionTable);
        foreach (var migration in StoreMigrations.All.Where(m => m.Version <= 5))
        {
            foreach (var statement in migration.Statements)
            {
                await ExecuteSqlAsync(statement.Replace("{blob}", BlobType, StringComparison.Ordinal));
            }

            await ExecuteSqlAsync($"INSERT INTO schema_version (version, description, applied_at_ms) VALUES ({migration.Version}, 'test', 0)");
        }

        var ms = T0.ToUnixTimeMilliseconds();
        foreach (var (sequence, alert, state, severity) in new[] { (5, "a1", "escalated", "critical"), (2, "a1", "raised", "warning"), (9, "a1", "cleared", "critical"), (3, "a2", "raised", "info") })
        {
            await ExecuteSqlAsync($"INSERT INTO messages (fleet, device, sequence, kind, received_at_ms) VALUES ('f1', 'd1', {sequence}, 'alert', {ms})");
            await ExecuteSqlAsync($"INSERT INTO alert_events (fleet, device, sequence, alert_id, state, severity, at_ms) VALUES ('f1', 'd1', {sequence}, '{alert}', '{state}', '{severity}', {ms + sequence})");
        }

        var store = await OpenAsync();
        Assert.Equal(StoreMigrations.LatestVersion, await store.GetSchemaVersionAsync()); // 6, and the later ones over it
        Assert.Equal(
            [(2L, "raised", "warning"), (5L, "escalated", "critical"), (9L, "cleared", "critical")],
            (await store.GetAlertHistoryAsync("a1")).Select(e => (e.Sequence, e.State, e.Severity)));
        Assert.Equal(T0.AddMilliseconds(5), (await store.GetAlertHistoryAsync("a1"))[1].At);
        Assert.Equal("a2", Assert.Single(await store.GetAlertHistoryAsync("a2")).AlertId);

        // Stored after the migration: appended in sequence order; a redelivery adds no second event.
        Assert.Equal(StoreOutcome.Stored, await store.StoreAlertAsync(new MessageKey("f1", "d1", 7), T0, Alert("a1", state: "escalated")));
        Assert.Equal(StoreOutcome.Duplicate, await store.StoreAlertAsync(new MessageKey("f1", "d1", 7), T0, Alert("a1", state: "escalated")));
        Assert.Equal([2L, 5L, 7L, 9L], (await store.GetAlertHistoryAsync("a1")).Select(e => e.Sequence));
    }

    [Fact]
    public async Task StoreAlert_SameKeyTwice_StoredOnceThenDuplicate()
    {
        var store = await OpenAsync();
        var key = new MessageKey("f1", "d1", 7);
        Assert.Equal(StoreOutcome.Stored, await store.StoreAlertAsync(key, T0, Alert("a1")));
        Assert.Equal(StoreOutcome.Duplicate, await store.StoreAlertAsync(key, T0.AddSeconds(5), Alert("a1", state: "escalated", minute: 1)));

        var alert = await store.GetAlertAsync("a1");
        Assert.NotNull(alert);
        Assert.Equal("raised", alert.State);
        Assert.Single(await store.GetAlertHistoryAsync("a1"));
        Assert.Equal(1, await store.CountMessagesAsync());
        Assert.True(await store.ContainsMessageAsync(key));
        Assert.False(await store.ContainsMessageAsync(key with { Sequence = 8 }));
    }

    [Fact]
    public async Task StoreAlert_ConcurrentDeliveriesOfOneMessage_ExactlyOneStored()
    {
        var store = await OpenAsync();
        var key = new MessageKey("f1", "d1", 3);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.StoreAlertAsync(key, T0, Alert("a1")))));
        Assert.Equal(1, outcomes.Count(o => o == StoreOutcome.Stored));
        Assert.Equal(7, outcomes.Count(o => o == StoreOutcome.Duplicate));
        Assert.Single(await store.GetAlertHistoryAsync("a1"));
    }

    [Fact]
    public async Task StoreAlert_Lifecycle_LatestSequenceWinsEvenWhenStepsArriveOutOfOrder()
    {
        var store = await OpenAsync();
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 1), T0, Alert("a1", state: "raised", severity: "warning", minute: 0));
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 3), T0, Alert("a1", state: "cleared", severity: "critical", minute: 2));
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 2), T0, Alert("a1", state: "escalated", severity: "critical", minute: 1));

        var alert = await store.GetAlertAsync("a1");
        Assert.NotNull(alert);
        Assert.Equal("cleared", alert.State);
        Assert.Equal(T0.AddMinutes(2), alert.UpdatedAt);
        Assert.False(alert.IsOpen);
        var history = await store.GetAlertHistoryAsync("a1");
        Assert.Equal(["raised", "escalated", "cleared"], history.Select(h => h.State));
        Assert.Equal([1L, 2L, 3L], history.Select(h => h.Sequence));
    }

    [Fact]
    public async Task StoreAlert_IdOwnedByAnotherDevice_ConflictAndNothingStored()
    {
        var store = await OpenAsync();
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 1), T0, Alert("a1"));
        var key = new MessageKey("f1", "d2", 1);
        var error = await Assert.ThrowsAsync<StoreConflictException>(() => store.StoreAlertAsync(key, T0, Alert("a1", device: "d2", state: "cleared")));
        Assert.Contains("f1/d1", error.Message, StringComparison.Ordinal);
        Assert.False(await store.ContainsMessageAsync(key));
        Assert.Equal("raised", (await store.GetAlertAsync("a1"))!.State);
        Assert.Null(await store.GetDeviceAsync("f1", "d2"));
    }

    [Fact]
    public async Task StoreBatch_DuplicatesInsideTheBatchAndAgainstTheStore_EachKeyStoredOnceInOrder()
    {
        var store = await OpenAsync();
        Assert.Equal(StoreOutcome.Stored, await store.StoreAlertAsync(new MessageKey("f1", "d1", 1), T0, Alert("a1")));
        var fingerprint = new StoredFingerprint("f1", "d2", 5, "model-a", T0, T0.AddMinutes(1), 64, new byte[] { 1, 2, 3 });
        IncomingMessage[] batch =
        [
            IncomingMessage.Of(new MessageKey("f1", "d1", 1), T0, Alert("a1", state: "cleared", minute: 9)), // stored before
            IncomingMessage.Of(new MessageKey("f1", "d1", 2), T0, Alert("a1", state: "escalated", minute: 1)),
            IncomingMessage.Of(new MessageKey("f1", "d1", 2), T0, Alert("a1", state: "escalated", minute: 1)), // repeated inside the batch
            IncomingMessage.Of(new MessageKey("f1", "d2", 5), T0, fingerprint),
            IncomingMessage.Of(new MessageKey("f1", "d2", 6), T0.AddMinutes(3), new DeviceStatusReport("online", null, 4, 1, T0)),
            IncomingMessage.Of(new MessageKey("f1", "d1", 3), T0, Alert("a1", state: "cleared", minute: 2)),
        ];

        var outcomes = await store.StoreBatchAsync(batch);

        Assert.Equal(
            [StoreOutcome.Duplicate, StoreOutcome.Stored, StoreOutcome.Duplicate, StoreOutcome.Stored, StoreOutcome.Stored, StoreOutcome.Stored],
            outcomes.Select(o => o.Outcome));
        Assert.All(outcomes, o => Assert.Null(o.Conflict));
        Assert.Equal(5, await store.CountMessagesAsync()); // keys 1, 2, 3 of d1 and 5, 6 of d2
        Assert.Equal(["raised", "escalated", "cleared"], (await store.GetAlertHistoryAsync("a1")).Select(h => h.State));
        Assert.Equal("cleared", (await store.GetAlertAsync("a1"))!.State);
        Assert.Equal(new byte[] { 1, 2, 3 }, (await store.GetFingerprintsAsync("f1", "d2", T0, T0.AddMinutes(1))).Single().Data.ToArray());
        var d2 = await store.GetDeviceAsync("f1", "d2");
        Assert.Equal(("online", 4L, (DateTimeOffset?)T0.AddMinutes(3)), (d2!.Status, d2.OutboxDepth, d2.LastSeen));

        var again = await store.StoreBatchAsync(batch);
        Assert.All(again, o => Assert.Equal(StoreOutcome.Duplicate, o.Outcome));
        Assert.Equal(5, await store.CountMessagesAsync());
    }

    [Fact]
    public async Task StoreBatch_AlertIdOwnedByAnotherDevice_OnlyThatMessageRefusedTheRestStored()
    {
        var store = await OpenAsync();
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 1), T0, Alert("a1"));
        var outcomes = await store.StoreBatchAsync(
        [
            IncomingMessage.Of(new MessageKey("f1", "d2", 1), T0, Alert("a1", device: "d2", state: "cleared")),
            IncomingMessage.Of(new MessageKey("f1", "d2", 2), T0, Alert("b1", device: "d2")),
        ]);

        Assert.Contains("f1/d1", outcomes[0].Conflict, StringComparison.Ordinal);
        Assert.Equal((StoreOutcome.Stored, (string?)null), (outcomes[1].Outcome, outcomes[1].Conflict));
        Assert.False(await store.ContainsMessageAsync(new MessageKey("f1", "d2", 1)));
        Assert.True(await store.ContainsMessageAsync(new MessageKey("f1", "d2", 2)));
        Assert.Equal("raised", (await store.GetAlertAsync("a1"))!.State);
        Assert.Equal("d2", (await store.GetAlertAsync("b1"))!.Device);
    }

    [Fact]
    public async Task StoreBatch_MalformedMessage_RefusedAndNothingOfTheBatchStored()
    {
        var store = await OpenAsync();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.StoreBatchAsync(
        [
            IncomingMessage.Of(new MessageKey("f1", "d1", 1), T0, Alert("a1")),
            new IncomingMessage(new MessageKey("f1", "d1", 2), T0, null, null, null),
        ]));
        Assert.Contains("Message 1", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await store.CountMessagesAsync());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task StoreBatch_RandomBatches_SameOutcomesAndStateAsStoringEachMessageAlone(int seed)
    {
        // Reference semantics: the one-message calls, each in its own transaction, in batch order.
        var batched = await OpenAsync();
        var single = await OpenSecondStoreAsync();
        _opened.Add(single);
        var random = new Random(seed);
        var contents = new Dictionary<(string, long), IncomingMessage>(); // a repeated key is a redelivery: same content
        var totals = new int[3];
        for (var round = 0; round < 3; round++)
        {
            var batch = new List<IncomingMessage>();
            var size = round == 0 ? 150 : random.Next(0, 90); // 150 > 2 x SqlBatchWriter.MaxRowsPerStatement: several multi-row statements of each shape (PostgreSQL)
            for (var i = 0; i < size; i++)
            {
                var device = "d" + random.Next(1, 4);
                var sequence = (long)random.Next(1, 60);
                if (!contents.TryGetValue((device, sequence), out var message))
                {
                    var key = new MessageKey("f1", device, sequence);
                    var at = T0.AddSeconds(random.Next(0, 600));
                    message = random.Next(10) switch
                    {
                        < 6 => IncomingMessage.Of(key, at, new StoredAlert(
                            "a" + random.Next(0, 8), "f1", device, random.Next(2) == 0 ? "model-a" : "model-b", random.Next(2) == 0 ? "input-drift" : "canary-mismatch", "s" + random.Next(3),
                            random.Next(2) == 0 ? "warning" : "critical", new[] { "raised", "escalated", "cleared" }[random.Next(3)], sequence, sequence + random.Next(100),
                            $$"""{"statistic":{{random.Next(100)}}}""", T0.AddMinutes(random.Next(60)), T0.AddMinutes(random.Next(60)))),
                        < 8 => IncomingMessage.Of(key, at, new StoredFingerprint("f1", device, sequence, random.Next(2) == 0 ? "model-a" : "model-c", T0.AddMinutes(sequence), T0.AddMinutes(sequence + 1), random.Next(1, 500), new byte[] { (byte)sequence, (byte)random.Next(256) })),
                        _ => IncomingMessage.Of(key, at, new DeviceStatusReport(random.Next(2) == 0 ? "online" : "offline", random.Next(3) == 0 ? null : "model-s", random.Next(50), random.Next(5), at)),
                    };
                    contents.Add((device, sequence), message);
                }

                batch.Add(message);
            }

            var outcomes = await batched.StoreBatchAsync(batch);

            Assert.Equal(batch.Count, outcomes.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                var expected = await StoreAloneAsync(single, batch[i]);
                Assert.True(expected == outcomes[i], $"seed {seed}, round {round}, message {i} ({batch[i].Key}): alone {expected}, batched {outcomes[i]}");
                totals[expected.Conflict is not null ? 2 : (int)expected.Outcome]++;
            }

            await AssertSameStateAsync(single, batched);
        }

        Assert.All(totals, t => Assert.True(t > 0, $"the random batches must exercise stored, duplicate and conflict outcomes: {string.Join(", ", totals)}"));
    }

    private static async Task<BatchItemOutcome> StoreAloneAsync(IAggregatorStore store, IncomingMessage message)
    {
        try
        {
            return new(
                message switch
                {
                    { Alert: { } alert } => await store.StoreAlertAsync(message.Key, message.ReceivedAt, alert),
                    { Fingerprint: { } fingerprint } => await store.StoreFingerprintAsync(message.Key, message.ReceivedAt, fingerprint),
                    _ => await store.StoreStatusAsync(message.Key, message.ReceivedAt, message.Status!),
                },
                null);
        }
        catch (StoreConflictException conflict)
        {
            return new(StoreOutcome.Duplicate, conflict.Message);
        }
    }

    private static async Task AssertSameStateAsync(IAggregatorStore expected, IAggregatorStore actual)
    {
        Assert.Equal(await expected.CountMessagesAsync(), await actual.CountMessagesAsync());
        Assert.Equal(await expected.GetHighestSequencesAsync(), await actual.GetHighestSequencesAsync());
        Assert.Equal(await expected.GetDevicesAsync(), await actual.GetDevicesAsync());
        var all = new AlertQuery { Limit = int.MaxValue };
        var alerts = (await expected.QueryAlertsAsync(all)).OrderBy(a => a.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(alerts, (await actual.QueryAlertsAsync(all)).OrderBy(a => a.Id, StringComparer.Ordinal));
        foreach (var alert in alerts)
        {
            Assert.Equal(await expected.GetAlertHistoryAsync(alert.Id), await actual.GetAlertHistoryAsync(alert.Id));
        }

        var fingerprints = await expected.GetFingerprintsAsync("f1", null, T0, T0.AddDays(1));
        var actualFingerprints = await actual.GetFingerprintsAsync("f1", null, T0, T0.AddDays(1));
        Assert.Equal(fingerprints.Select(f => f with { Data = default }), actualFingerprints.Select(f => f with { Data = default }));
        Assert.Equal(fingerprints.Select(f => Convert.ToHexString(f.Data.Span)), actualFingerprints.Select(f => Convert.ToHexString(f.Data.Span)));
    }

    [Fact]
    public async Task StoreAlert_PayloadOfAnotherDevice_Refused()
    {
        var store = await OpenAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => store.StoreAlertAsync(new MessageKey("f1", "d2", 1), T0, Alert("a1", device: "d1")));
        Assert.Equal(0, await store.CountMessagesAsync());
    }

    [Fact]
    public async Task QueryAlerts_Filters_SelectExactlyTheMatchingAlerts()
    {
        var store = await OpenAsync();
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 1), T0, Alert("a1", kind: "input-drift", severity: "warning", minute: 1));
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 2), T0, Alert("a2", kind: "canary-mismatch", severity: "critical", minute: 2));
        await store.StoreAlertAsync(new MessageKey("f1", "d2", 1), T0, Alert("a3", device: "d2", state: "cleared", minute: 3));
        await store.StoreAlertAsync(new MessageKey("f2", "d1", 1), T0, Alert("a4", fleet: "f2", state: "escalated", minute: 4));
        await store.AcknowledgeAlertAsync("a2", "alice", T0);

        async Task<string[]> Ids(AlertQuery q) => (await store.QueryAlertsAsync(q)).Select(a => a.Id).ToArray();
        Assert.Equal(["a4", "a3", "a2", "a1"], await Ids(new AlertQuery()));
        Assert.Equal(["a3", "a2", "a1"], await Ids(new AlertQuery { Fleet = "f1" }));
        Assert.Equal(["a2", "a1"], await Ids(new AlertQuery { Fleet = "f1", Device = "d1" }));
        Assert.Equal(["a2"], await Ids(new AlertQuery { Kind = "canary-mismatch" }));
        Assert.Equal(["a4", "a3", "a1"], await Ids(new AlertQuery { Severity = "warning" }));
        Assert.Equal(["a4", "a2", "a1"], await Ids(new AlertQuery { State = "open" }));
        Assert.Equal(["a3"], await Ids(new AlertQuery { State = "cleared" }));
        Assert.Equal(["a2"], await Ids(new AlertQuery { State = "acknowledged" }));
        Assert.Equal(["a4", "a3"], await Ids(new AlertQuery { Limit = 2 }));
    }

    [Fact]
    public async Task AcknowledgeAlert_FirstAcknowledgementWins()
    {
        var store = await OpenAsync();
        Assert.Equal(AcknowledgeOutcome.NotFound, await store.AcknowledgeAlertAsync("nope", "alice", T0));
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 1), T0, Alert("a1"));
        Assert.Equal(AcknowledgeOutcome.Acknowledged, await store.AcknowledgeAlertAsync("a1", "alice", T0.AddMinutes(1)));
        Assert.Equal(AcknowledgeOutcome.AlreadyAcknowledged, await store.AcknowledgeAlertAsync("a1", "bob", T0.AddMinutes(2)));
        var alert = await store.GetAlertAsync("a1");
        Assert.Equal("alice", alert!.AcknowledgedBy);
        Assert.Equal(T0.AddMinutes(1), alert.AcknowledgedAt);

        // A later lifecycle step from the device keeps the acknowledgement.
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 2), T0, Alert("a1", state: "escalated", minute: 3));
        alert = await store.GetAlertAsync("a1");
        Assert.Equal("escalated", alert!.State);
        Assert.Equal("alice", alert.AcknowledgedBy);
    }

    [Fact]
    public async Task StoreFingerprint_RangeQueryReturnsWindowsStartingInRangeWithBytesIntact()
    {
        var store = await OpenAsync();
        byte[] data = [1, 2, 3, 0, 255];
        for (var i = 0; i < 4; i++)
        {
            var fp = new StoredFingerprint("f1", "d1", 10 + i, "model-a", T0.AddMinutes(i), T0.AddMinutes(i + 1), 256, data);
            Assert.Equal(StoreOutcome.Stored, await store.StoreFingerprintAsync(new MessageKey("f1", "d1", 10 + i), T0, fp));
        }

        var other = new StoredFingerprint("f1", "d2", 1, "model-a", T0, T0.AddMinutes(1), 128, data);
        await store.StoreFingerprintAsync(new MessageKey("f1", "d2", 1), T0, other);
        Assert.Equal(StoreOutcome.Duplicate, await store.StoreFingerprintAsync(new MessageKey("f1", "d2", 1), T0, other));

        var range = await store.GetFingerprintsAsync("f1", "d1", T0.AddMinutes(1), T0.AddMinutes(3));
        Assert.Equal([11L, 12L], range.Select(f => f.Sequence));
        Assert.Equal(data, range[0].Data.ToArray());
        Assert.Equal(T0.AddMinutes(1), range[0].WindowStart);
        Assert.Equal(256, range[0].ObservationCount);

        var fleet = await store.GetFingerprintsAsync("f1", null, T0, T0.AddHours(1));
        Assert.Equal(["d1", "d1", "d1", "d1", "d2"], fleet.Select(f => f.Device));

        // The headers: the same windows in the same order, every field but the data (left out of the query).
        var headers = await store.GetFingerprintHeadersAsync("f1", null, T0, T0.AddHours(1));
        Assert.Equal(fleet.Select(f => (f.Device, f.Sequence, f.ModelHash, f.WindowStart, f.WindowEnd, f.ObservationCount)), headers.Select(f => (f.Device, f.Sequence, f.ModelHash, f.WindowStart, f.WindowEnd, f.ObservationCount)));
        Assert.All(headers, h => Assert.Equal(0, h.Data.Length));
        Assert.Equal([11L, 12L], (await store.GetFingerprintHeadersAsync("f1", "d1", T0.AddMinutes(1), T0.AddMinutes(3))).Select(f => f.Sequence));
    }

    [Fact]
    public async Task StoreStatus_UpdatesDeviceAndLastSeenKeepsTheLatestArrival()
    {
        var store = await OpenAsync();
        await store.RegisterDeviceAsync("f1", "d1", "key-1");
        var registered = await store.GetDeviceAsync("f1", "d1");
        Assert.Equal(new DeviceRecord("f1", "d1", null, "key-1", null, "unknown", 0, 0), registered);

        await store.StoreStatusAsync(new MessageKey("f1", "d1", 1), T0.AddMinutes(5), new DeviceStatusReport("online", "model-a", 12, 3, T0));
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 2), T0.AddMinutes(2), Alert("a1"));
        var device = await store.GetDeviceAsync("f1", "d1");
        Assert.Equal(new DeviceRecord("f1", "d1", "model-a", "key-1", T0.AddMinutes(5), "online", 12, 3), device);

        await store.StoreStatusAsync(new MessageKey("f1", "d1", 0), T0.AddMinutes(6), new DeviceStatusReport("offline", null, 12, 3, T0));
        device = await store.GetDeviceAsync("f1", "d1");
        Assert.Equal("offline", device!.Status);
        Assert.Equal("model-a", device.ModelHash);
        Assert.Equal(T0.AddMinutes(6), device.LastSeen);

        await store.RegisterDeviceAsync("f1", "d1", "key-2");
        Assert.Equal(device with { KeyId = "key-2" }, await store.GetDeviceAsync("f1", "d1"));
        Assert.Equal(["d1"], (await store.GetDevicesAsync("f1")).Select(d => d.Device));
        Assert.Empty(await store.GetDevicesAsync("f2"));
    }

    [Fact]
    public async Task StoreStatus_OutboxFault_StoredByBothWritePaths_AndClearedByTheNextStatus()
    {
        var store = await OpenAsync();
        await store.RegisterDeviceAsync("f1", "d1", "key-1");
        await store.RegisterDeviceAsync("f1", "d2", "key-2");

        // One message at a time (StoreStatusAsync) and in a group commit (StoreBatchAsync, what the ingest uses).
        const string Fault = "disk full: No space left on device : '/var/lib/edgesentinel/outbox.db'";
        await store.StoreStatusAsync(new MessageKey("f1", "d1", 1), T0, new DeviceStatusReport("online", null, 40, 0, T0, Fault));
        await store.StoreBatchAsync([IncomingMessage.Of(new MessageKey("f1", "d2", 1), T0, new DeviceStatusReport("online", null, 41, 0, T0, Fault))]);
        Assert.Equal(Fault, (await store.GetDeviceAsync("f1", "d1"))!.OutboxFault);
        Assert.Equal(Fault, (await store.GetDeviceAsync("f1", "d2"))!.OutboxFault);
        Assert.Equal([Fault, Fault], (await store.GetDevicesAsync("f1")).Select(d => d.OutboxFault));

        // Space came back: the next status carries no fault, and the stored one goes.
        await store.StoreStatusAsync(new MessageKey("f1", "d1", 2), T0, new DeviceStatusReport("online", null, 0, 0, T0));
        await store.StoreBatchAsync([IncomingMessage.Of(new MessageKey("f1", "d2", 2), T0, new DeviceStatusReport("online", null, 0, 0, T0))]);
        Assert.Null((await store.GetDeviceAsync("f1", "d1"))!.OutboxFault);
        Assert.Null((await store.GetDeviceAsync("f1", "d2"))!.OutboxFault);
    }

    [Fact]
    public async Task GetHighestSequences_MaxPerDevice_AndMessagesCarryTheModelHashToTheDevice()
    {
        var store = await OpenAsync();
        Assert.Empty(await store.GetHighestSequencesAsync());
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 9), T0, Alert("a1"));
        await store.StoreAlertAsync(new MessageKey("f1", "d1", 4), T0, Alert("a2"));
        await store.StoreStatusAsync(new MessageKey("f1", "d2", 2), T0, new DeviceStatusReport("online", null, 0, 0, T0));
        var highest = await store.GetHighestSequencesAsync();
        Assert.Equal([(("f1", "d1"), 9L), (("f1", "d2"), 2L)], highest.Select(p => (p.Key, p.Value)));
        Assert.Equal("model-a", (await store.GetDeviceAsync("f1", "d1"))!.ModelHash);
        Assert.Null((await store.GetDeviceAsync("f1", "d2"))!.ModelHash);
        Assert.Equal(2, await store.CountMessagesAsync("f1", "d1"));
        Assert.Equal(3, await store.CountMessagesAsync("f1"));
    }

    [Fact]
    public async Task RecordRejection_CountedByReasonNewestFirst()
    {
        var store = await OpenAsync();
        await store.RecordRejectionAsync(new Rejection("bad-signature", "f1", "d1", "edgesentinel/v1/f1/d1/alert", T0, "HMAC differs"));
        await store.RecordRejectionAsync(new Rejection("bad-signature", "f1", "d2", "edgesentinel/v1/f1/d2/alert", T0.AddSeconds(1), "HMAC differs"));
        await store.RecordRejectionAsync(new Rejection("bad-topic", null, null, "x/y", T0.AddSeconds(2), "not under edgesentinel/v1"));

        var counts = await store.CountRejectionsByReasonAsync();
        Assert.Equal(2, counts["bad-signature"]);
        Assert.Equal(1, counts["bad-topic"]);
        var recent = await store.GetRejectionsAsync(2);
        Assert.Equal(["bad-topic", "bad-signature"], recent.Select(r => r.Reason));
        Assert.Null(recent[0].Fleet);
        Assert.Equal("d2", recent[1].Device);
    }
}

public sealed class SqliteAggregatorStoreTests : AggregatorStoreTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-sqlite-" + Guid.NewGuid().ToString("N")[..12]);

    protected override Task<IAggregatorStore> OpenStoreAsync()
    {
        Directory.CreateDirectory(_folder);
        return AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(_folder, "store.db") }, Time);
    }

    protected override Task<IAggregatorStore> OpenSecondStoreAsync()
    {
        Directory.CreateDirectory(_folder);
        return AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(_folder, "second.db") }, Time);
    }

    protected override string BlobType => "BLOB";

    protected override async Task ExecuteSqlAsync(string sql)
    {
        Directory.CreateDirectory(_folder);
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_folder, "store.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Open_UsesWriteAheadLogging()
    {
        await using var store = await OpenStoreAsync();
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_folder, "store.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task OpenSqlite_InvalidOptions_ListsEveryProblem()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = " ", BusyTimeout = TimeSpan.Zero }));
        Assert.Contains("Path:", error.Message, StringComparison.Ordinal);
        Assert.Contains("BusyTimeout:", error.Message, StringComparison.Ordinal);
    }
}

[Collection(PostgresServerGroup.Name)]
public sealed class PostgresAggregatorStoreTests(PostgresServer server) : AggregatorStoreTests
{
    private string? _connectionString;
    private string? _secondConnectionString;

    public override async Task InitializeAsync() => _connectionString = await server.CreateDatabaseAsync();

    protected override Task<IAggregatorStore> OpenStoreAsync() => AggregatorStores.OpenPostgresAsync(_connectionString!, Time);

    protected override string BlobType => "BYTEA";

    protected override async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    protected override async Task<IAggregatorStore> OpenSecondStoreAsync() =>
        await AggregatorStores.OpenPostgresAsync(_secondConnectionString ??= await server.CreateDatabaseAsync(), Time);
}
