using System.Globalization;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.FleetLoad;

// Load bench (issue 7): N devices x R msg/s for S seconds through Mosquitto into `edgesentinel aggregate`.
// Usage: EdgeSentinel.Load.Bench [--devices 200] [--rate 5] [--seconds 300] [--alert-every 5] [--poll-ms 100] [--reference-schema] [--store postgres:CONNECTION-STRING]
//        EdgeSentinel.Load.Bench verify [--messages 20000] [--rounds 3] [--reference-schema]   (receive-side CPU per message, no broker)
var problems = new List<string>();
var reference = args.Contains("--reference-schema");
if (args.Length > 0 && args[0] == "verify")
{
    var messagesToVerify = IntOption("--messages", 20_000);
    var rounds = IntOption("--rounds", 3);
    if (messagesToVerify < 1 || rounds < 1)
    {
        problems.Add("--messages and --rounds must be at least 1");
    }

    if (problems.Count > 0)
    {
        foreach (var p in problems)
        {
            Console.Error.WriteLine($"load bench: {p}");
        }

        return 2;
    }

    return EdgeSentinel.LoadBench.VerifyProfile.Run(messagesToVerify, rounds, reference);
}

var devices = IntOption("--devices", 200);
var rate = DoubleOption("--rate", 5);
var seconds = IntOption("--seconds", 300);
var alertEvery = IntOption("--alert-every", 5);
var pollMs = IntOption("--poll-ms", 100);
var storeText = StringOption("--store");
StoreLocation? postgres = null;
if (storeText is not null && (!StoreLocation.TryParse(storeText, out postgres, out var storeProblem) || !postgres!.IsPostgres))
{
    problems.Add($"--store must be postgres:CONNECTION-STRING (an empty database; without it a SQLite file is used){(storeProblem is null ? "" : ": " + storeProblem)}");
}

if (devices < 1 || seconds < 1 || pollMs < 1)
{
    problems.Add("--devices, --seconds and --poll-ms must be at least 1");
}

var load = new FleetLoadOptions { RatePerDevice = rate, MessagesPerDevice = (int)Math.Round(rate * seconds), AlertEvery = alertEvery };
problems.AddRange(load.Validate());
if (problems.Count > 0)
{
    foreach (var p in problems)
    {
        Console.Error.WriteLine($"load bench: {p}");
    }

    return 2;
}

var folder = Path.Combine(Path.GetTempPath(), "es-load-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(folder);
MosquittoBroker? broker = null;
try
{
    var location = postgres ?? new StoreLocation(false, Path.Combine(folder, "store.db"));
    Console.WriteLine($"EdgeSentinel load bench — {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, load average {File.ReadAllText("/proc/loadavg").Trim()}");
    Console.WriteLine($"{devices} devices x {rate} msg/s x {seconds} s (every {alertEvery}th message an alert, the rest fingerprints), store {location}");
    var result = await LoadRun.RunAsync(
        new LoadRunOptions { Store = location, Folder = folder, Devices = devices, Load = load, Poll = TimeSpan.FromMilliseconds(pollMs), ReferenceSchema = reference, DrainTimeout = TimeSpan.FromSeconds(300) },
        async security =>
        {
            broker = await MosquittoBroker.StartAsync(new MosquittoSecurity(security.PasswordLines, security.AclLines));
            return broker.Port;
        },
        line => Console.WriteLine("  " + line));

    static string Mib(double bytes) => (bytes / 1048576).ToString("F1", CultureInfo.InvariantCulture);
    Console.WriteLine();
    Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
    Console.WriteLine($"published (acknowledged by the broker): {result.Published} in {result.PublishDuration.TotalSeconds:F1} s = {result.Published / result.PublishDuration.TotalSeconds:F0} msg/s; "
        + $"mean message {result.PayloadBytes / Math.Max(1, result.Published)} bytes");
    Console.WriteLine($"stored: {result.Stored}; lost: {result.Lost}; exactly once per (device, sequence) with its alert/fingerprint row: {result.ExactlyOnce}; "
        + $"rejected: {AggregatorProcess.Sum(result.Metrics, "edgesentinel_ingest_rejected_total")}; store failures: {AggregatorProcess.Sum(result.Metrics, "edgesentinel_ingest_store_failures_total")}");
    var all = result.LagMs();
    var firstMinute = result.LagMs(TimeSpan.Zero, TimeSpan.FromMinutes(1));
    var lastMinute = result.LagMs(TimeSpan.FromSeconds(Math.Max(0, seconds - 60)), null);
    Console.WriteLine($"lag publish -> stored (ms, poll {pollMs} ms): all p50 {all.P50:F0} p99 {all.P99:F0} max {all.Max:F0} ({all.Count} messages); "
        + $"first minute p50 {firstMinute.P50:F0} p99 {firstMinute.P99:F0} max {firstMinute.Max:F0}; last minute p50 {lastMinute.P50:F0} p99 {lastMinute.P99:F0} max {lastMinute.Max:F0}");
    var memoryFirst = MemorySamples.Window(result.Memory, result.LoadStartedAt, result.LoadStartedAt + TimeSpan.FromMinutes(1));
    var end = result.LoadStartedAt + result.PublishDuration;
    var memoryLast = MemorySamples.Window(result.Memory, end - TimeSpan.FromMinutes(1), end);
    Console.WriteLine($"aggregator memory, first minute of load: {memoryFirst}");
    Console.WriteLine($"aggregator memory, last minute of load:  {memoryLast}");
    Console.WriteLine($"aggregator live heap after a forced full GC: idle before the load {Mib(result.LiveHeap[0].HeapAfterLastGc)} MiB (RSS {Mib(result.LiveHeap[0].Rss)}), "
        + $"after the load was stored {Mib(result.LiveHeap[^1].HeapAfterLastGc)} MiB (RSS {Mib(result.LiveHeap[^1].Rss)})");
    Console.WriteLine($"aggregator CPU: {result.AggregatorCpu.TotalSeconds:F1} s for {result.Stored} messages = {result.AggregatorCpu.TotalMilliseconds * 1000 / Math.Max(1, result.Stored):F0} us per message "
        + $"(start-up included) -> one core would store about {result.Stored / Math.Max(0.001, result.AggregatorCpu.TotalSeconds):F0} msg/s");
    Console.WriteLine($"store: {Mib(result.StorageBytes)} MiB for {result.Stored} messages = {result.StorageBytes / Math.Max(1, result.Stored)} bytes per message (with indexes; SQLite file + WAL, or the PostgreSQL database)");
    var batches = AggregatorProcess.Sum(result.Metrics, "edgesentinel_ingest_stored_total");
    Console.WriteLine($"aggregator metrics: stored {batches}, duplicates {AggregatorProcess.Sum(result.Metrics, "edgesentinel_ingest_duplicates_total")}, lag max {AggregatorProcess.Sum(result.Metrics, "edgesentinel_ingest_lag_max_seconds"):F2} s (receive - device timestamp), "
        + $"reconnects {AggregatorProcess.Sum(result.Metrics, "edgesentinel_ingest_reconnects_total")} (held-back recycles {AggregatorProcess.Sum(result.Metrics, "edgesentinel_ingest_held_back_recycles_total")})");
    return result.Lost == 0 && result.ExactlyOnce ? 0 : 1;
}
finally
{
    if (broker is not null)
    {
        await broker.DisposeAsync();
    }

    Directory.Delete(folder, recursive: true);
}

int IntOption(string name, int fallback) => (int)NumberOption(name, fallback, integer: true);

double DoubleOption(string name, double fallback) => NumberOption(name, fallback, integer: false);

double NumberOption(string name, double fallback, bool integer)
{
    var text = StringOption(name);
    if (text is null)
    {
        return fallback;
    }

    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || (integer && (value != Math.Floor(value) || Math.Abs(value) > int.MaxValue)))
    {
        problems.Add($"{name} '{text}' is not {(integer ? "an integer" : "a number")}");
    }

    return value;
}

string? StringOption(string name)
{
    var i = Array.IndexOf(args, name);
    if (i < 0)
    {
        return null;
    }

    if (i + 1 >= args.Length)
    {
        problems.Add($"{name} needs a value");
        return null;
    }

    return args[i + 1];
}
