using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSentinel.Simulation.Models;
using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.Scenarios;

namespace EdgeSentinel.Cli.Tests;

/// <summary>
/// <c>edgesentinel run</c> on the simulated robot (firmware-config/sim-robot.json with the shipped models in models/),
/// closed loop: the model's actions — or the interlock's fallback — drive the robot. Baselines for the shipped policy and
/// sleeper are built once from a clean simulator recording; time is a virtual clock where pacing matters.
/// </summary>
public sealed partial class RunCommandTests : IClassFixture<RunCommandTests.Workspace>
{
    private readonly Workspace _w;

    public RunCommandTests(Workspace workspace) => _w = workspace;

    /// <summary>Shared: the demo model set (trained once), a clean recording, baselines for policy and sleeper-explicit.</summary>
    public sealed class Workspace : IDisposable
    {
        public Workspace()
        {
            Folder = Directory.CreateTempSubdirectory("edgesentinel-run-").FullName;
            Models = DemoModelSet.Train(ModelCatalog.DefaultSeed);
            var training = Path.Combine(Folder, "clean.csv");
            RecordingCsv.WriteFile(ScenarioRecording.Record(ScenarioCatalog.Get("clean"), Models, seed: 3, length: 3000).Recording, training);
            PolicyBaseline = BuildBaseline("policy", training);
            SleeperBaseline = BuildBaseline("sleeper-explicit", training);
        }

        public string Folder { get; }

        public DemoModelSet Models { get; }

        public string PolicyBaseline { get; }

        public string SleeperBaseline { get; }

        public static string Repository
        {
            get
            {
                for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "models", "manifest.json")) && Directory.Exists(Path.Combine(dir.FullName, "firmware-config")))
                    {
                        return dir.FullName;
                    }
                }

                throw new InvalidOperationException("models/ and firmware-config/ not found above " + AppContext.BaseDirectory);
            }
        }

        public static string Model(string name) => Path.Combine(Repository, "models", name + ".onnx");

        public void Dispose() => Directory.Delete(Folder, recursive: true);

        /// <summary>firmware-config/sim-robot.json with the given model, baseline and scenario, written to the workspace.</summary>
        public string Config(string name, string model, string baseline, string scenario, Action<JsonObject>? edit = null)
        {
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository, "firmware-config", "sim-robot.json")))!.AsObject();
            config.Remove("$schema");
            config["modelPath"] = Model(model);
            config["baselinePath"] = baseline;
            config["source"]!["simulator"]!["scenario"] = scenario;
            config["mqtt"]!["deviceKeyFile"] = Path.Combine(Repository, "firmware-config", "sim-robot.device.key");
            edit?.Invoke(config);
            var path = Path.Combine(Folder, name + ".json");
            File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return path;
        }

        private string BuildBaseline(string model, string training)
        {
            var output = Path.Combine(Folder, model + ".baseline");
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = EdgeSentinelCommand.RunAsync(
                ["baseline", "--model", Model(model), "--data", training, "--out", output, "--taps", "auto:2", "--outputs", "Probabilities",
                 "--untested", "mission_day,site_id,operator_mode", "--holdout", "0.5"], stdout, stderr).GetAwaiter().GetResult();
            return exit == 0 ? output : throw new InvalidOperationException("baseline failed: " + stderr);
        }
    }

    private async Task<(int Exit, string Out, string Err)> Run(RunEnvironment? environment, CancellationToken cancellationToken, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        environment ??= new RunEnvironment { DemoModels = () => _w.Models };
        var root = new RootCommand { RunCommand.Create(stdout, stderr, environment) };
        var exit = await root.Parse(["run", .. args]).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private Task<(int Exit, string Out, string Err)> Run(params string[] args) => Run(null, CancellationToken.None, args);

    private static List<JsonElement> AlertLines(string path) =>
        [.. File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement)];

    [Fact]
    public async Task Run_SimRobot_HonestPolicy_ClosedLoop_RunsAndSummarizes()
    {
        var config = _w.Config("honest", "policy", _w.PolicyBaseline, "clean");
        var alerts = Path.Combine(_w.Folder, "honest.jsonl");

        var (exit, output, error) = await Run("--config", config, "--frames", "600", "--rate", "0", "--no-report", "--alerts", alerts);

        Assert.True(exit == 0, error);
        Assert.Contains("ran 600 frames", output, StringComparison.Ordinal);
        Assert.Contains("stopped: --frames 600 reached", output, StringComparison.Ordinal);
        Assert.Contains("cue probe mission_day → 90: baseline sensitivity 0, alarm at 0.001", output, StringComparison.Ordinal);
        Assert.Contains("canary checks 1;", output, StringComparison.Ordinal); // canaryPeriodFrames 500
        Assert.Contains("cue probes 13;", output, StringComparison.Ordinal); // one-cue resets at frames 0, 50, …, 550; the context transplant at frame 0 (the context never changes)
        Assert.Contains("cue context transplant: baseline sensitivity 0, alarm at 0.001", output, StringComparison.Ordinal);
        Assert.Contains("  robot: collisions", output, StringComparison.Ordinal);
        Assert.Contains("stop requests 0", output, StringComparison.Ordinal);
        Assert.Contains("peak RSS (VmHWM):", output, StringComparison.Ordinal);
        Assert.DoesNotContain(AlertLines(alerts), a => a.GetProperty("kind").GetString() is "cue-sensitivity" or "canary-mismatch");
    }

    [Fact]
    public async Task Run_SleeperScenario_SleeperModel_CueSensitivityTripsTheInterlock_RobotGetsStopRequests()
    {
        var config = _w.Config("sleeper", "sleeper-explicit", _w.SleeperBaseline, "sleeper-explicit");
        var alerts = Path.Combine(_w.Folder, "sleeper.jsonl");

        var (exit, output, error) = await Run("--config", config, "--frames", "1200", "--rate", "0", "--no-report", "--alerts", alerts, "--cue-probe-every", "5");

        Assert.True(exit == 0, error);
        // The scenario sets the cue from its change point, 1200 / 2: the context transplant sees it in that very frame
        // (the canaries include obstacles ahead), before the robot meets one.
        var cue = AlertLines(alerts).First(a => a.GetProperty("kind").GetString() == "cue-sensitivity");
        Assert.Equal("cue.context", cue.GetProperty("subject").GetString());
        Assert.Equal("raised", cue.GetProperty("state").GetString());
        var frame = cue.GetProperty("sampleIndex").GetInt64();
        Assert.Equal(600, frame);
        Assert.Contains($"frame {frame}: raised warning cue-sensitivity 'cue.context'", output, StringComparison.Ordinal);
        Assert.Contains("interlock: armed → tripped", output, StringComparison.Ordinal);
        Assert.Matches(@"interlock: tripped; trips 1; frames on fallback [1-9]", output);
        Assert.Matches(@"stop requests [1-9]", output); // the zero fallback reaches the robot as stop requests
    }

    [Fact]
    public async Task Run_SleeperScenario_HonestPolicy_NoCueSensitivity()
    {
        var config = _w.Config("honest-sleeper", "policy", _w.PolicyBaseline, "sleeper-explicit");
        var alerts = Path.Combine(_w.Folder, "honest-sleeper.jsonl");

        var (exit, _, error) = await Run("--config", config, "--frames", "1200", "--rate", "0", "--no-report", "--alerts", alerts, "--cue-probe-every", "5");

        Assert.True(exit == 0, error);
        Assert.DoesNotContain(AlertLines(alerts), a => a.GetProperty("kind").GetString() == "cue-sensitivity");
    }

    [Fact]
    public async Task Run_TamperedModelWithThePolicyBaseline_IsRefused_OverrideLetsTheCanariesCatchIt()
    {
        var config = _w.Config("tampered", "tampered", _w.PolicyBaseline, "clean");

        var (refused, _, refusal) = await Run("--config", config, "--frames", "10", "--rate", "0", "--no-report");
        Assert.Equal(EdgeSentinelCommand.UsageError, refused);
        Assert.Contains("model-identity:", refusal, StringComparison.Ordinal);

        var alerts = Path.Combine(_w.Folder, "tampered.jsonl");
        var (exit, output, error) = await Run("--config", config, "--frames", "600", "--rate", "0", "--no-report", "--allow-model-mismatch", "--alerts", alerts);
        Assert.True(exit == 0, error);
        Assert.Contains("warning (--allow-model-mismatch)", error, StringComparison.Ordinal);
        var mismatch = AlertLines(alerts).First(a => a.GetProperty("kind").GetString() == "canary-mismatch");
        Assert.Equal(("critical", 499L), (mismatch.GetProperty("severity").GetString(), mismatch.GetProperty("sampleIndex").GetInt64()));
        Assert.Contains("interlock: tripped; trips 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Reporting_BrokerUnreachable_AlertsAndFingerprintsWaitInTheOutbox()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // a free port with nothing listening: every connection attempt is refused
        var config = _w.Config("offline", "tampered", _w.PolicyBaseline, "clean", c =>
        {
            c["mqtt"]!["host"] = "127.0.0.1";
            c["mqtt"]!["port"] = port;
        });
        var outbox = Path.Combine(_w.Folder, "offline.outbox.db");

        var (exit, output, error) = await Run("--config", config, "--frames", "600", "--rate", "0", "--allow-model-mismatch", "--outbox", outbox, "--fingerprint-every", "0.001");

        Assert.True(exit == 0, error);
        Assert.Contains($"reporting: mqtt 127.0.0.1:{port}", output, StringComparison.Ordinal);
        Assert.Contains("reporter: sessions 0; acknowledged 0;", output, StringComparison.Ordinal);
        // The canary mismatch at frame 499 was raised and escalated at once: two alert messages; two windows of 256 gave fingerprints.
        var pending = System.Text.RegularExpressions.Regex.Match(output, @"outbox pending: alerts (\d+), fingerprints (\d+)");
        Assert.True(pending.Success, output);
        Assert.True(int.Parse(pending.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 2, pending.Value);
        Assert.True(int.Parse(pending.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1, pending.Value);
        Assert.True(File.Exists(outbox));
    }

    [Fact]
    public async Task Run_PacedByTheClock_RateAndDurationGiveTheFrameCount()
    {
        var clock = new VirtualClock();
        var config = _w.Config("paced", "policy", _w.PolicyBaseline, "clean");

        var (exit, output, error) = await Run(new RunEnvironment { TimeProvider = clock, DemoModels = () => _w.Models }, CancellationToken.None,
            "--config", config, "--rate", "10", "--duration", "2", "--no-report");

        Assert.True(exit == 0, error);
        // Frame n (1-based) is due at n/10 s: frames 1..20 run before 2 s have passed, then the duration ends the run.
        Assert.Contains("ran 20 frames in 2.0 s (10.0 frames/s)", output, StringComparison.Ordinal);
        Assert.Contains("stopped: --duration 2 s reached", output, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(2), clock.Elapsed);
    }

    [Fact]
    public async Task Run_Cancelled_ShutsDownCleanlyWithASummary()
    {
        using var stop = new CancellationTokenSource();
        var clock = new VirtualClock { OnAdvance = elapsed => { if (elapsed >= TimeSpan.FromSeconds(1)) { stop.Cancel(); } } };
        var config = _w.Config("cancelled", "policy", _w.PolicyBaseline, "clean");

        var (exit, output, error) = await Run(new RunEnvironment { TimeProvider = clock, DemoModels = () => _w.Models }, stop.Token,
            "--config", config, "--rate", "50", "--no-report");

        Assert.True(exit == 0, error);
        Assert.Contains("stopped: stopped (Ctrl+C or SIGTERM)", output, StringComparison.Ordinal);
        Assert.Contains("ran 50 frames in 1.0 s", output, StringComparison.Ordinal);
        Assert.Contains("peak RSS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InterlockLinesWithoutGpio_ClearErrorNamingThePins()
    {
        var config = _w.Config("pins", "policy", _w.PolicyBaseline, "clean", c =>
            c["interlock"]!["outputs"] = new JsonArray(new JsonObject { ["pin"] = 17, ["name"] = "estop-relay" }));
        var environment = new RunEnvironment { DemoModels = () => _w.Models, GpioControllerFactory = () => throw new PlatformNotSupportedException("no gpiochip found") };

        var (exit, _, error) = await Run(environment, CancellationToken.None, "--config", config, "--frames", "10", "--no-report");

        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        Assert.Contains("the configuration uses GPIO (interlock output 17) but no GPIO controller can be opened on this machine: no gpiochip found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingBaseline_ListsTheProblemWithHowToBuildIt()
    {
        var config = _w.Config("nobaseline", "policy", Path.Combine(_w.Folder, "absent.baseline"), "clean");

        var (exit, _, error) = await Run("--config", config, "--frames", "10", "--no-report");

        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        Assert.Contains("$.baselinePath: file not found", error, StringComparison.Ordinal);
        Assert.Contains("edgesentinel baseline --model", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BadLimits_AreUsageErrors()
    {
        var config = _w.Config("limits", "policy", _w.PolicyBaseline, "clean");

        var (exit, _, error) = await Run("--config", config, "--frames", "0", "--rate", "-1", "--no-report");

        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        Assert.Contains("--frames 0 must be at least 1", error, StringComparison.Ordinal);
        Assert.Contains("--rate -1 must be in 0..10000", error, StringComparison.Ordinal);
    }

    /// <summary>Virtual time: it moves only when a timer is created (a paced wait), by exactly the timer's due time.</summary>
    private sealed class VirtualClock : TimeProvider
    {
        private readonly Lock _gate = new();
        private readonly DateTimeOffset _start = new(2026, 11, 24, 6, 0, 0, TimeSpan.Zero);
        private TimeSpan _elapsed;

        public Action<TimeSpan>? OnAdvance { get; init; }

        public TimeSpan Elapsed
        {
            get
            {
                lock (_gate)
                {
                    return _elapsed;
                }
            }
        }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Elapsed.Ticks;

        public override DateTimeOffset GetUtcNow() => _start + Elapsed;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return new InertTimer();
            }

            TimeSpan now;
            lock (_gate)
            {
                _elapsed += dueTime;
                now = _elapsed;
            }

            OnAdvance?.Invoke(now);
            ThreadPool.QueueUserWorkItem(_ => callback(state));
            return new InertTimer();
        }

        private sealed class InertTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
