using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSentinel.Cloud.Dashboard;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cli.Demo;

/// <summary>
/// <c>edgesentinel demo</c>: everything on one machine — an embedded authenticated MQTT broker, the aggregator with
/// SQLite and the dashboard, and a small fleet of simulated robots running the shipped models through the same device
/// code as <c>run</c>: honest robots, one whose sensor ages, and one running the sleeper model whose turn comes after
/// about a minute. Prints the dashboard address and one line per alert the aggregator stores.
/// </summary>
internal static class DemoCommand
{
    public const string Fleet = "demo";

    public static Command Create(TextWriter stdout, TextWriter stderr) => Create(stdout, stderr, new RunEnvironment());

    internal static Command Create(TextWriter stdout, TextWriter stderr, RunEnvironment environment)
    {
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds (default: run until Ctrl+C; with --headless: 90)." };
        var devices = new Option<int>("--devices") { Description = "Simulated robots: one sleeper, one with an aging sensor, the rest honest (at least 3).", DefaultValueFactory = _ => 4 };
        var port = new Option<int>("--port") { Description = "Dashboard and HTTP API port on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var headless = new Option<bool>("--headless") { Description = "No dashboard user expected: run for --duration, then print a summary and exit." };
        var seed = new Option<long>("--seed") { Description = "Seed of the simulated worlds (same seed, same robots).", DefaultValueFactory = _ => 1 };
        var rate = new Option<double>("--rate") { Description = "Frames per second of each robot.", DefaultValueFactory = _ => 20 };
        var sleeperAfter = new Option<double>("--sleeper-after") { Description = "Seconds until the sleeper robot's deployment cue appears (its treacherous turn).", DefaultValueFactory = _ => 60 };
        var data = new Option<DirectoryInfo>("--data") { Description = "Folder for the demo's store, device configurations, keys, outboxes and logs; each run gets a new subfolder.", DefaultValueFactory = _ => new DirectoryInfo("edgesentinel-demo") };
        var models = new Option<DirectoryInfo?>("--models") { Description = "Folder with the shipped models and baselines (default: models/ of this checkout)." };
        var command = new Command("demo", "Run a whole fleet on this machine: embedded broker, aggregator with SQLite, live dashboard, and simulated robots (honest, aging sensor, sleeper).");
        foreach (var o in new Option[] { duration, devices, port, headless, seed, rate, sleeperAfter, data, models })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) => new DemoSession(stdout, stderr, environment, new DemoRequest(
            parse.GetValue(duration), parse.GetValue(devices), parse.GetValue(port), parse.GetValue(headless), parse.GetValue(seed), parse.GetValue(rate),
            parse.GetValue(sleeperAfter), parse.GetValue(data)!, parse.GetValue(models))).RunAsync(cancellationToken));
        return command;
    }
}

/// <summary>What <c>demo</c> was asked to do.</summary>
internal sealed record DemoRequest(double? DurationSeconds, int Devices, int Port, bool Headless, long Seed, double RateHz, double SleeperAfterSeconds, DirectoryInfo Data, DirectoryInfo? Models)
{
    public const double HeadlessDefaultSeconds = 90;

    public double? EffectiveDuration => DurationSeconds ?? (Headless ? HeadlessDefaultSeconds : null);

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (DurationSeconds is { } d && !(d > 0 && double.IsFinite(d)))
        {
            problems.Add($"--duration {d.ToString(CultureInfo.InvariantCulture)} must be a positive number of seconds");
        }

        if (Devices is < 3 or > 50)
        {
            problems.Add($"--devices {Devices} must be in 3..50 (one sleeper, one aging sensor, at least one honest robot)");
        }

        if (Port is < 0 or > 65535)
        {
            problems.Add($"--port {Port} must be in 0..65535");
        }

        if (!(RateHz is > 0 and <= 1000))
        {
            problems.Add($"--rate {RateHz.ToString(CultureInfo.InvariantCulture)} must be in (0, 1000] frames per second");
        }

        if (!(SleeperAfterSeconds >= 0 && double.IsFinite(SleeperAfterSeconds)))
        {
            problems.Add($"--sleeper-after {SleeperAfterSeconds.ToString(CultureInfo.InvariantCulture)} must be 0 or more seconds");
        }

        return problems;
    }
}
