using System.Diagnostics;
using System.Globalization;
using EdgeSentinel.Cloud.Benchmarks;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using EdgeSentinel.Runtime.Reporting;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

// Usage: EdgeSentinel.Cloud.Benchmarks [ingest] [latency] [profile] [verify] [store] [summary] [alert-query] [--messages N] [--devices D] [--alerts N] [--requests R] [--kind alert|fingerprint] [--warmup N] [--rounds N (verify, store, alert-query)] [--postgres CONNECTION-STRING (alert-query: an empty PostgreSQL database)] [--variants (store: raw/ADO writer x WITHOUT ROWID/rowid tables)] [--calls (store: per-row calls native/through SQLitePCL.raw)]
//        [--window N (ingest: receive maximum and MaxQueuedMessages; default the ingest's)] [--batch N (ingest: MaxBatchSize; store: messages per batch)] [--inflight N (ingest: Mosquitto's max_inflight_messages, default 1000)]
var modes = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)).ToHashSet(StringComparer.Ordinal);
int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

var all = modes.Count == 0;
Console.WriteLine($"EdgeSentinel cloud bench — {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, {Mosquitto.Version()}, "
    + $"QuickJitForLoops {AppContext.GetData("System.Runtime.TieredCompilation.QuickJitForLoops") ?? "default"} (src/Cloud/AggregatorHost.props, as edgesentinel ships)");
if (all || modes.Contains("ingest"))
{
    await IngestBench.RunAsync(Option("--messages", 20_000), Option("--devices", 4), Option("--warmup", 0), Option("--window", 0), Option("--batch", 0), Option("--inflight", 1000));
}

if (modes.Contains("profile"))
{
    var kindAt = Array.IndexOf(args, "--kind");
    var fingerprints = kindAt >= 0 && kindAt + 1 < args.Length && args[kindAt + 1] == "fingerprint";
    await IngestProfile.RunAsync(Option("--messages", fingerprints ? 2_000 : 20_000), Option("--devices", 4), fingerprints, Option("--warmup", 0));
}

if (modes.Contains("verify"))
{
    IngestProfile.VerifyOnly(Option("--messages", 20_000), Option("--devices", 4), Option("--rounds", 5));
}

if (modes.Contains("store"))
{
    var folder = Directory.CreateTempSubdirectory("es-bench-store-").FullName;
    await IngestProfile.StoreOnlyAsync(folder, [.. Enumerable.Range(1, Option("--devices", 4)).Select(d => $"d{d}")], Option("--messages", 20_000), Option("--rounds", 1), Option("--batch", 465), args.Contains("--variants"), args.Contains("--calls"));
    Directory.Delete(folder, recursive: true);
}

if (all || modes.Contains("latency"))
{
    await LatencyBench.RunAsync(Option("--alerts", 300));
}

if (modes.Contains("alert-query"))
{
    // The alert list's filters on a large SQLite store (1,000,000 alerts by default), each with SQLite's plan.
    var postgresAt = Array.IndexOf(args, "--postgres"); // a connection string to an empty PostgreSQL database; SQLite in a temp folder without it
    await AlertQueryBench.RunAsync(Option("--alerts", 1_000_000), Option("--rounds", 5), postgresAt >= 0 && postgresAt + 1 < args.Length ? args[postgresAt + 1] : null);
}

if (modes.Contains("summary"))
{
    // The overview's reads after a status report or a new window before every request (50 devices, 10,000 alerts by default).
    return await EdgeSentinel.Cloud.Benchmarks.SummaryBench.RunAsync(Option("--devices", 50), Option("--alerts", 10_000), Option("--requests", 50)) ? 0 : 1;
}

return 0;

internal static class Stream
{
    public static DateTimeOffset Epoch => SignedAlerts.Epoch;

    public static (DeviceKeyRegistry Keys, List<(string Device, SigningKey Key)> Devices) Devices(int count) => SignedAlerts.Devices(count);

    /// <summary>Signed fingerprint envelopes of the load bench's size (the small schema, ≈36 KB), cycling through 8 distinct windows.</summary>
    public static List<(string Topic, byte[] Wire)> FingerprintWires(List<(string Device, SigningKey Key)> devices, int messages)
    {
        var bodies = EdgeSentinel.FleetLoad.LoadMessages.Create();
        var wires = new List<(string, byte[])>(messages);
        for (var i = 0; i < messages; i++)
        {
            var (device, key) = devices[i % devices.Count];
            var sequence = (i / devices.Count) + 1;
            var address = EdgeTopics.Address("bench", device, TopicKind.Fingerprint);
            wires.Add((address.Topic, EnvelopeCodec.Encode(Envelope.Seal(key, address, sequence, Epoch, bodies.FingerprintBody(sequence, Epoch)))));
        }

        return wires;
    }

    public static List<(string Topic, byte[] Wire)> Wires(List<(string Device, SigningKey Key)> devices, int messages) => SignedAlerts.Wires(devices, messages);

    /// <summary>What the ingest hands the store for the alert <see cref="Wires"/> made (evidence JSON as the ingest writes it).</summary>
    /// <summary>
    /// An alert as the ingest hands it to the store: fleet, device and evidence are strings of their own per message (decoded
    /// from each message's topic and body); the wire names of kind, severity and state, the model hash and the subject are
    /// shared (the names are constants; the alert reader shares recurring texts).
    /// </summary>
    public static IncomingMessage Incoming(string device, long sequence)
    {
        var (fleet, own) = (new string("bench"), new string(device));
        return IncomingMessage.Of(
            new MessageKey(fleet, own, sequence),
            Epoch,
            new StoredAlert($"{device}-a{sequence}", fleet, own, "model-a", "input-drift", "inputs", "warning", "raised", sequence, sequence,
                new string("""{"statistic":"min-holm-adjusted-p","value":1E-07,"threshold":0.0001,"falseAlarmRate":0.0001,"falseAlarmUnit":"per window","topChannels":[{"channel":"input.x","test":"ks","statistic":0.31,"score":0.31}]}"""),
                Epoch, Epoch));
    }

    public static MqttApplicationMessage Message(string topic, byte[] wire) => SignedAlerts.Message(topic, wire);
}

/// <summary>
/// Ingest rate from a backlog: one stream of signed alerts is published once into Mosquitto while three
/// persistent sessions are offline (mosquitto_sub, the aggregator with durable SQLite, the aggregator
/// with synchronous=NORMAL); then each drains the same backlog in turn and is timed until the last message
/// is received (mosquitto_sub) or stored (aggregator).
/// </summary>
internal static class IngestBench
{
    private const string RawClient = "es-bench-raw";

    public static async Task RunAsync(int messages, int devices, int warmup = 0, int window = 0, int batch = 0, int inflight = 1000)
    {
        using var broker = await Mosquitto.StartAsync(inflight);
        var defaults = new MqttIngestOptions();
        Window = window > 0 ? window : null;
        Batch = batch > 0 ? batch : null;
        Console.WriteLine($"  broker max_inflight_messages {inflight}; ingest receive maximum {Window ?? defaults.ReceiveMaximum}, MaxQueuedMessages {Window ?? defaults.MaxQueuedMessages}, MaxBatchSize {Batch ?? defaults.MaxBatchSize}, MaxQueuedBytes {defaults.MaxQueuedBytes}");
        var folder = Path.Combine(Path.GetTempPath(), "es-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            await WarmUpAsync(broker.Port, folder, warmup, fingerprints: false);
            var (keys, deviceKeys) = Stream.Devices(devices);

            var filter = EdgeTopics.AllDevicesFilter();
            Mosquitto.Run("mosquitto_sub", $"-h 127.0.0.1 -p {broker.Port} -V 5 -q 1 -c -i {RawClient} -t {filter} -E");
            await using var durable = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "durable.db"), DurableCommits = true });
            await using var normal = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "normal.db"), DurableCommits = false });
            foreach (var (id, store) in new[] { ("es-bench-agg-durable", durable), ("es-bench-agg-normal", normal) })
            {
                await using var session = new MqttIngestor(Options(broker.Port, id), store, keys, new IngestMetrics(TimeProvider.System));
                await session.StartAsync(); // creates the persistent session; disposing disconnects, the session stays
            }

            var payloadBytes = await PublishAsync(broker.Port, Stream.Wires(deviceKeys, messages));
            Console.WriteLine($"ingest: {messages} signed alert messages ({payloadBytes / messages} bytes each on average) from {devices} devices queued in Mosquitto for 3 offline persistent sessions");

            var raw = Stopwatch.StartNew();
            Mosquitto.Run("bash", $"-c \"mosquitto_sub -h 127.0.0.1 -p {broker.Port} -V 5 -q 1 -c -i {RawClient} -t '{filter}' -C {messages} > /dev/null\"");
            raw.Stop();
            var rawRate = messages / raw.Elapsed.TotalSeconds;
            Console.WriteLine($"  mosquitto_sub (QoS 1, discards):          {rawRate,9:F0} msg/s  ({raw.Elapsed.TotalSeconds:F2} s)");

            var durableRate = await DrainAsync(broker.Port, "es-bench-agg-durable", durable, keys, messages);
            Console.WriteLine($"  aggregator, SQLite synchronous=FULL:       {durableRate,9:F0} msg/s  = {100 * durableRate / rawRate:F1}% of raw (target >= 70%)");
            var normalRate = await DrainAsync(broker.Port, "es-bench-agg-normal", normal, keys, messages);
            Console.WriteLine($"  aggregator, SQLite synchronous=NORMAL:     {normalRate,9:F0} msg/s  = {100 * normalRate / rawRate:F1}% of raw");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Runs the ingest's code in this process before anything is timed (so that the timed drains run JIT-optimized code,
    /// as a long-running aggregator does): <paramref name="messages"/> messages of other devices drained by another
    /// session into its own durable SQLite store. Call before the timed sessions exist: they never see these messages.
    /// </summary>
    public static async Task WarmUpAsync(int port, string folder, int messages, bool fingerprints)
    {
        if (messages <= 0)
        {
            return;
        }

        var (keys, devices) = Stream.Devices(4);
        await using var store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "warmup.db") });
        var options = Options(port, "es-bench-warmup");
        options.PublishStoredAcks = false; // nothing retained for the timed sessions to find
        await using (var session = new MqttIngestor(options, store, keys, new IngestMetrics(TimeProvider.System)))
        {
            await session.StartAsync();
        }

        await PublishAsync(port, fingerprints ? Stream.FingerprintWires(devices, messages) : Stream.Wires(devices, messages));
        var watch = Stopwatch.StartNew();
        var metrics = new IngestMetrics(TimeProvider.System);
        await using (var ingest = new MqttIngestor(options, store, keys, metrics))
        {
            await ingest.StartAsync();
            var kind = fingerprints ? "fingerprint" : "alert";
            while (metrics.Stored.GetValueOrDefault(kind) < messages)
            {
                await Task.Delay(5);
            }
        }

        Console.WriteLine($"  warm-up: {messages} other messages drained by another session first ({watch.Elapsed.TotalSeconds:F1} s; not timed)");
    }

    /// <summary>The receive maximum and MaxQueuedMessages of the timed sessions (null: the ingest's defaults).</summary>
    private static int? Window { get; set; }

    /// <summary>The MaxBatchSize of the timed sessions (null: the ingest's default).</summary>
    private static int? Batch { get; set; }

    private static MqttIngestOptions Options(int port, string clientId)
    {
        var options = new MqttIngestOptions { Port = port, ClientId = clientId, SharedGroup = null, ReconnectInterval = TimeSpan.FromMilliseconds(200) };
        if (Window is { } window)
        {
            options.ReceiveMaximum = options.MaxQueuedMessages = window;
        }

        if (Batch is { } batch)
        {
            options.MaxBatchSize = batch;
        }

        return options;
    }

    private static async Task<double> DrainAsync(int port, string clientId, IAggregatorStore store, DeviceKeyRegistry keys, int messages)
    {
        var metrics = new IngestMetrics(TimeProvider.System);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var (allocated, gen0, gen1, gen2, paused) = (GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var watch = Stopwatch.StartNew();
        await using (var ingest = new MqttIngestor(Options(port, clientId), store, keys, metrics))
        {
            await ingest.StartAsync();
            while (metrics.Stored.GetValueOrDefault("alert") + metrics.Duplicates.GetValueOrDefault("alert") < messages)
            {
                if (metrics.Rejected.Count > 0)
                {
                    throw new InvalidOperationException("rejections: " + string.Join(", ", metrics.Rejected));
                }

                await Task.Delay(5);
            }

            watch.Stop();
        }

        var stages = metrics.StageSeconds;
        Console.WriteLine($"    (wall {watch.Elapsed.TotalSeconds:F2} s, process CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / messages:F1} us/msg; busy: "
            + string.Join(", ", new[] { "verify", "replay-check", "store", "acknowledge", "read-paused" }.Select(s => $"{s} {stages.GetValueOrDefault(s):F2} s")) + ")");
        Console.WriteLine($"    (managed heap: {(GC.GetTotalAllocatedBytes() - allocated) / messages} bytes allocated per message, collections gen0 {GC.CollectionCount(0) - gen0} / gen1 {GC.CollectionCount(1) - gen1} / gen2 {GC.CollectionCount(2) - gen2}, paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:F0} ms)");
        Console.WriteLine($"    ({metrics.Batches} group commits, {(double)metrics.BatchedMessages / Math.Max(1, metrics.Batches):F1} messages per transaction on average)");
        var count = await store.CountMessagesAsync();
        if (count != messages)
        {
            throw new InvalidOperationException($"{clientId}: {count} messages in the store, expected {messages}");
        }

        return messages / watch.Elapsed.TotalSeconds;
    }

    public static Task<long> PublishAsync(int port, List<(string Topic, byte[] Wire)> wires) => SignedAlerts.PublishAsync(port, wires, "es-bench-pub");
}

/// <summary>
/// End-to-end alert latency: a DriftMonitor on the device observes a shifted input until its sequential
/// detector alarms; the alert goes through the AlertTracker, the DeviceReporter's durable outbox, Mosquitto
/// and the aggregator into durable SQLite. Timed from the start of the Observe call that alarmed to the
/// completion of the store's commit. One alert at a time on loopback.
/// </summary>
internal static class LatencyBench
{
    public static async Task RunAsync(int alerts)
    {
        using var broker = await Mosquitto.StartAsync();
        var folder = Path.Combine(Path.GetTempPath(), "es-bench-lat-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            var key = SigningKey.Generate();
            var keys = new DeviceKeyRegistry();
            keys.Register("bench", "lat1", key);
            var store = new TimingStore(await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "s.db"), DurableCommits = true }));
            await using var _ = store;
            await using var ingest = new MqttIngestor(new MqttIngestOptions { Port = broker.Port, ClientId = "es-bench-lat", SharedGroup = null }, store, keys, new IngestMetrics(TimeProvider.System));
            await ingest.StartAsync();
            await using var reporter = new DeviceReporter(new ReporterOptions { Fleet = "bench", Device = "lat1", DeviceKey = key, BrokerPort = broker.Port, OutboxPath = Path.Combine(folder, "outbox.db"), HoldUntilSubscribed = true });
            using var stop = new CancellationTokenSource();
            var run = reporter.RunAsync(stop.Token);

            var baseline = BuildBaseline();
            var random = new Random(7);
            var latencies = new List<double>(alerts);
            var inputs = new float[2];
            var outputs = new float[1];
            for (var trial = 0; trial < alerts + 10; trial++)
            {
                var monitor = new DriftMonitor(baseline, new DriftMonitorOptions { WindowSize = 64 });
                var tracker = new AlertTracker("lat1", baseline.Model.Sha256, new AlertPolicy(), TimeProvider.System);
                while (true)
                {
                    inputs[0] = (float)(3.0 + Gaussian(random));
                    inputs[1] = (float)Gaussian(random);
                    outputs[0] = inputs[0] + inputs[1];
                    var t0 = Stopwatch.GetTimestamp();
                    var flags = monitor.Observe(inputs, outputs, [], 1.0);
                    while (monitor.TryTakeWindow(out var window))
                    {
                        monitor.ReturnWindow(window);
                    }

                    if ((flags & ObserveResult.SequentialAlarm) == 0 || !monitor.TryTakeSequentialAlarm(out var alarm))
                    {
                        continue;
                    }

                    var transitions = tracker.Process(monitor.ToSignal(alarm));
                    if (transitions.Count == 0)
                    {
                        continue;
                    }

                    var id = $"lat-{trial}";
                    var stored = store.Expect(id);
                    reporter.EnqueueAlert(transitions[0].Alert with { Id = id });
                    var t1 = await stored.WaitAsync(TimeSpan.FromSeconds(30));
                    if (trial >= 10)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds); // the first 10 warm up
                    }

                    break;
                }
            }

            await stop.CancelAsync();
            await run;
            latencies.Sort();
            double P(double q) => latencies[(int)Math.Floor(q * (latencies.Count - 1))];
            Console.WriteLine($"latency: {latencies.Count} alerts, device Observe -> stored in durable SQLite via DeviceReporter + Mosquitto + aggregator (loopback)");
            Console.WriteLine($"  p50 {P(0.50):F2} ms   p90 {P(0.90):F2} ms   p99 {P(0.99):F2} ms   max {latencies[^1]:F2} ms");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static Baseline BuildBaseline()
    {
        var schema = FingerprintSchema.CreateBuilder().AddInputs(["x", "y"]).AddOutputs(["sum"], OutputKind.Regression).Build();
        var identity = ModelIdentity.FromModelBytes("bench-model"u8.ToArray(), [new TensorSignature("in", "float32", [1, 2])], [new TensorSignature("out", "float32", [1, 1])]);
        var builder = new BaselineBuilder(schema, identity, new BaselineOptions { WindowSize = 64, MinTrainingRows = 200, MinHeldOutRows = 1000, TargetAverageRunLength = 1e4 });
        var random = new Random(42);
        for (var i = 0; i < 3000; i++)
        {
            var x = (float)Gaussian(random);
            var y = (float)Gaussian(random);
            if (i < 2000)
            {
                builder.AddTraining([x, y], [x + y], []);
            }
            else
            {
                builder.AddHeldOut([x, y], [x + y], []);
            }
        }

        return builder.Build(TimeProvider.System);
    }
}
