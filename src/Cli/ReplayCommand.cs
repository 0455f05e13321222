using System.CommandLine;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Cli;

/// <summary>
/// <c>edgesentinel replay</c>: back-tests a recording against a baseline offline — the model runs
/// on every row, the monitor watches, and every alert transition is written as one JSON line.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<FileInfo>("--model") { Description = "ONNX model file.", Required = true };
        var baseline = new Option<FileInfo>("--baseline") { Description = "Baseline file made by 'edgesentinel baseline' for this model.", Required = true };
        var data = new Option<FileInfo>("--data") { Description = "Recording to replay: CSV with a header or NDJSON.", Required = true };
        var alerts = new Option<FileInfo>("--alerts") { Description = "Where to write the alerts, one JSON object per line.", Required = true };
        var device = new Option<string>("--device") { Description = "Device id written into the alerts.", DefaultValueFactory = _ => "replay" };
        var allowMismatch = new Option<bool>("--allow-model-mismatch") { Description = "Use the baseline even though it was built for another model (differences are printed)." };

        var command = new Command("replay", "Back-test a recording against a baseline; write alerts as JSON lines and print a summary.");
        foreach (var o in new Option[] { model, baseline, data, alerts, device, allowMismatch })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(model)!, parse.GetValue(baseline)!, parse.GetValue(data)!, parse.GetValue(alerts)!,
            parse.GetValue(device) ?? "replay", parse.GetValue(allowMismatch), stdout, stderr, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo modelFile, FileInfo baselineFile, FileInfo dataFile, FileInfo alertsFile,
        string deviceId, bool allowMismatch, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            var baseline = Baseline.FromBytes(await File.ReadAllBytesAsync(baselineFile.FullName, cancellationToken).ConfigureAwait(false));
            // Identity first, without taps: a model that is not the baseline's is refused as such,
            // before a missing tap could hide the real cause.
            using (var plain = ModelSession.LoadModel(modelFile, new OnnxModelHostOptions()))
            {
                foreach (var difference in plain.VerifyBaseline(baseline.Model, allowMismatch))
                {
                    stderr.WriteLine($"edgesentinel replay: warning (--allow-model-mismatch): {difference}");
                }
            }

            var hostOptions = new OnnxModelHostOptions();
            foreach (var tap in baseline.Schema.Taps)
            {
                hostOptions.Taps.Add(tap.Name);
            }

            using var host = ModelSession.LoadModel(modelFile, hostOptions);

            await using var source = await ModelSession.OpenDataAsync(dataFile, host, stderr, "replay", cancellationToken).ConfigureAwait(false);
            var monitor = new DriftMonitor(baseline);
            var tracker = new AlertTracker(deviceId, baseline.Model.Sha256, new AlertPolicy(), TimeProvider.System);
            var rowOfSample = new List<long>();
            var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            await using var alertStream = new StreamWriter(alertsFile.FullName, append: false);
            var lines = new AlertLineWriter(alertStream);

            void Emit(IReadOnlyList<AlertTransition> transitions)
            {
                foreach (var t in transitions)
                {
                    var sample = Math.Clamp(t.Alert.LastSample, 0, rowOfSample.Count - 1);
                    lines.Write(t, rowOfSample[(int)sample]);
                    var key = $"{AlertKinds.ToWireName(t.Alert.Kind)} {AlertStates.ToWireName(t.Current)}";
                    counts[key] = counts.GetValueOrDefault(key) + 1;
                }
            }

            var alarmsByStream = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var frame = new float[host.InputWidth];
            while (await source.ReadFrameAsync(frame, cancellationToken).ConfigureAwait(false))
            {
                rowOfSample.Add(source.Statistics.RowsDelivered + source.Statistics.RowsSkipped - 1);
                host.SetInputs(frame);
                var result = host.Run();
                monitor.Observe(result.Inputs, result.Outputs, result.Taps, result.LatencyMilliseconds);
                while (monitor.TryTakeSequentialAlarm(out var alarm))
                {
                    var stream = monitor.StreamName(alarm.Stream);
                    alarmsByStream[stream] = alarmsByStream.GetValueOrDefault(stream) + 1;
                    Emit(tracker.Process(monitor.ToSignal(alarm)));
                }

                while (monitor.TryTakeActivationAnomaly(out var anomaly))
                {
                    Emit(tracker.Process(monitor.ToSignal(anomaly)));
                }

                while (monitor.TryTakeWindow(out var window))
                {
                    var report = monitor.AnalyzeWindow(window);
                    monitor.ReturnWindow(window);
                    Emit(tracker.Process(report.Signals));
                }
            }

            var stats = source.Statistics;
            var counters = monitor.Counters;
            stdout.WriteLine($"replayed {stats.RowsDelivered} rows of {dataFile.Name} against {baselineFile.Name} (model {baseline.Model.Sha256[..12]})");
            stdout.WriteLine($"  rows skipped: {stats.RowsSkipped}; rows with NaN/Inf values: {stats.NonFiniteRows}");
            foreach (var problem in source.Problems.Take(10))
            {
                stdout.WriteLine($"    {problem}");
            }

            stdout.WriteLine($"  windows tested: {counters.CompletedWindows}; trailing rows not in a complete window: {stats.RowsDelivered % monitor.WindowSize}");
            var byStream = alarmsByStream.Count == 0 ? string.Empty : " (" + string.Join(", ", alarmsByStream.Select(kv => $"{kv.Key} {kv.Value}")) + ")";
            stdout.WriteLine($"  sequential alarms: {counters.SequentialAlarms}{byStream}; activation alarms (episodes): {counters.ActivationEpisodes}, from {counters.ActivationAnomalies} exceeding tap readings");
            stdout.WriteLine(counts.Count == 0 ? "  alerts: none" : "  alerts: " + string.Join(", ", counts.Select(kv => $"{kv.Value} {kv.Key}")));
            stdout.WriteLine($"  alert lines written to {alertsFile.FullName}");
            return 0;
        }
        catch (Exception e) when (ModelSession.IsInputProblem(e))
        {
            stderr.WriteLine($"edgesentinel replay: {e.Message}");
            return EdgeSentinelCommand.UsageError;
        }
    }
}
