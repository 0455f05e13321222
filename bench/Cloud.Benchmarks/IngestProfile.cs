using System.Diagnostics;
using System.Reflection;
using System.Threading.Channels;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Topics;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeSentinel.Cloud.Benchmarks;

/// <summary>
/// Where the ingest's time goes: the same backlog drained by mosquitto_sub, by a bare MQTTnet client
/// (acknowledging at once, or later in batches from another task as the ingest does), by the ingest over
/// a store that stores nothing, and by the ingest over durable SQLite with the time spent inside the
/// store measured; then, without a broker, verification alone and the store's batch write alone.
/// </summary>
internal static class IngestProfile
{
    public static async Task RunAsync(int messages, int devices, bool fingerprints = false, int warmup = 0)
    {
        var kind = fingerprints ? "fingerprint" : "alert";
        using var broker = await Mosquitto.StartAsync();
        var folder = Path.Combine(Path.GetTempPath(), "es-bench-prof-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            await IngestBench.WarmUpAsync(broker.Port, folder, warmup, fingerprints);
            var (keys, deviceKeys) = Stream.Devices(devices);

            var filter = EdgeTopics.AllDevicesFilter();
            Mosquitto.Run("mosquitto_sub", $"-h 127.0.0.1 -p {broker.Port} -V 5 -q 1 -c -i es-prof-raw -t {filter} -E");
            string[] bare = ["es-prof-autoack", "es-prof-deferred"];
            foreach (var id in bare)
            {
                using var client = await ConnectAsync(broker.Port, id, _ => Task.CompletedTask);
                await client.SubscribeAsync(filter, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
                await client.DisconnectAsync();
            }

            await using var nullBacking = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "null.db") });
            var nullStore = new NullBatchStore(nullBacking);
            var durable = new StopwatchStore(await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "durable.db") }));
            await using var durableScope = durable;
            foreach (var (id, store) in new (string, IAggregatorStore)[] { ("es-prof-null", nullStore), ("es-prof-durable", durable) })
            {
                await using var session = new MqttIngestor(IngestOptions(broker.Port, id), store, keys, new IngestMetrics(TimeProvider.System));
                await session.StartAsync();
            }

            var wires = fingerprints ? Stream.FingerprintWires(deviceKeys, messages) : Stream.Wires(deviceKeys, messages);
            var bytes = await IngestBench.PublishAsync(broker.Port, wires);
            Console.WriteLine($"profile: {messages} {kind}s ({bytes / messages} bytes each on average) from {devices} devices queued for 5 offline sessions");

            var brokerCpu = broker.Cpu;
            var watch = Stopwatch.StartNew();
            var rawCpu = Mosquitto.RunTimed($"mosquitto_sub -h 127.0.0.1 -p {broker.Port} -V 5 -q 1 -c -i es-prof-raw -t '{filter}' -C {messages} > /dev/null");
            var elapsed = watch.Elapsed;
            Console.WriteLine($"  {"mosquitto_sub (QoS 1, discards)",-52} {messages / elapsed.TotalSeconds,8:F0} msg/s  {elapsed.TotalMicroseconds / messages,7:F1} us/msg  process CPU {rawCpu.TotalMicroseconds / messages,6:F1} us/msg  broker CPU {(broker.Cpu - brokerCpu).TotalMicroseconds / messages,5:F1} us/msg");

            await ReportAsync(broker, "MQTTnet client, acknowledged by the handler", messages, () => DrainBareAsync(broker.Port, "es-prof-autoack", messages, deferred: false));
            await ReportAsync(broker, "MQTTnet client, acknowledged later in batches", messages, () => DrainBareAsync(broker.Port, "es-prof-deferred", messages, deferred: true));
            await ReportAsync(broker, "ingest, verify + queue + ack, store does nothing", messages, () => DrainIngestAsync(broker.Port, "es-prof-null", nullStore, keys, messages, kind));
            await ReportAsync(broker, "ingest, durable SQLite", messages, () => DrainIngestAsync(broker.Port, "es-prof-durable", durable, keys, messages, kind));
            Console.WriteLine($"    inside StoreBatchAsync: {durable.Elapsed.TotalSeconds:F2} s in {durable.Batches} batches ({durable.Elapsed.TotalMicroseconds / messages:F1} us/msg)");

            // Offline: the pieces on one thread.
            var verifier = new InboundVerifier(a => keys.Find(a.Fleet, a.Device), new ReplayGuard(TimeProvider.System), ProtocolLimits.Default);
            var properties = WireFormat.PropertiesFor(fingerprints ? TopicKind.Fingerprint : TopicKind.Alert);
            VerifyRounds(verifier, wires, properties, 3);

            if (fingerprints)
            {
                // The conversion for the store: the decoded fingerprint written back to bytes.
                var reports = new List<EdgeSentinel.Protocol.Payloads.FingerprintReport>();
                foreach (var (topic, wire) in wires.Take(200))
                {
                    reports.Add(verifier.TryVerify(topic, wire, properties, out var inbound, out var rejection) ? inbound.Fingerprint! : throw new InvalidOperationException(rejection.Message));
                }

                var envelopes = wires.Take(200).Select(w => EnvelopeCodec.TryDecode(w.Topic, w.Wire, properties, out var e, out _) ? e : throw new InvalidOperationException()).ToList();
                for (var round = 0; round < 5; round++)
                {
                    watch.Restart();
                    foreach (var (topic, wire) in wires.Take(200))
                    {
                        _ = EnvelopeCodec.TryDecode(topic, wire, properties, out _, out _);
                    }

                    var decode = watch.Elapsed.TotalMicroseconds / 200;
                    watch.Restart();
                    foreach (var envelope in envelopes)
                    {
                        _ = envelope.VerifySignature(keys.Find(envelope.Fleet, envelope.Device)!);
                    }

                    var hmac = watch.Elapsed.TotalMicroseconds / 200;
                    watch.Restart();
                    foreach (var envelope in envelopes)
                    {
                        _ = EdgeSentinel.Protocol.Payloads.FingerprintReportCodec.TryDecode(envelope, ProtocolLimits.Default, out _, out _);
                    }

                    Console.WriteLine($"  offline, round {round}: envelope decode {decode:F1} us, HMAC {hmac:F1} us, fingerprint body decode {watch.Elapsed.TotalMicroseconds / 200:F1} us per message");
                }

                watch.Restart();
                foreach (var report in reports)
                {
                    _ = report.Fingerprint.ToBytes();
                }

                Console.WriteLine($"  offline: Fingerprint.ToBytes (the store's bytes from the decoded fingerprint): {watch.Elapsed.TotalMicroseconds / reports.Count,7:F1} us/msg");
            }
            else
            {
                await StoreOnlyAsync(folder, deviceKeys.Select(d => d.Device).ToList(), messages);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Offline verification alone, no broker: <paramref name="messages"/> signed alerts from <paramref name="devices"/> devices, <paramref name="rounds"/> rounds of <see cref="InboundVerifier.TryVerify(string?, ReadOnlySpan{byte}, MessageProperties, out EdgeSentinel.Protocol.Receiving.InboundMessage?, out Rejection)"/>.</summary>
    public static void VerifyOnly(int messages, int devices, int rounds)
    {
        var (keys, deviceKeys) = Stream.Devices(devices);
        var wires = Stream.Wires(deviceKeys, messages);
        var verifier = new InboundVerifier(a => keys.Find(a.Fleet, a.Device), new ReplayGuard(TimeProvider.System), ProtocolLimits.Default);
        Console.WriteLine($"verify: {messages} alerts ({wires.Sum(w => (long)w.Wire.Length) / messages} bytes each on average) from {devices} devices, offline");
        var properties = WireFormat.PropertiesFor(TopicKind.Alert);
        VerifyRounds(verifier, wires, properties, rounds);

        // Of which the signature: the same HMAC-SHA256 check on envelopes decoded beforehand.
        var envelopes = wires.Select(w => EnvelopeCodec.TryDecode(w.Topic, w.Wire, properties, out var e, out var r) ? e : throw new InvalidOperationException(r.Message)).ToList();
        var signingKeys = envelopes.Select(e => keys.Find(e.Fleet, e.Device)!).ToList();
        var watch = new Stopwatch();
        for (var round = 0; round < rounds; round++)
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            watch.Restart();
            for (var i = 0; i < envelopes.Count; i++)
            {
                if (!envelopes[i].VerifySignature(signingKeys[i]))
                {
                    throw new InvalidOperationException("signature");
                }
            }

            Console.WriteLine($"  offline, round {round}: Envelope.VerifySignature alone: {watch.Elapsed.TotalMicroseconds / wires.Count,7:F1} us/msg, {(GC.GetAllocatedBytesForCurrentThread() - allocated) / wires.Count,6} bytes allocated/msg");
        }
    }

    /// <summary>Verifies every wire once per round on this thread; prints wall and process CPU time and the bytes allocated per message.</summary>
    private static void VerifyRounds(InboundVerifier verifier, List<(string Topic, byte[] Wire)> wires, MessageProperties properties, int rounds)
    {
        var watch = new Stopwatch();
        for (var round = 0; round < rounds; round++)
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            watch.Restart();
            foreach (var (topic, wire) in wires)
            {
                if (!verifier.TryVerify(topic, wire, properties, out _, out var rejection))
                {
                    throw new InvalidOperationException(rejection.Message);
                }
            }

            Console.WriteLine($"  offline, round {round}: InboundVerifier.TryVerify (HMAC + decoding): {watch.Elapsed.TotalMicroseconds / wires.Count,7:F1} us/msg (process CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / wires.Count:F1}), {(GC.GetAllocatedBytesForCurrentThread() - allocated) / wires.Count,6} bytes allocated/msg");
        }
    }

    /// <summary>
    /// The store's batch write alone: the alerts the ingest would hand it, in batches of <paramref name="batch"/>, on durable and on
    /// synchronous=NORMAL SQLite. With <paramref name="variants"/>, durable only, each round in four variants in turn: the batch
    /// writer (SQLitePCL.raw, or <c>SqlBatchWriter</c> through Microsoft.Data.Sqlite as before session 8) × the messages and
    /// alert_events tables (rowid tables as the migrations make them, or rebuilt WITHOUT ROWID: tried in session 8, not kept).
    /// </summary>
    public static async Task StoreOnlyAsync(string folder, List<string> devices, int messages, int rounds = 1, int batch = 465, bool variants = false, bool calls = false)
    {
        var watch = new Stopwatch();
        var incoming = Enumerable.Range(0, messages).Select(i => Stream.Incoming(devices[i % devices.Count], (i / devices.Count) + 1)).ToList();
        (bool Durable, bool Raw, bool WithoutRowid, bool Native)[] runs = variants
            ? [(true, true, true, true), (true, false, true, true), (true, true, false, true), (true, false, false, true)]
            : calls ? [(true, true, false, true), (true, true, false, false)]
            : [(true, true, false, true), (false, true, false, true)];
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (durableCommits, raw, withoutRowid, native) in runs)
            {
                var path = Path.Combine(folder, $"offline-{round}-{durableCommits}-{raw}-{withoutRowid}-{native}.db");
                await using var store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = path, DurableCommits = durableCommits });
                if (!raw)
                {
                    // Bench only: the store's internal switch to the ADO.NET batch writer (the same statements; the path before session 8).
                    store.GetType().GetProperty("RawBatchWrites", BindingFlags.NonPublic | BindingFlags.Instance)!.SetValue(store, false);
                }

                if (!native)
                {
                    // Bench only: the raw writer's per-row calls through SQLitePCL.raw rather than straight to the native library (before session 10).
                    store.GetType().GetProperty("NativeBatchCalls", BindingFlags.NonPublic | BindingFlags.Instance)!.SetValue(store, false);
                }

                if (withoutRowid)
                {
                    await WithoutRowidTablesAsync(path);
                }

                GC.Collect();
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Restart();
                for (var i = 0; i < incoming.Count; i += batch)
                {
                    await store.StoreBatchAsync(incoming.GetRange(i, Math.Min(batch, incoming.Count - i)));
                }

                var variant = variants ? $", {(raw ? "raw" : "ado")} writer, {(withoutRowid ? "WITHOUT ROWID" : "rowid tables")}"
                    : calls ? $", per-row calls {(native ? "straight to the native library" : "through SQLitePCL.raw")}" : string.Empty;
                Console.WriteLine($"  offline{(rounds > 1 ? $", round {round}" : string.Empty)}: StoreBatchAsync, {batch} per batch, synchronous={(durableCommits ? "FULL" : "NORMAL")}{variant}: {watch.Elapsed.TotalMicroseconds / messages,7:F1} us/msg, process CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMicroseconds / messages,7:F1} us/msg");
            }
        }
    }

    /// <summary>Rebuilds the (empty) messages and alert_events tables of a store WITHOUT ROWID (one B-tree per table, keyed by its primary key).</summary>
    private static async Task WithoutRowidTablesAsync(string path)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        string[] statements =
        [
            "DROP TABLE messages",
            "DROP TABLE alert_events",
            "CREATE TABLE messages (fleet TEXT NOT NULL, device TEXT NOT NULL, sequence BIGINT NOT NULL, kind TEXT NOT NULL, received_at_ms BIGINT NOT NULL, PRIMARY KEY (fleet, device, sequence)) WITHOUT ROWID",
            "CREATE TABLE alert_events (fleet TEXT NOT NULL, device TEXT NOT NULL, sequence BIGINT NOT NULL, alert_id TEXT NOT NULL, state TEXT NOT NULL, severity TEXT NOT NULL, at_ms BIGINT NOT NULL, PRIMARY KEY (fleet, device, sequence)) WITHOUT ROWID",
            "CREATE INDEX ix_alert_events_alert ON alert_events (alert_id)",
        ];
        foreach (var sql in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Runs a drain and prints its rate and this process's CPU time per message (which other jobs' load inflates far less than wall time).</summary>
    private static async Task ReportAsync(Mosquitto broker, string what, int messages, Func<Task<TimeSpan>> drain)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var brokerCpu = broker.Cpu;
        var elapsed = await drain();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        brokerCpu = broker.Cpu - brokerCpu;
        Console.WriteLine($"  {what,-52} {messages / elapsed.TotalSeconds,8:F0} msg/s  {elapsed.TotalMicroseconds / messages,7:F1} us/msg  process CPU {cpu.TotalMicroseconds / messages,6:F1} us/msg  broker CPU {brokerCpu.TotalMicroseconds / messages,5:F1} us/msg");
    }

    private static MqttIngestOptions IngestOptions(int port, string clientId) => new() { Port = port, ClientId = clientId, SharedGroup = null, ReconnectInterval = TimeSpan.FromMilliseconds(200) };

    private static async Task<IMqttClient> ConnectAsync(int port, string clientId, Func<MqttApplicationMessageReceivedEventArgs, Task> handler)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += handler;
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(3600)
            .WithReceiveMaximum(1000)
            .Build());
        return client;
    }

    private static async Task<TimeSpan> DrainBareAsync(int port, string clientId, int messages, bool deferred)
    {
        var queue = Channel.CreateUnbounded<MqttApplicationMessageReceivedEventArgs>(new UnboundedChannelOptions { SingleReader = true });
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = 0;
        var watch = Stopwatch.StartNew();
        using var client = await ConnectAsync(port, clientId, e =>
        {
            if (deferred)
            {
                e.AutoAcknowledge = false;
                queue.Writer.TryWrite(e);
            }

            if (Interlocked.Increment(ref received) == messages && !deferred)
            {
                done.TrySetResult();
            }

            return Task.CompletedTask;
        });
        if (deferred)
        {
            var acked = 0;
            while (acked < messages && await queue.Reader.WaitToReadAsync())
            {
                while (queue.Reader.TryRead(out var e))
                {
                    await e.AcknowledgeAsync(CancellationToken.None);
                    acked++;
                }
            }

            done.TrySetResult();
        }

        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        watch.Stop();
        await client.DisconnectAsync();
        return watch.Elapsed;
    }

    private static async Task<TimeSpan> DrainIngestAsync(int port, string clientId, IAggregatorStore store, DeviceKeyRegistry keys, int messages, string kind)
    {
        var metrics = new IngestMetrics(TimeProvider.System);
        var watch = Stopwatch.StartNew();
        await using var ingest = new MqttIngestor(IngestOptions(port, clientId), store, keys, metrics);
        await ingest.StartAsync();
        while (metrics.Stored.GetValueOrDefault(kind) + metrics.Duplicates.GetValueOrDefault(kind) < messages)
        {
            if (metrics.Rejected.Count > 0)
            {
                throw new InvalidOperationException("rejections: " + string.Join(", ", metrics.Rejected));
            }

            await Task.Delay(2);
        }

        var elapsed = watch.Elapsed;
        var stages = metrics.StageSeconds;
        Console.WriteLine($"    ({metrics.Batches} group commits, {(double)metrics.BatchedMessages / Math.Max(1, metrics.Batches):F1} messages per commit; busy: "
            + string.Join(", ", new[] { "verify", "replay-check", "store", "acknowledge", "read-paused" }.Select(s => $"{s} {stages.GetValueOrDefault(s):F2} s")) + ")");
        return elapsed;
    }

    /// <summary>Stores nothing: every batch message is reported stored.</summary>
    private sealed class NullBatchStore(IAggregatorStore inner) : ForwardingStore(inner)
    {
        public override Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<BatchItemOutcome>>([.. messages.Select(_ => new BatchItemOutcome(StoreOutcome.Stored, null))]);
    }

    /// <summary>Sums the wall time spent inside <see cref="StoreBatchAsync"/>.</summary>
    private sealed class StopwatchStore(IAggregatorStore inner) : ForwardingStore(inner)
    {
        private long _ticks;

        public int Batches { get; private set; }

        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks));

        public override async Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default)
        {
            var start = Stopwatch.GetTimestamp();
            var outcomes = await Inner.StoreBatchAsync(messages, cancellationToken);
            Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - start);
            Batches++;
            return outcomes;
        }
    }
}
