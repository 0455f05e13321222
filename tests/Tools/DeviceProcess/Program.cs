using System.Globalization;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Runtime.Reporting;

// A device process: the real DeviceReporter with its SQLite outbox. Enqueues alerts number
// --first .. --first+--alerts-1 (ids "{device}-a{n}"), prints "enqueued n" after each is durable,
// "drained" when the outbox is empty, then goes offline cleanly and exits 0.
// Usage: DeviceProcess --broker HOST:PORT --fleet F --device D --key BASE64 --outbox PATH --alerts N
//        [--first 1] [--username U --password P] [--interval-ms 0] [--await-stored-ack 0|1 (default: the reporter's)]
//        [--ping-ms 500] [--response-timeout-ms 2000] [--publish-timeout-ms 5000] [--keep-alive-s 5]
//        [--stored-ack-timeout-ms 2000] [--trace 0]
var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal))
    {
        Console.Error.WriteLine($"DeviceProcess: expected --name value pairs, found '{args[i]}'");
        return 2;
    }

    arguments[args[i][2..]] = args[i + 1];
}

string Required(string name) => arguments.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");
int Number(string name, int fallback) => arguments.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

var broker = Required("broker").Split(':');
var fleet = Required("fleet");
var device = Required("device");
var first = Number("first", 1);
var count = Number("alerts", 0);
var interval = TimeSpan.FromMilliseconds(Number("interval-ms", 0));
var trace = Number("trace", 0) != 0; // statistics to stderr every second
var options = new ReporterOptions
{
    Fleet = fleet,
    Device = device,
    DeviceKey = SigningKey.FromBase64(Required("key")),
    BrokerHost = broker[0],
    BrokerPort = int.Parse(broker[1], CultureInfo.InvariantCulture),
    Username = arguments.GetValueOrDefault("username"),
    Password = arguments.GetValueOrDefault("password"),
    OutboxPath = Required("outbox"),
    PingInterval = TimeSpan.FromMilliseconds(Number("ping-ms", 500)),
    ResponseTimeout = TimeSpan.FromMilliseconds(Number("response-timeout-ms", 2000)),
    PublishTimeout = TimeSpan.FromMilliseconds(Number("publish-timeout-ms", 5000)),
    KeepAlive = TimeSpan.FromSeconds(Number("keep-alive-s", 5)),
    InitialReconnectDelay = TimeSpan.FromMilliseconds(50),
    MaxReconnectDelay = TimeSpan.FromMilliseconds(400),
    BreakerFailureThreshold = 1000,
    BreakerBreakDuration = TimeSpan.FromMilliseconds(500),
    StatusInterval = TimeSpan.FromMinutes(10),
    HoldUntilSubscribed = true,
    AwaitStoredAck = arguments.ContainsKey("await-stored-ack") ? Number("await-stored-ack", 1) != 0 : new ReporterOptions().AwaitStoredAck,
    StoredAckTimeout = TimeSpan.FromMilliseconds(Number("stored-ack-timeout-ms", 2000)),
};

await using var reporter = new DeviceReporter(options);
var start = reporter.Counts;
Console.Out.WriteLine($"started pending={start.PendingAlerts} next-sequence={start.NextSequence}");
Console.Out.Flush();
using var stop = new CancellationTokenSource();
var run = reporter.RunAsync(stop.Token);

// Reports each dead link the reporter detected, with the time on its own clock: "link-lost <unix ms> <losses>".
var watch = Task.Run(async () =>
{
    long seen = 0;
    var nextTrace = 0L;
    while (!stop.IsCancellationRequested)
    {
        var statistics = reporter.Statistics;
        if (statistics.LinkLosses != seen && statistics.LastLinkLossAt is { } at)
        {
            seen = statistics.LinkLosses;
            Console.Out.WriteLine($"link-lost {at.ToUnixTimeMilliseconds()} {seen}");
            Console.Out.Flush();
        }

        if (trace && Environment.TickCount64 >= nextTrace)
        {
            nextTrace = Environment.TickCount64 + 1000;
            Console.Error.WriteLine($"{TimeProvider.System.GetUtcNow():HH:mm:ss.fff} {statistics} {reporter.Counts} connected={reporter.IsConnected}");
        }

        try
        {
            await Task.Delay(20, stop.Token);
        }
        catch (OperationCanceledException)
        {
            break;
        }
    }
});
for (var n = first; n < first + count; n++)
{
    var now = TimeProvider.System.GetUtcNow();
    reporter.EnqueueAlert(new Alert(
        $"{device}-a{n}",
        device,
        "model-a",
        AlertKind.InputDrift,
        "inputs",
        AlertSeverity.Warning,
        AlertState.Raised,
        n,
        n,
        now,
        now,
        new AlertEvidence("min-holm-adjusted-p", 1e-7, 1e-4, 1e-4, "per window", [new ChannelContribution("input.x", "ks", 0.31, 0.31)])));
    Console.Out.WriteLine($"enqueued {n}");
    Console.Out.Flush();
    if (interval > TimeSpan.Zero)
    {
        await Task.Delay(interval);
    }
}

while (reporter.Counts.PendingAlerts > 0)
{
    await Task.Delay(10);
}

Console.Out.WriteLine("drained");
Console.Out.Flush();
await stop.CancelAsync();
await run;
await watch;
return 0;
