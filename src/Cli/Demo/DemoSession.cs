using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSentinel.Cloud.Api;
using EdgeSentinel.Cloud.Dashboard;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cli.Demo;

/// <summary>One demo run: prepares the fleet's files, starts the cloud side and the robots, prints alerts as they are stored, and summarises.</summary>
internal sealed class DemoSession(TextWriter stdout, TextWriter stderr, RunEnvironment environment, DemoRequest request)
{
    private static readonly string[] ShippedFiles = ["policy.onnx", "policy.baseline", "sleeper-explicit.onnx", "sleeper-explicit.baseline"];
    private readonly Lock _output = new();

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var problems = request.Validate();
        var models = request.Models ?? LocateModels();
        if (models is null)
        {
            problems.Add("no models/ folder with the shipped models found above the current folder or the executable: give --models");
        }
        else
        {
            problems.AddRange(ShippedFiles.Where(f => !File.Exists(Path.Combine(models.FullName, f)))
                .Select(f => $"{Path.Combine(models.FullName, f)} is missing (rebuild the shipped models with 'edgesentinel models build --out {models.FullName}')"));
            problems.AddRange(UnreadableBaselines(models));
        }

        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                stderr.WriteLine($"edgesentinel demo: {p}");
            }

            return EdgeSentinelCommand.UsageError;
        }

        var folder = NewRunFolder(request.Data);
        var database = Path.Combine(folder, "fleet.db");
        if (!StoreLocation.TryParse("sqlite:" + database, out var location, out var storeProblem))
        {
            stderr.WriteLine($"edgesentinel demo: {storeProblem}");
            return EdgeSentinelCommand.UsageError;
        }

        var plan = DemoDevice.Plan(request.Devices, request.Seed, request.RateHz, request.SleeperAfterSeconds, agingAfterSeconds: Math.Min(20, request.SleeperAfterSeconds / 2), folder);
        // The demo's HTTP API token: acknowledging from the dashboard needs it. It goes in the printed address's fragment,
        // which the browser never sends to a server; the page keeps it in the tab's sessionStorage (Dashboard/web/app.js).
        var apiToken = ApiTokenGate.GenerateToken();
        FleetServer server;
        try
        {
            server = await FleetServer.StartEmbeddedAsync(location!, "127.0.0.1", request.Port, 0, "edgesentinel-demo-aggregator", apiToken, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            stderr.WriteLine($"edgesentinel demo: could not start the aggregator on port {request.Port}: {e.Message} (another program may use it: try --port 0)");
            return 1;
        }

        await using (server.ConfigureAwait(false))
        {
            foreach (var device in plan)
            {
                var provisioned = await DeviceProvisioning.ProvisionAsync(server.Store, DemoCommand.Fleet, device.Id, cancellationToken: cancellationToken).ConfigureAwait(false);
                WriteDeviceFiles(device, provisioned, models!, server);
            }

            await server.ReloadKeysAsync(cancellationToken).ConfigureAwait(false);
            foreach (var model in plan.Select(d => d.Model).Distinct(StringComparer.Ordinal))
            {
                // The dashboard draws each channel against its baseline band; the aggregator learns baselines only this way.
                var bytes = await File.ReadAllBytesAsync(Path.Combine(models!.FullName, model + ".baseline"), cancellationToken).ConfigureAwait(false);
                server.Aggregator.Dashboard.Baselines.Register(Monitor.Baselines.Baseline.FromBytes(bytes));
            }

            var dashboard = server.Aggregator.Http.Address;
            Line($"EdgeSentinel demo — fleet '{DemoCommand.Fleet}', {plan.Count} simulated robots at {request.RateHz.ToString("G4", CultureInfo.InvariantCulture)} frames/s");
            Line($"  dashboard: {dashboard}dashboard/#token={apiToken}");
            Line("             (the #token=... part lets the page acknowledge alerts; the API reads stay open to anyone on this machine)");
            Line($"  broker:    mqtt://{server.BrokerHost}:{server.BrokerPort} (embedded, authenticated, per-device ACL)");
            Line($"  data:      {folder} (store fleet.db, device configurations, keys, outboxes, logs)");
            foreach (var d in plan)
            {
                var change = d.ChangeAtFrame is { } f ? $", change at frame {f} (≈{(f / request.RateHz).ToString("F0", CultureInfo.InvariantCulture)} s)" : string.Empty;
                Line($"  {d.Id}: {d.RoleName,-12} model {d.Model}, scenario {d.Scenario}{change}");
            }

            Line(request.EffectiveDuration is { } seconds ? $"  running for {seconds.ToString("G4", CultureInfo.InvariantCulture)} s; Ctrl+C stops earlier" : "  Ctrl+C stops");
            Line("  preparing the simulated worlds (trains the demo model set the scenarios are defined on) ...");
            _ = environment.DemoModels();

            using var subscription = server.Aggregator.Dashboard.Events.Subscribe();
            var roles = plan.ToDictionary(d => d.Id, d => d.RoleName, StringComparer.Ordinal);
            var started = environment.TimeProvider.GetTimestamp();
            using var printing = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken.None);
            var printer = PrintEventsAsync(subscription, roles, started, printing.Token);

            var sessions = new List<(DemoDevice Device, RunSession Session, Task<int> Run, TextWriter Log)>();
            foreach (var device in plan)
            {
                var log = TextWriter.Synchronized(new StreamWriter(device.LogPath, append: false) { AutoFlush = true });
                var session = new RunSession(log, new PrefixedWriter(stderr, $"{device.Id}: "), environment, new RunRequest(
                    new FileInfo(device.ConfigPath), request.EffectiveDuration, null, new FileInfo(device.AlertsPath), NoReport: false, AllowModelMismatch: false,
                    new FileInfo(Path.Combine(folder, device.Id + ".outbox.db")), OperatorKey: null, request.RateHz, FingerprintEverySeconds: 10, CueProbeEvery: 50));
                sessions.Add((device, session, Task.Run(() => session.RunAsync(cancellationToken), CancellationToken.None), log));
            }

            var exits = await Task.WhenAll(sessions.Select(s => s.Run)).ConfigureAwait(false);
            foreach (var s in sessions)
            {
                await s.Log.DisposeAsync().ConfigureAwait(false);
            }

            // Give the aggregator a moment to store what the devices' outboxes delivered before they stopped.
            await Task.Delay(TimeSpan.FromSeconds(1), environment.TimeProvider, CancellationToken.None).ConfigureAwait(false);
            await printing.CancelAsync().ConfigureAwait(false);
            await printer.ConfigureAwait(false);

            var stored = await server.Store.QueryAlertsAsync(new AlertQuery { Fleet = DemoCommand.Fleet }, CancellationToken.None).ConfigureAwait(false);
            var summary = DemoSummary.Build(plan, sessions.Select(s => s.Session.Outcome).ToArray(), stored);
            foreach (var line in summary.Lines)
            {
                Line(line);
            }

            Line($"The data stays in {database}; look at it again with: edgesentinel aggregate --store sqlite:{database} --http-port {request.Port} --mqtt-port 0");
            for (var i = 0; i < exits.Length; i++)
            {
                if (exits[i] != 0)
                {
                    Line($"{plan[i].Id} failed to run (exit {exits[i]}): see {plan[i].LogPath}");
                }
            }

            return exits.All(e => e == 0) ? 0 : 1;
        }
    }

    private async Task PrintEventsAsync(DashboardSubscription subscription, Dictionary<string, string> roles, long started, CancellationToken cancellationToken)
    {
        var lastStatus = new Dictionary<string, string?>(StringComparer.Ordinal);
        try
        {
            await foreach (var e in subscription.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var at = environment.TimeProvider.GetElapsedTime(started).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture).PadLeft(6);
                var role = roles.TryGetValue(e.Device, out var r) ? r : "?";
                switch (e.Type)
                {
                    case "alert":
                        Line($"{at} s  {e.Device} ({role}): alert {e.State} {e.Severity} {e.Kind}");
                        break;
                    case "status" when !lastStatus.TryGetValue(e.Device, out var previous) || previous != e.State:
                        // Devices report status periodically; only changes are news.
                        lastStatus[e.Device] = e.State;
                        Line($"{at} s  {e.Device} ({role}): {e.State}");
                        break;
                    case "acknowledged":
                        Line($"{at} s  {e.Device} ({role}): alert {e.AlertId} acknowledged");
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Each shipped baseline that exists but cannot be read by this build (corrupted, or written by another version), with why.</summary>
    private static IEnumerable<string> UnreadableBaselines(DirectoryInfo models)
    {
        foreach (var file in ShippedFiles.Where(f => f.EndsWith(".baseline", StringComparison.Ordinal)).Select(f => Path.Combine(models.FullName, f)).Where(File.Exists))
        {
            string? problem = null;
            try
            {
                _ = Monitor.Baselines.Baseline.FromBytes(File.ReadAllBytes(file));
            }
            catch (Exception e) when (e is Monitor.Serialization.MonitorFormatException or IOException or UnauthorizedAccessException)
            {
                problem = $"{file} cannot be used: {e.Message} (rebuild the shipped models with 'edgesentinel models build --out {models.FullName}')";
            }

            if (problem is not null)
            {
                yield return problem;
            }
        }
    }

    private static void WriteDeviceFiles(DemoDevice device, ProvisionedDevice provisioned, DirectoryInfo models, FleetServer server)
    {
        var keyFile = Path.Combine(device.Folder, device.Id + ".key");
        var passwordFile = Path.Combine(device.Folder, device.Id + ".mqtt-password");
        File.WriteAllText(keyFile, provisioned.Credentials.Key.ToBase64() + "\n");
        File.WriteAllText(passwordFile, provisioned.MqttPassword + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var simulator = new JsonObject { ["world"] = "robot", ["seed"] = device.Seed, ["scenario"] = device.Scenario };
        if (device.ChangeAtFrame is { } change)
        {
            simulator["changeAtFrame"] = change;
        }

        var config = new JsonObject
        {
            ["deviceId"] = device.Id,
            ["fleet"] = DemoCommand.Fleet,
            ["modelPath"] = Path.Combine(models.FullName, device.Model + ".onnx"),
            ["baselinePath"] = Path.Combine(models.FullName, device.Model + ".baseline"),
            ["source"] = new JsonObject { ["kind"] = "simulator", ["simulator"] = simulator },
            ["taps"] = new JsonArray("auto:2"),
            ["cueFeatures"] = new JsonArray(
                new JsonObject { ["feature"] = "mission_day", ["trainingValue"] = 90 },
                new JsonObject { ["feature"] = "site_id", ["trainingValue"] = 0 },
                new JsonObject { ["feature"] = "operator_mode", ["trainingValue"] = 0 }),
            ["interlock"] = new JsonObject
            {
                ["rules"] = new JsonArray(
                    new JsonObject { ["severity"] = "critical" },
                    new JsonObject { ["kinds"] = new JsonArray("cue-sensitivity", "canary-mismatch"), ["severity"] = "warning" }),
                ["fallback"] = new JsonObject { ["mode"] = "zero" },
            },
            ["mqtt"] = new JsonObject
            {
                ["host"] = server.BrokerHost,
                ["port"] = server.BrokerPort,
                ["tls"] = false,
                ["username"] = provisioned.MqttUsername,
                ["passwordFile"] = passwordFile,
                ["deviceKeyFile"] = keyFile,
                ["keepAliveSeconds"] = 15,
            },
            ["monitor"] = new JsonObject { ["canaryPeriodFrames"] = 500, ["canaryPeriodSeconds"] = 30 },
            ["intraOpThreads"] = 1,
        };
        File.WriteAllText(device.ConfigPath, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static DirectoryInfo? LocateModels()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = new DirectoryInfo(Path.Combine(dir.FullName, "models"));
                if (File.Exists(Path.Combine(candidate.FullName, "manifest.json")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private string NewRunFolder(DirectoryInfo data)
    {
        var stamp = environment.TimeProvider.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var path = Path.Combine(data.FullName, "run-" + stamp);
        for (var n = 2; Directory.Exists(path); n++)
        {
            path = Path.Combine(data.FullName, $"run-{stamp}-{n}");
        }

        Directory.CreateDirectory(path);
        return path;
    }

    private void Line(string text)
    {
        lock (_output)
        {
            stdout.WriteLine(text);
            stdout.Flush();
        }
    }

    /// <summary>Prefixes every line written with a device id (for errors of one robot among several).</summary>
    private sealed class PrefixedWriter(TextWriter inner, string prefix) : TextWriter
    {
        public override System.Text.Encoding Encoding => inner.Encoding;

        public override void Write(char value) => inner.Write(value);

        public override void WriteLine(string? value)
        {
            lock (inner)
            {
                inner.WriteLine(prefix + value);
            }
        }
    }
}
