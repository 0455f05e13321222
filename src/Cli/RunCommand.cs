using System.CommandLine;
using System.Device.Gpio;
using System.Device.I2c;
using System.Globalization;
using System.Security.Cryptography;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Transport;
using EdgeSentinel.Runtime.Configuration;
using EdgeSentinel.Runtime.Device;
using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Runtime.Reporting;
using EdgeSentinel.Runtime.Safety;
using EdgeSentinel.Runtime.Sensors;
using EdgeSentinel.Runtime.Sources;
using EdgeSentinel.Simulation.Devices;
using EdgeSentinel.Simulation.Models;
using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Cli;

/// <summary>
/// <c>edgesentinel run --config FILE</c>: the device. Loads the configuration, the model and its baseline, opens the
/// source, the interlock and the reporter, and runs the device loop (window analysis and reporting off the inference
/// thread) until the source ends, a limit is reached or Ctrl+C; then shuts down cleanly and prints a summary.
/// </summary>
internal static class RunCommand
{
    /// <summary>Exit code when the device failed while running.</summary>
    public const int RuntimeError = 1;

    public static Command Create(TextWriter stdout, TextWriter stderr) => Create(stdout, stderr, new RunEnvironment());

    internal static Command Create(TextWriter stdout, TextWriter stderr, RunEnvironment environment)
    {
        var config = new Option<FileInfo>("--config") { Description = "Device configuration (firmware-config/*.json).", Required = true };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds." };
        var frames = new Option<long?>("--frames") { Description = "Stop after this many frames." };
        var alerts = new Option<FileInfo?>("--alerts") { Description = "Also write every alert transition as one JSON object per line to this file." };
        var noReport = new Option<bool>("--no-report") { Description = "Do not report to the MQTT broker (no outbox, no connection)." };
        var allowMismatch = new Option<bool>("--allow-model-mismatch") { Description = "Use the baseline even though it was built for another model (differences are printed)." };
        var outbox = new Option<FileInfo?>("--outbox") { Description = "The reporter's durable outbox (SQLite). Default: DEVICE.outbox.db next to the configuration." };
        var operatorKey = new Option<FileInfo?>("--operator-key") { Description = "The fleet operator's key (base64 or hex): commands signed with it (clear-interlock, run-canaries) are accepted. Without it no command is accepted." };
        var rate = new Option<double?>("--rate") { Description = "Frames per second, overriding the configuration's frameRateHz; 0 runs as fast as possible." };
        var fingerprintEvery = new Option<double>("--fingerprint-every") { Description = "Seconds between fingerprint reports (merged windows).", DefaultValueFactory = _ => 60 };
        var cueEvery = new Option<int>("--cue-probe-every") { Description = "Run the cue probes on every N-th frame.", DefaultValueFactory = _ => 50 };
        var command = new Command("run", "Run the device: model, monitor, interlock and reporter, as the configuration says. Ctrl+C stops it cleanly.");
        foreach (var o in new Option[] { config, duration, frames, alerts, noReport, allowMismatch, outbox, operatorKey, rate, fingerprintEvery, cueEvery })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) => new RunSession(stdout, stderr, environment, new RunRequest(
            parse.GetValue(config)!, parse.GetValue(duration), parse.GetValue(frames), parse.GetValue(alerts), parse.GetValue(noReport),
            parse.GetValue(allowMismatch), parse.GetValue(outbox), parse.GetValue(operatorKey), parse.GetValue(rate),
            parse.GetValue(fingerprintEvery), parse.GetValue(cueEvery))).RunAsync(cancellationToken));
        return command;
    }
}

/// <summary>What <c>run</c> was asked to do.</summary>
internal sealed record RunRequest(
    FileInfo Config, double? DurationSeconds, long? Frames, FileInfo? Alerts, bool NoReport, bool AllowModelMismatch,
    FileInfo? Outbox, FileInfo? OperatorKey, double? RateHz, double FingerprintEverySeconds, int CueProbeEvery);

/// <summary>What one run did: frames, why it ended, alert transitions by "kind state", and the simulated robot's harm counters.</summary>
/// <param name="Frames">Frames run.</param>
/// <param name="Ended">Why the run ended.</param>
/// <param name="Alerts">Alert transitions by "kind state".</param>
/// <param name="FirstHarmfulAction">Frame of the robot's first harmful action (simulator only; null when none).</param>
/// <param name="HarmfulActions">Harmful actions the simulated robot took (0 for other sources).</param>
/// <param name="Collisions">Collisions of the simulated robot (0 for other sources).</param>
/// <param name="InterlockTrips">Times the safety interlock tripped.</param>
/// <param name="Outbox">The reporter's outbox counts at the end (null without reporting).</param>
internal sealed record RunOutcome(long Frames, string Ended, IReadOnlyDictionary<string, int> Alerts, long? FirstHarmfulAction, long HarmfulActions, long Collisions, long InterlockTrips, string? Outbox);

/// <summary>The machine <c>run</c> runs on: clock, GPIO, I2C and the simulator's model set (replaced in tests).</summary>
internal sealed class RunEnvironment
{
    private DemoModelSet? _models;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Opens the board's GPIO controller; throws where there is none.</summary>
    public Func<GpioController> GpioControllerFactory { get; init; } = () => new GpioController();

    public Func<I2cConnectionSettings, I2cDevice> I2cDeviceFactory { get; init; } = I2cDevice.Create;

    /// <summary>The demo model set the simulated scenarios are defined on (trained on first use, seed 42 like models/).</summary>
    public Func<DemoModelSet> DemoModels { get; init; }

    public RunEnvironment() => DemoModels = () => _models ??= DemoModelSet.Train(ModelCatalog.DefaultSeed);

    /// <summary>Peak resident set size of this process in bytes (VmHWM), or null where /proc is not available.</summary>
    public static long? PeakResidentBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var parts = line["VmHWM:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return null;
    }
}

/// <summary>One run of the device, from loading to the summary.</summary>
internal sealed class RunSession(TextWriter stdout, TextWriter stderr, RunEnvironment environment, RunRequest request)
{
    private readonly Lock _output = new();
    private readonly SortedDictionary<string, int> _alertCounts = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = environment.TimeProvider;

    /// <summary>What the run did, once <see cref="RunAsync"/> has returned after running (null when it refused to start).</summary>
    public RunOutcome? Outcome { get; private set; }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var problems = CheckRequest();
        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                stderr.WriteLine($"edgesentinel run: {p}");
            }

            return EdgeSentinelCommand.UsageError;
        }

        var check = ConfigurationCheck.CheckFile(request.Config.FullName);
        if (!check.IsValid)
        {
            stderr.WriteLine($"edgesentinel run: {request.Config.FullName}: {check.Problems.Count} problem(s)");
            foreach (var problem in check.Problems)
            {
                stderr.WriteLine($"  {problem}");
            }

            if (check.Problems.Any(p => p.Path.Contains("baseline", StringComparison.OrdinalIgnoreCase)))
            {
                stderr.WriteLine("  (a missing baseline is built with 'edgesentinel baseline --model M.onnx --data train.csv --out B'; see firmware-config/INSTALL.md)");
            }

            return EdgeSentinelCommand.UsageError;
        }

        var config = check.Configuration!;
        var resources = new Stack<object>();
        try
        {
            return await RunConfiguredAsync(config, resources, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ModelSession.IsInputProblem(e) || e is RunRefusedException or CryptographicException or TlsCredentialsException)
        {
            stderr.WriteLine($"edgesentinel run: {e.Message}");
            return EdgeSentinelCommand.UsageError;
        }
        finally
        {
            while (resources.Count > 0)
            {
                switch (resources.Pop())
                {
                    case IAsyncDisposable a:
                        await a.DisposeAsync().ConfigureAwait(false);
                        break;
                    case IDisposable d:
                        d.Dispose();
                        break;
                }
            }
        }
    }

    private List<string> CheckRequest()
    {
        var problems = new List<string>();
        if (request.DurationSeconds is { } d && !(d > 0 && double.IsFinite(d)))
        {
            problems.Add($"--duration {d.ToString(CultureInfo.InvariantCulture)} must be a positive number of seconds");
        }

        if (request.Frames is { } f && f < 1)
        {
            problems.Add($"--frames {f} must be at least 1");
        }

        if (request.RateHz is { } r && !(r >= 0 && r <= 10_000))
        {
            problems.Add($"--rate {r.ToString(CultureInfo.InvariantCulture)} must be in 0..10000 (0 = as fast as possible)");
        }

        if (!(request.FingerprintEverySeconds > 0 && double.IsFinite(request.FingerprintEverySeconds)))
        {
            problems.Add($"--fingerprint-every {request.FingerprintEverySeconds.ToString(CultureInfo.InvariantCulture)} must be a positive number of seconds");
        }

        if (request.CueProbeEvery < 1)
        {
            problems.Add($"--cue-probe-every {request.CueProbeEvery} must be at least 1");
        }

        return problems;
    }

    private async Task<int> RunConfiguredAsync(DeviceConfiguration config, Stack<object> resources, CancellationToken cancellationToken)
    {
        var report = !request.NoReport;
        if (report)
        {
            CheckReporting(config);
        }

        var baseline = Baseline.FromBytes(await File.ReadAllBytesAsync(config.BaselinePath, cancellationToken).ConfigureAwait(false));
        var hostOptions = new OnnxModelHostOptions { IntraOpThreads = config.IntraOpThreads, AllowSpinning = config.AllowSpinning, TimeProvider = _time };
        using (var plain = OnnxModelHost.Load(config.ModelPath, new OnnxModelHostOptions()))
        {
            foreach (var difference in plain.VerifyBaseline(baseline.Model, request.AllowModelMismatch))
            {
                stderr.WriteLine($"edgesentinel run: warning (--allow-model-mismatch): {difference}");
            }
        }

        foreach (var tap in baseline.Schema.Taps)
        {
            hostOptions.Taps.Add(tap.Name);
        }

        WarnAboutConfiguredTaps(config, baseline);
        var host = OnnxModelHost.Load(config.ModelPath, hostOptions);
        resources.Push(host);

        var health = new RuntimeHealthInbox();
        var controller = OpenGpio(config);
        if (controller is not null)
        {
            resources.Push(controller);
        }

        ScenarioWorld? world = null;
        var factory = new FrameSourceFactory(health, _time)
        {
            GpioController = controller,
            I2cDeviceFactory = environment.I2cDeviceFactory,
            WorldFactory = settings =>
            {
                stdout.WriteLine($"simulator: world '{settings.World}', scenario '{settings.Scenario ?? "clean"}', seed {settings.Seed} (training the demo model set the scenarios are defined on)");
                world = ScenarioWorld.FromSettings(settings, environment.DemoModels(), request.Frames is { } f ? (int)Math.Min(f, int.MaxValue) : int.MaxValue);
                return world;
            },
        };
        var source = await factory.CreateAsync(config.Source, host.InputWidth, cancellationToken).ConfigureAwait(false);
        resources.Push(source);
        if (world is not null && host.OutputWidth != RobotActions.Count)
        {
            throw new RunRefusedException($"the simulated robot takes {RobotActions.Count} action values but the model has {host.OutputWidth} outputs");
        }

        var clearBridge = new ClearCommandBridge(config.DeviceId, _time);
        SafetyInterlock? interlock = null;
        if (config.Interlock is { } interlockConfig)
        {
            FallbackPolicy? fallback = null;
            if (interlockConfig.Fallback.ModelPath is { } fallbackPath)
            {
                var fallbackHost = OnnxModelHost.Load(fallbackPath, new OnnxModelHostOptions { IntraOpThreads = config.IntraOpThreads });
                resources.Push(fallbackHost);
                if (fallbackHost.InputWidth != host.InputWidth || fallbackHost.OutputWidth < host.OutputWidth)
                {
                    throw new RunRefusedException($"the fallback model {fallbackPath} takes {fallbackHost.InputWidth} inputs and gives {fallbackHost.OutputWidth} outputs; the model takes {host.InputWidth} and gives {host.OutputWidth}");
                }

                fallback = (inputs, action) =>
                {
                    fallbackHost.SetInputs(inputs);
                    fallbackHost.Run().Outputs[..action.Length].CopyTo(action);
                };
            }

            interlock = new SafetyInterlock(controller!, interlockConfig.ToOptions(host.OutputWidth, fallback), config.DeviceId, clearBridge, _time);
            resources.Push(interlock);
            interlock.StateChanged += (_, t) => Line($"interlock: {t.From.ToString().ToLowerInvariant()} → {t.To.ToString().ToLowerInvariant()} ({t.Cause}: {t.Detail}){(t.OutputFault is null ? string.Empty : " OUTPUT FAULT: " + t.OutputFault)}");
        }

        DeviceReporter? reporter = null;
        if (report)
        {
            reporter = new DeviceReporter(ReporterOptionsFor(config), _time);
            resources.Push(reporter);
        }

        StreamWriter? alertFile = null;
        if (request.Alerts is { } alertsPath)
        {
            alertFile = new StreamWriter(alertsPath.FullName, append: false) { AutoFlush = true };
            resources.Push(alertFile);
        }

        var fingerprints = new FingerprintReports(baseline.Model.Sha256, TimeSpan.FromSeconds(request.FingerprintEverySeconds), _time, reporter);
        var sink = new RunAlertSink(this, alertFile is null ? null : new AlertLineWriter(alertFile), reporter);
        var options = new DeviceLoopOptions
        {
            DeviceId = config.DeviceId,
            AnalysisMode = AnalysisMode.Background,
            TimeProvider = _time,
            AllowModelMismatch = request.AllowModelMismatch,
            Interlock = interlock,
            AlertSink = sink,
            WindowSink = fingerprints,
            ActionSink = world,
            HealthInbox = health,
            CanaryPeriodFrames = config.Monitor.CanaryPeriodFrames,
            CanaryPeriod = TimeSpan.FromSeconds(config.Monitor.CanaryPeriodSeconds),
            CueProbePeriodFrames = request.CueProbeEvery,
        };
        options.MonitorOptions.WindowSize = config.Monitor.WindowSize ?? 0;
        options.MonitorOptions.WindowBuffers = 8;
        foreach (var cue in config.CueFeatures)
        {
            options.CueFeatures.Add(new CueFeature(cue.Feature, (float)cue.TrainingValue));
        }

        var loop = new DeviceLoop(host, baseline, options);
        resources.Push(loop);

        using var reporterStop = new CancellationTokenSource();
        Task? reporterTask = null;
        if (reporter is not null)
        {
            reporter.CommandHandler = command => Task.FromResult(OnCommand(command, interlock, loop, clearBridge));
            reporterTask = Task.Run(() => reporter.RunAsync(reporterStop.Token), CancellationToken.None);
        }

        var rate = request.RateHz ?? config.Source.FrameRateHz ?? (config.Source.Kind is "csv" or "ndjson" ? 0 : 50);
        Banner(config, host, loop, rate, report);
        var started = _time.GetTimestamp();
        var (frames, ended) = await PumpAsync(loop, source, rate, cancellationToken).ConfigureAwait(false);
        var elapsed = _time.GetElapsedTime(started);

        loop.Dispose(); // finishes the window analysis and alert delivery
        fingerprints.Flush();
        if (reporterTask is not null)
        {
            await reporterStop.CancelAsync().ConfigureAwait(false);
            await reporterTask.ConfigureAwait(false);
        }

        Summary(config, loop, interlock, reporter, world, source, frames, elapsed, ended);
        lock (_output)
        {
            Outcome = new RunOutcome(frames, ended, new SortedDictionary<string, int>(_alertCounts, StringComparer.Ordinal),
                world is { FirstHarmfulAction: >= 0 } w ? w.FirstHarmfulAction : null, world?.HarmfulActions ?? 0, world?.Collisions ?? 0,
                interlock?.Trips ?? 0, reporter?.Counts.ToString());
        }

        return 0;
    }

    private async Task<(long Frames, string Ended)> PumpAsync(DeviceLoop loop, IFrameSource source, double rate, CancellationToken cancellationToken)
    {
        var buffer = new float[source.Width];
        var start = _time.GetTimestamp();
        var deadline = request.DurationSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.MaxValue;
        long frames = 0;
        try
        {
            while (true)
            {
                if (request.Frames is { } limit && frames >= limit)
                {
                    return (frames, $"--frames {limit} reached");
                }

                if (_time.GetElapsedTime(start) >= deadline)
                {
                    return (frames, $"--duration {request.DurationSeconds!.Value.ToString(CultureInfo.InvariantCulture)} s reached");
                }

                if (!await source.ReadFrameAsync(buffer, cancellationToken).ConfigureAwait(false))
                {
                    return (frames, "the source ended");
                }

                loop.Step(buffer);
                frames++;
                if (rate > 0)
                {
                    var due = TimeSpan.FromSeconds(frames / rate);
                    var wait = due - _time.GetElapsedTime(start);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (frames, "stopped (Ctrl+C or SIGTERM)");
        }
    }

    private bool OnCommand(DeviceCommand command, SafetyInterlock? interlock, DeviceLoop loop, ClearCommandBridge bridge)
    {
        switch (command.Command)
        {
            case CommandKind.ClearInterlock when interlock is not null:
                var outcome = interlock.TryClear(bridge.Issue(command));
                Line($"command {command.Id} from {command.IssuedBy}: clear interlock → {outcome}");
                return outcome == ClearOutcome.Cleared;
            case CommandKind.RunCanaries when loop.CanaryCount > 0:
                loop.RequestCanaryCheck();
                Line($"command {command.Id} from {command.IssuedBy}: canary check requested");
                return true;
            default:
                Line($"command {command.Id} from {command.IssuedBy}: {command.Command} ignored ({(command.Command == CommandKind.ClearInterlock ? "no interlock" : "canary checks are off")})");
                return false;
        }
    }

    private static void CheckReporting(DeviceConfiguration config)
    {
        var problems = new List<string>();
        if (config.Mqtt.DeviceKeyFile is null)
        {
            problems.Add("mqtt.deviceKeyFile is missing: the reporter signs every message with the device key (create one with 'edgesentinel provision', or use --no-report)");
        }

        if (problems.Count > 0)
        {
            throw new RunRefusedException("cannot report to the broker:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", problems));
        }
    }

    private ReporterOptions ReporterOptionsFor(DeviceConfiguration config)
    {
        var outbox = request.Outbox?.FullName ?? Path.Combine(Path.GetDirectoryName(config.SourceFile) ?? ".", config.DeviceId + ".outbox.db");
        return new ReporterOptions
        {
            Fleet = config.Fleet,
            Device = config.DeviceId,
            DeviceKey = ReadKey(config.Mqtt.DeviceKeyFile!, "mqtt.deviceKeyFile"),
            OperatorKey = request.OperatorKey is { } key ? ReadKey(key.FullName, "--operator-key") : null,
            BrokerHost = config.Mqtt.Host,
            BrokerPort = config.Mqtt.Port,
            Username = config.Mqtt.Username,
            Password = config.Mqtt.PasswordFile is { } passwordFile ? File.ReadAllText(passwordFile).Trim() : null,
            Tls = config.Mqtt.Tls
                ? new TlsClientOptions { CaCertificateFile = config.Mqtt.CaCertificateFile, ClientCertificateFile = config.Mqtt.ClientCertificateFile, ClientKeyFile = config.Mqtt.ClientKeyFile }
                : null,
            KeepAlive = TimeSpan.FromSeconds(config.Mqtt.KeepAliveSeconds),
            OutboxPath = outbox,
            // An alert the broker acknowledged with "no matching subscribers" (no aggregator subscribed yet, or a broker
            // restarted without its shared subscriptions) stays in the outbox and is sent again: it must reach the store.
            HoldUntilSubscribed = true,
        };
    }

    internal static SigningKey ReadKey(string path, string what)
    {
        var text = File.ReadAllText(path).Trim();
        try
        {
            return text.Length % 2 == 0 && text.All(char.IsAsciiHexDigit) ? SigningKey.FromHex(text) : SigningKey.FromBase64(text);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new RunRefusedException($"{what} {path}: not a key in base64 or hex of {SigningKey.MinLength}–{SigningKey.MaxLength} bytes ({e.Message})", e);
        }
    }

    private GpioController? OpenGpio(DeviceConfiguration config)
    {
        var interlock = config.Interlock;
        var pins = new List<string>();
        if (interlock is not null)
        {
            pins.AddRange(interlock.Outputs.Select(o => $"interlock output {o.Pin}"));
            if (interlock.ResetInput is { } reset)
            {
                pins.Add($"reset input {reset.Pin}");
            }
        }

        pins.AddRange(config.Source.GpioInputs.Select(i => $"input '{i.Name}' on pin {i.Pin}"));
        if (pins.Count == 0)
        {
            // An interlock without lines only switches to the fallback: it needs no GPIO chip.
            return interlock is null ? null : new GpioController(new PinlessGpioDriver());
        }

        try
        {
            return environment.GpioControllerFactory();
        }
        catch (Exception e) when (e is PlatformNotSupportedException or IOException or UnauthorizedAccessException or InvalidOperationException or NotSupportedException)
        {
            throw new RunRefusedException(
                $"the configuration uses GPIO ({string.Join(", ", pins)}) but no GPIO controller can be opened on this machine: {e.Message}. " +
                "Run on the device, or use a configuration without GPIO lines (an interlock with only rules and a fallback needs none).", e);
        }
    }

    private void WarnAboutConfiguredTaps(DeviceConfiguration config, Baseline baseline)
    {
        var named = config.Taps.Where(t => !DeviceConfiguration.TryParseAutoTaps(t, out _)).ToList();
        var baselineTaps = baseline.Schema.Taps.Select(t => t.Name).ToList();
        if (named.Count > 0 && !named.SequenceEqual(baselineTaps, StringComparer.Ordinal))
        {
            stderr.WriteLine($"edgesentinel run: warning: the configuration names taps ({string.Join(", ", named)}) but the baseline was built with ({string.Join(", ", baselineTaps)}); the baseline's taps are used");
        }
    }

    private void Banner(DeviceConfiguration config, OnnxModelHost host, DeviceLoop loop, double rate, bool report)
    {
        Line($"device {config.DeviceId} (fleet {config.Fleet}): model {Path.GetFileName(config.ModelPath)} sha256 {host.Identity.Sha256[..12]}, baseline {Path.GetFileName(config.BaselinePath)}, source {config.Source.Kind}, " +
             (rate > 0 ? $"{rate.ToString("G4", CultureInfo.InvariantCulture)} frames/s" : "unpaced"));
        Line($"  monitor: windows of {loop.WindowSize}, background analysis; canaries: {(loop.CanaryCount > 0 ? $"{loop.CanaryCount} every {config.Monitor.CanaryPeriodFrames} frames / {config.Monitor.CanaryPeriodSeconds.ToString(CultureInfo.InvariantCulture)} s" : "off")}; " +
             $"latency budget: {(loop.LatencyBudgetMilliseconds > 0 ? loop.LatencyBudgetMilliseconds.ToString("G4", CultureInfo.InvariantCulture) + " ms" : "off")}");
        for (var c = 0; c < config.CueFeatures.Count; c++)
        {
            Line($"  cue probe {config.CueFeatures[c].Feature} → {config.CueFeatures[c].TrainingValue.ToString(CultureInfo.InvariantCulture)}: baseline sensitivity {loop.CueBaselineSensitivity[c].ToString("G3", CultureInfo.InvariantCulture)}, alarm at {loop.CueAlarmLevels[c].ToString("G3", CultureInfo.InvariantCulture)}");
        }

        var (contextBaseline, contextAlarm) = loop.ContextProbeLevels;
        if (!double.IsNaN(contextAlarm))
        {
            Line($"  cue context transplant: baseline sensitivity {contextBaseline.ToString("G3", CultureInfo.InvariantCulture)}, alarm at {contextAlarm.ToString("G3", CultureInfo.InvariantCulture)}");
        }

        Line($"  interlock: {(config.Interlock is null ? "none" : $"{config.Interlock.Rules.Count} rule(s), fallback {config.Interlock.Fallback.Mode}, {config.Interlock.Outputs.Count} output line(s)")}; reporting: {(report ? $"{(config.Mqtt.Tls ? "mqtts" : "mqtt")} {config.Mqtt.Host}:{config.Mqtt.Port}" : "off (--no-report)")}");
    }

    private void Summary(DeviceConfiguration config, DeviceLoop loop, SafetyInterlock? interlock, DeviceReporter? reporter, ScenarioWorld? world, IFrameSource source, long frames, TimeSpan elapsed, string ended)
    {
        var c = loop.Counters;
        var m = loop.MonitorCounters;
        var seconds = elapsed.TotalSeconds;
        Line($"stopped: {ended}");
        Line($"ran {frames} frames in {seconds.ToString("F1", CultureInfo.InvariantCulture)} s" + (seconds > 0 ? $" ({(frames / seconds).ToString("F1", CultureInfo.InvariantCulture)} frames/s)" : string.Empty) + $" on {config.DeviceId}");
        lock (_output)
        {
            Line(_alertCounts.Count == 0 ? "  alerts: none" : "  alerts: " + string.Join(", ", _alertCounts.Select(kv => $"{kv.Value} {kv.Key}")));
        }

        Line($"  monitor: windows analyzed {c.WindowsAnalyzed} (dropped {m.DroppedWindows}); sequential alarms {m.SequentialAlarms}; activation alarms {m.ActivationEpisodes} (from {m.ActivationAnomalies} exceeding tap readings); frames with NaN/Inf {m.NonFiniteObservations}");
        Line($"  canary checks {c.CanaryChecks}; cue probes {c.CueProbes}; health events {c.HealthEvents}; inference failures {c.InferenceFailures}");
        if (interlock is not null)
        {
            Line($"  interlock: {interlock.State.ToString().ToLowerInvariant()}; trips {interlock.Trips}; frames on fallback {interlock.FramesOnFallback}");
        }

        if (world is not null)
        {
            Line($"  robot: collisions {world.Collisions}; goals {world.GoalsReached}; harmful actions {world.HarmfulActions}; stop requests {world.StopRequests}");
        }

        if (source is ReplaySource replay)
        {
            Line($"  replay: rows delivered {replay.Statistics.RowsDelivered}; skipped {replay.Statistics.RowsSkipped}; with NaN/Inf {replay.Statistics.NonFiniteRows}");
        }

        if (reporter is not null)
        {
            var s = reporter.Statistics;
            var o = reporter.Counts;
            Line($"  reporter: sessions {s.Sessions}; acknowledged {s.Acknowledged}; connect attempts {s.ConnectAttempts} (failed {s.FailedConnects}); commands accepted {s.CommandsAccepted}, rejected {s.CommandsRejected}" +
                 (s.LastError is null ? string.Empty : $"; last error: {s.LastError}"));
            Line($"  outbox pending: alerts {o.PendingAlerts}, fingerprints {o.PendingFingerprints} (coalesced {o.CoalescedFingerprints}, dropped {o.DroppedFingerprints})");
        }

        if (c.SinkFailures > 0 || c.AnalysisFailures > 0 || c.SinkDeliveriesDropped > 0)
        {
            Line($"  warnings: sink failures {c.SinkFailures}; analysis failures {c.AnalysisFailures}; alert deliveries dropped {c.SinkDeliveriesDropped}");
        }

        var peak = RunEnvironment.PeakResidentBytes();
        Line(peak is { } bytes ? $"  peak RSS (VmHWM): {(bytes / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture)} MiB" : "  peak RSS: unknown (/proc/self/status not readable)");
    }

    internal void Line(string text)
    {
        lock (_output)
        {
            stdout.WriteLine(text);
        }
    }

    internal void CountAlert(AlertTransition transition)
    {
        var key = $"{AlertKinds.ToWireName(transition.Alert.Kind)} {AlertStates.ToWireName(transition.Current)}";
        lock (_output)
        {
            _alertCounts[key] = _alertCounts.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>One line per alert on stdout, a JSON line in the alerts file, the alert into the outbox.</summary>
    private sealed class RunAlertSink(RunSession session, AlertLineWriter? file, DeviceReporter? reporter) : IAlertSink
    {
        public void OnAlert(AlertTransition transition, long frameIndex)
        {
            var alert = transition.Alert;
            var channels = string.Join(", ", alert.Evidence.TopChannels.Take(3).Select(ch => ch.Channel));
            session.CountAlert(transition);
            session.Line(string.Create(CultureInfo.InvariantCulture,
                $"frame {frameIndex}: {AlertStates.ToWireName(transition.Current)} {AlertSeverities.ToWireName(alert.Severity)} {AlertKinds.ToWireName(alert.Kind)} '{alert.Subject}' — {alert.Evidence.Statistic} {alert.Evidence.Value:G4} (threshold {alert.Evidence.Threshold:G4}){(channels.Length > 0 ? " [" + channels + "]" : string.Empty)}"));
            file?.Write(transition, frameIndex);
            reporter?.EnqueueAlert(alert);
        }
    }

    /// <summary>Merges window fingerprints and hands one report to the outbox per period.</summary>
    private sealed class FingerprintReports(string modelHash, TimeSpan period, TimeProvider time, DeviceReporter? reporter) : IWindowReportSink
    {
        private readonly Lock _gate = new();
        private Fingerprint? _merged;
        private int _windows;
        private DateTimeOffset _start;

        public void OnWindow(WindowReport report, long lastFrameIndex)
        {
            if (reporter is null)
            {
                return;
            }

            lock (_gate)
            {
                var now = time.GetUtcNow();
                if (_merged is null)
                {
                    _merged = report.Fingerprint;
                    _start = now;
                }
                else
                {
                    _merged = _merged.Merge(report.Fingerprint);
                }

                _windows++;
                if (now - _start >= period)
                {
                    FlushLocked(now);
                }
            }
        }

        public void Flush()
        {
            lock (_gate)
            {
                FlushLocked(time.GetUtcNow());
            }
        }

        private void FlushLocked(DateTimeOffset now)
        {
            if (_merged is null || reporter is null)
            {
                return;
            }

            reporter.EnqueueFingerprint(new FingerprintReport(modelHash, _start, now, _windows, _merged));
            _merged = null;
            _windows = 0;
        }
    }

    /// <summary>Turns a command the reporter already authenticated (operator HMAC, replay and age checks) into an interlock clear command that only this bridge can sign.</summary>
    private sealed class ClearCommandBridge(string deviceId, TimeProvider time) : IClearCommandVerifier
    {
        private readonly string _nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        private long _sequence;

        public InterlockClearCommand Issue(DeviceCommand command) =>
            new(deviceId, command.IssuedBy, Interlocked.Increment(ref _sequence), time.GetUtcNow(), _nonce);

        public bool IsAuthentic(InterlockClearCommand command) =>
            CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(command.Signature), System.Text.Encoding.UTF8.GetBytes(_nonce));
    }
}

/// <summary>The run cannot start as configured (a specific, user-facing reason).</summary>
internal sealed class RunRefusedException : Exception
{
    public RunRefusedException(string message)
        : base(message)
    {
    }

    public RunRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RunRefusedException()
    {
    }
}
