using System.Diagnostics;
using System.Globalization;
using EdgeSentinel.Cloud.Benchmarks;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Topics;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

// Usage: EdgeSentinel.Ingest.Bench [offline] [drain] [--messages N] [--devices D] [--rounds R] [--store null|sqlite]
//   offline: InboundVerifier.TryVerify and its public pieces on one thread, per alert: time and bytes allocated.
//   drain:   R backlogs of N signed alerts, each drained from Mosquitto by a new MqttIngestor session; per message:
//            process CPU (the publisher is idle then), bytes allocated, GC counts, broker CPU, and the stage times.
//            Round 1 includes the JIT; later rounds run tiered-up code as a long-running aggregator does.
var modes = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)).ToHashSet(StringComparer.Ordinal);
int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

var storeAt = Array.IndexOf(args, "--store");
var sqlite = storeAt >= 0 && storeAt + 1 < args.Length && args[storeAt + 1] == "sqlite";
Console.WriteLine($"ingest bench — {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {File.ReadAllText("/proc/loadavg").Trim()}, {TimeProvider.System.GetUtcNow():HH:mm:ss} UTC");
if (modes.Count == 0 || modes.Contains("offline"))
{
    Offline.Run(Option("--messages", 20_000), Option("--devices", 4), Option("--rounds", 5));
}

if (modes.Count == 0 || modes.Contains("drain"))
{
    await Drain.RunAsync(Option("--messages", 20_000), Option("--devices", 4), Option("--rounds", 4), sqlite);
}

return 0;

/// <summary>Verification without a broker, on this thread.</summary>
internal static class Offline
{
    public static void Run(int messages, int devices, int rounds)
    {
        var (registry, keys) = SignedAlerts.Devices(devices);
        var wires = SignedAlerts.Wires(keys, messages);
        var memories = wires.Select(w => (w.Topic, Memory: (ReadOnlyMemory<byte>)w.Wire)).ToList();
        var properties = WireFormat.PropertiesFor(TopicKind.Alert);
        var envelopes = wires.Select(w => EnvelopeCodec.TryDecode(w.Topic, w.Wire, properties, out var e, out _) ? e : throw new InvalidOperationException()).ToList();
        Console.WriteLine($"offline: {messages} alerts ({wires.Sum(w => (long)w.Wire.Length) / messages} bytes each) from {devices} devices, {rounds} rounds");
        for (var round = 1; round <= rounds; round++)
        {
            var verifier = new InboundVerifier(a => registry.Find(a.Fleet, a.Device), new ReplayGuard(TimeProvider.System), ProtocolLimits.Default);
            Measure(round, "InboundVerifier.TryVerify(memory) (the ingest's call)", messages, () =>
            {
                foreach (var (topic, memory) in memories)
                {
                    if (!verifier.TryVerify(topic, memory, properties, out _, out var rejection))
                    {
                        throw new InvalidOperationException(rejection.Message);
                    }
                }
            });
            Measure(round, "  EdgeTopics.TryParse", messages, () =>
            {
                foreach (var (topic, _) in wires)
                {
                    _ = EdgeTopics.TryParse(topic, out _, out _);
                }
            });
            Measure(round, "  Envelope.VerifySignature (HMAC-SHA256)", messages, () =>
            {
                foreach (var envelope in envelopes)
                {
                    _ = envelope.VerifySignature(registry.Find(envelope.Fleet, envelope.Device)!);
                }
            });
            Measure(round, "  full path: EnvelopeCodec.TryDecode", messages, () =>
            {
                foreach (var (topic, wire) in wires)
                {
                    _ = EnvelopeCodec.TryDecode(topic, wire, properties, out _, out _);
                }
            });
            Measure(round, "  full path: AlertCodec.TryDecode", messages, () =>
            {
                foreach (var envelope in envelopes)
                {
                    _ = AlertCodec.TryDecode(envelope, ProtocolLimits.Default, out _, out _);
                }
            });
        }
    }

    private static void Measure(int round, string what, int messages, Action action)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        action();
        var elapsed = watch.Elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {round}: {what,-56} {elapsed.TotalMicroseconds / messages,6:F2} us/msg wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / messages,6:F2} us/msg CPU, {(GC.GetAllocatedBytesForCurrentThread() - allocated) / messages,5} bytes/msg"));
    }
}

/// <summary>Backlog drains through Mosquitto by the real ingest.</summary>
internal static class Drain
{
    public static async Task RunAsync(int messages, int devices, int rounds, bool sqlite)
    {
        using var broker = await Mosquitto.StartAsync();
        var folder = Directory.CreateTempSubdirectory("es-ingest-bench-").FullName;
        try
        {
            Console.WriteLine($"drain: {rounds} rounds of {messages} alerts from {devices} devices, store: {(sqlite ? "durable SQLite" : "stores nothing")}");
            for (var round = 1; round <= rounds; round++)
            {
                var (registry, keys) = SignedAlerts.Devices(devices);
                await using var backing = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, $"round-{round}.db") });
                IAggregatorStore store = sqlite ? backing : new NullBatchStore(backing);
                var clientId = $"es-ingest-bench-{round}";
                await using (var session = new MqttIngestor(Options(broker.Port, clientId), store, registry, new IngestMetrics(TimeProvider.System)))
                {
                    await session.StartAsync(); // the persistent session: the backlog is queued for it
                }

                await SignedAlerts.PublishAsync(broker.Port, SignedAlerts.Wires(keys, messages, $"r{round}-"), "es-ingest-bench-pub");
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var metrics = new IngestMetrics(TimeProvider.System);
                var gen0 = GC.CollectionCount(0);
                var gen1 = GC.CollectionCount(1);
                var gen2 = GC.CollectionCount(2);
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var brokerCpu = broker.Cpu;
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                await using (var ingest = new MqttIngestor(Options(broker.Port, clientId), store, registry, metrics))
                {
                    await ingest.StartAsync();
                    while (metrics.Stored.GetValueOrDefault("alert") + metrics.Duplicates.GetValueOrDefault("alert") < messages)
                    {
                        if (metrics.Rejected.Count > 0)
                        {
                            throw new InvalidOperationException("rejections: " + string.Join(", ", metrics.Rejected));
                        }

                        await Task.Delay(2);
                    }

                    watch.Stop();
                }

                var cpuPerMessage = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / messages;
                var bytes = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / messages;
                var stages = metrics.StageSeconds;
                Console.WriteLine(
                    $"  round {round}: {messages / watch.Elapsed.TotalSeconds,7:F0} msg/s, process CPU {cpuPerMessage,6:F1} us/msg, broker CPU {(broker.Cpu - brokerCpu).TotalMicroseconds / messages,5:F1} us/msg, "
                    + $"{bytes} bytes/msg allocated, GCs {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}; {metrics.Batches} commits; busy of {watch.Elapsed.TotalSeconds:F2} s: "
                    + string.Join(", ", new[] { "verify", "store", "acknowledge", "read-paused" }.Select(s => $"{s} {stages.GetValueOrDefault(s):F2} s"))
                    + $"; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
                if (sqlite && await store.CountMessagesAsync() != messages)
                {
                    throw new InvalidOperationException($"round {round}: {await store.CountMessagesAsync()} messages stored, expected {messages}");
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static MqttIngestOptions Options(int port, string clientId) =>
        new() { Port = port, ClientId = clientId, SharedGroup = null, ReconnectInterval = TimeSpan.FromMilliseconds(200) };

    /// <summary>Stores nothing: every message of a batch is reported stored.</summary>
    private sealed class NullBatchStore(IAggregatorStore inner) : ForwardingStore(inner)
    {
        public override Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<BatchItemOutcome>>([.. messages.Select(_ => new BatchItemOutcome(StoreOutcome.Stored, null))]);
    }
}
