using System.Globalization;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Monitor.Benchmarks.Simulator;

/// <summary>
/// Bench command <c>simulator-false-alarms</c>: builds two baselines from one training recording — the window
/// tests' null calibrated on clean training windows, and uncalibrated (the previous behaviour) — the way
/// <c>edgesentinel baseline</c> does (random held-out blocks of <c>--block</c> rows, seeded), then replays
/// recordings through both and counts, per 10^5 rows, the detector events an operator would see: windows
/// rejected by the window tests (by alert kind), sequential alarms and activation anomalies. For a recording
/// with a change point (<c>file.csv@ROW</c>) it reports the first event at or after the change and its delay.
/// </summary>
/// <remarks>
/// Usage: <c>simulator-false-alarms --model M.onnx --train T.csv [--block 64] [--arl 1e6] [--taps 2]
/// [--untested a,b] live.csv ... bias.csv@2000 ...</c>. CSV columns must be the model's inputs in order.
/// Measured (2026-11-24) with recordings from <c>es record --scenario clean --length 20000</c> (training) and
/// <c>--seed 7|8|9 --length 100000</c> (clean), <c>--scenario bias-1sd-1ch --seed 7|8</c> (change at row 2000):
/// <c>dotnet bench/Monitor.Benchmarks/bin/Release/net10.0/EdgeSentinel.Monitor.Benchmarks.dll simulator-false-alarms
/// --model models/policy.onnx --train train.csv --block 64 --untested mission_day,site_id,operator_mode live7.csv
/// live8.csv live9.csv bias7.csv@2000 bias8.csv@2000</c>. A window event after the change may itself be a false
/// alarm, so the delays show detection only where the clean rate is near zero.
/// </remarks>
internal static class SimulatorFalseAlarms
{
    public static int Run(string[] args)
    {
        string? model = null, train = null;
        var block = 64;
        var arl = 1e6;
        var taps = 2;
        var untested = new List<string>();
        var live = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--model": model = args[++i]; break;
                case "--train": train = args[++i]; break;
                case "--block": block = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--arl": arl = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--taps": taps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--untested": untested.AddRange(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
                default: live.Add(args[i]); break;
            }
        }

        if (model is null || train is null || live.Count == 0)
        {
            Console.Error.WriteLine("usage: simulator-false-alarms --model M.onnx --train T.csv [--block 64] [--arl 1e6] [--taps 2] [--untested a,b] live.csv ... bias.csv@ROW ...");
            return 2;
        }

        using var host = OnnxModelHost.Load(model, new OnnxModelHostOptions { AutoTapLayers = taps });
        var (names, rows) = ReadCsv(train, host.InputWidth);
        var schema = FingerprintSchema.CreateBuilder().AddInputs(names).AddOutputs(host.OutputElementNames(), OutputKind.Probabilities);
        foreach (var t in host.Taps)
        {
            schema.AddTap(t.Name, t.ElementCount);
        }

        var built = schema.Build();
        var baselines = new Dictionary<string, Baseline>();
        foreach (var (label, minWindows) in new[] { ("uncalibrated", 1_000_000), ("calibrated", 20) })
        {
            var options = new BaselineOptions { TargetAverageRunLength = arl, CalibrationBlockLength = block, MinNullCalibrationWindows = minWindows, Seed = 1 };
            foreach (var u in untested)
            {
                options.UntestedChannels.Add(u);
            }

            var builder = new BaselineBuilder(built, host.Identity, options);
            var heldOut = HeldOut(rows.Count, block, 0.3, 1);
            for (var r = 0; r < rows.Count; r++)
            {
                host.SetInputs(rows[r]);
                var frame = host.Run();
                if (heldOut[r])
                {
                    builder.AddHeldOut(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
                }
                else
                {
                    builder.AddTraining(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
                }
            }

            baselines[label] = builder.Build();
            var n = baselines[label].Calibration.WindowNull;
            Console.WriteLine(F($"baseline {label}: {rows.Count} rows, block {block}, sequential threshold {baselines[label].Calibration.Sequential.Threshold:G4}, window null {n.Method} ({n.WindowCount} windows)"));
        }

        Console.WriteLine("| recording | null | rows | windows | rejected windows /1e5 (input-drift, behavior-divergence) | sequential alarms /1e5 | activation anomalies /1e5 | first window event after change (delay) | first sequential alarm after change (delay) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var spec in live)
        {
            var at = spec.LastIndexOf('@');
            var change = at > 0 ? long.Parse(spec[(at + 1)..], CultureInfo.InvariantCulture) : -1;
            var path = at > 0 ? spec[..at] : spec;
            var (_, liveRows) = ReadCsv(path, host.InputWidth);
            foreach (var (label, baseline) in baselines)
            {
                var monitor = new DriftMonitor(baseline);
                long windows = 0, input = 0, behavior = 0, rejected = 0, sequential = 0, anomalies = 0;
                long firstWindow = -1, firstSequential = -1;
                for (var r = 0; r < liveRows.Count; r++)
                {
                    host.SetInputs(liveRows[r]);
                    var frame = host.Run();
                    monitor.Observe(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
                    while (monitor.TryTakeSequentialAlarm(out var alarm))
                    {
                        if (change < 0 || alarm.Sample < change)
                        {
                            sequential++;
                        }
                        else if (firstSequential < 0)
                        {
                            firstSequential = alarm.Sample;
                        }
                    }

                    while (monitor.TryTakeActivationAnomaly(out _))
                    {
                        anomalies++;
                    }

                    while (monitor.TryTakeWindow(out var window))
                    {
                        var report = monitor.AnalyzeWindow(window);
                        monitor.ReturnWindow(window);
                        var isInput = report.Signals.Any(s => s.Kind == AlertKind.InputDrift && s.IsAboveThreshold);
                        var isBehavior = report.Signals.Any(s => s.Kind == AlertKind.BehaviorDivergence && s.IsAboveThreshold);
                        if (change >= 0 && report.LastSample >= change)
                        {
                            if ((isInput || isBehavior) && firstWindow < 0)
                            {
                                firstWindow = report.LastSample;
                            }

                            continue;
                        }

                        windows++;
                        input += isInput ? 1 : 0;
                        behavior += isBehavior ? 1 : 0;
                        rejected += isInput || isBehavior ? 1 : 0;
                    }
                }

                var clean = change >= 0 ? change : liveRows.Count;
                var scale = 1e5 / clean;
                Console.WriteLine(F($"| {Path.GetFileName(spec)} | {label} | {clean} | {windows} | {rejected * scale:F1} ({input * scale:F1}, {behavior * scale:F1}) | {sequential * scale:F1} | {anomalies * scale:F1} | {Delay(firstWindow, change)} | {Delay(firstSequential, change)} |"));
            }
        }

        return 0;
    }

    private static string Delay(long first, long change) =>
        change < 0 ? "-" : first < 0 ? "none" : F($"row {first} ({first - change + 1})");

    /// <summary>Held-out rows as <c>edgesentinel baseline</c> picks them: whole blocks drawn at random (System.Random seeded).</summary>
    private static bool[] HeldOut(int rows, int block, double fraction, ulong seed)
    {
        var blocks = (rows + block - 1) / block;
        var order = Enumerable.Range(0, blocks).ToArray();
        new Random(unchecked((int)seed)).Shuffle(order);
        var result = new bool[rows];
        foreach (var b in order.AsSpan(0, (int)Math.Round(blocks * fraction)))
        {
            for (var r = b * block; r < Math.Min(rows, (b + 1) * block); r++)
            {
                result[r] = true;
            }
        }

        return result;
    }

    private static (string[] Names, List<float[]> Rows) ReadCsv(string path, int width)
    {
        using var reader = new StreamReader(path);
        var names = reader.ReadLine()!.Split(',');
        if (names.Length != width)
        {
            throw new InvalidDataException($"{path}: {names.Length} columns, the model takes {width} inputs");
        }

        var rows = new List<float[]>();
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            rows.Add([.. line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))]);
        }

        return (names, rows);
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
