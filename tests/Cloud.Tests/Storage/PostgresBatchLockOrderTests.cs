using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace EdgeSentinel.Cloud.Tests.Storage;

/// <summary>
/// Two aggregator instances on one PostgreSQL commit batches that touch the same devices concurrently, listed in
/// opposite orders: the device rows are upserted in (fleet, device) order, so neither batch is aborted as a deadlock.
/// </summary>
[Collection(PostgresServerGroup.Name)]
public sealed class PostgresBatchLockOrderTests(PostgresServer server)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task StoreBatch_ConcurrentBatchesOverSharedDevicesInOppositeOrders_NeverDeadlockAndStoreEverythingOnce()
    {
        // 130 devices in two fleets: more than one 64-row statement per batch, so each batch holds the locks of its first
        // statement while it runs the next one — in message order the two batches would each wait for the other's rows.
        const int Devices = 130;
        const int Rounds = 30;
        var time = new FakeTimeProvider(T0);
        var connectionString = await server.CreateDatabaseAsync();
        await using var first = await AggregatorStores.OpenPostgresAsync(connectionString, time);
        await using var second = await AggregatorStores.OpenPostgresAsync(connectionString, time);
        var names = Enumerable.Range(0, Devices).Select(d => (Fleet: $"f{d % 2}", Device: $"d{d:D3}")).ToList();
        var alerts = 0;

        for (var round = 0; round < Rounds; round++)
        {
            var ascending = Batch(names, round, sequence: (2 * round) + 1);
            var descending = Batch(Enumerable.Reverse(names).ToList(), round, sequence: (2 * round) + 2);
            alerts += ascending.Concat(descending).Count(m => m.Alert is not null);
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var a = Task.Run(async () => { await gate.Task; return await first.StoreBatchAsync(ascending); });
            var b = Task.Run(async () => { await gate.Task; return await second.StoreBatchAsync(descending); });
            gate.SetResult();
            try
            {
                foreach (var outcomes in await Task.WhenAll(a, b))
                {
                    Assert.All(outcomes, o => Assert.Equal(new BatchItemOutcome(StoreOutcome.Stored, null), o));
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected)
            {
                Assert.Fail($"round {round}: the concurrent batches deadlocked ({e.SqlState}): {e.MessageText}");
            }
        }

        // Everything stored once: two messages per device and round, each device's last status and last arrival.
        Assert.Equal(2L * Rounds * Devices, await first.CountMessagesAsync());
        var devices = await second.GetDevicesAsync();
        Assert.Equal(names.Order().ToList(), devices.Select(d => (d.Fleet, d.Device)).ToList());
        foreach (var d in devices)
        {
            Assert.Equal(2L * Rounds, await first.CountMessagesAsync(d.Fleet, d.Device));
            Assert.Equal(T0.AddSeconds(Rounds - 1), d.LastSeen);
            Assert.Equal(long.Parse(d.Device[1..], System.Globalization.CultureInfo.InvariantCulture), d.OutboxDepth); // every status of a device reports the same depth
        }

        Assert.Equal(alerts, (await first.QueryAlertsAsync(new AlertQuery { Limit = int.MaxValue })).Count);
    }

    /// <summary>One message per device in the order given, alternately an alert and a status (both statement shapes of the device upsert), received <paramref name="round"/> seconds after T0.</summary>
    private static List<IncomingMessage> Batch(List<(string Fleet, string Device)> devices, int round, long sequence)
    {
        var at = T0.AddSeconds(round);
        return devices.Select((d, i) =>
        {
            var key = new MessageKey(d.Fleet, d.Device, sequence);
            var depth = int.Parse(d.Device[1..], System.Globalization.CultureInfo.InvariantCulture);
            return (i + round) % 2 == 0
                ? IncomingMessage.Of(key, at, new StoredAlert($"{d.Fleet}-{d.Device}-r{round}", d.Fleet, d.Device, "model-a", "input-drift", "inputs", "warning", "raised", 0, 1, "{}", at, at))
                : IncomingMessage.Of(key, at, new DeviceStatusReport("online", "model-a", depth, 0, at));
        }).ToList();
    }
}
