using System.CommandLine;
using System.Globalization;
using EdgeSentinel.Cli.Reports;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Cli;

/// <summary>
/// <c>edgesentinel report</c>: a self-contained HTML drift report of live data against a baseline — from a
/// recording replayed through the model and the monitor, or from the window fingerprints a device reported
/// to the aggregator.
/// </summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var baseline = new Option<FileInfo>("--baseline") { Description = "Baseline file the live data is compared with.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "HTML file to write.", Required = true };
        var model = new Option<FileInfo?>("--model") { Description = "ONNX model the baseline was built for (with --data: the recording holds model inputs; outputs and activations come from running it)." };
        var data = new Option<FileInfo?>("--data") { Description = "Live recording: CSV with a header or NDJSON, one row per inference (needs --model)." };
        var store = new Option<string?>("--store") { Description = "Aggregator store to read a device's reported windows from: a SQLite file path, or postgres:CONNECTION-STRING." };
        var fleet = new Option<string?>("--fleet") { Description = "Fleet of the device (with --store)." };
        var device = new Option<string?>("--device") { Description = "Device whose reported windows to examine (with --store)." };
        var from = new Option<DateTimeOffset?>("--from") { Description = "Start of the time range of stored windows (ISO 8601; default: all)." };
        var to = new Option<DateTimeOffset?>("--to") { Description = "End of the time range of stored windows (ISO 8601; default: all)." };

        var command = new Command("report", "Write a self-contained HTML drift report: per channel, baseline against live distribution, the test statistics, and which channels drove the verdict.");
        foreach (var o in new Option[] { baseline, output, model, data, store, fleet, device, from, to })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) => RunAsync(
            new Request(parse.GetValue(baseline)!, parse.GetValue(output)!, parse.GetValue(model), parse.GetValue(data), parse.GetValue(store),
                parse.GetValue(fleet), parse.GetValue(device), parse.GetValue(from), parse.GetValue(to)),
            stdout, stderr, cancellationToken));
        return command;
    }

    private sealed record Request(FileInfo Baseline, FileInfo Output, FileInfo? Model, FileInfo? Data, string? Store, string? Fleet, string? Device,
        DateTimeOffset? From, DateTimeOffset? To);

    private static async Task<int> RunAsync(Request request, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var fromData = request.Data is not null;
        var fromStore = request.Store is not null;
        string? usage = (fromData, fromStore) switch
        {
            (false, false) => "give either --data (with --model) or --store (with --fleet and --device)",
            (true, true) => "give either --data or --store, not both",
            (true, false) when request.Model is null => "--data needs --model: the recording holds the model's inputs, and outputs and activations come from running it",
            (false, true) when string.IsNullOrWhiteSpace(request.Fleet) || string.IsNullOrWhiteSpace(request.Device) => "--store needs --fleet and --device",
            _ => null,
        };
        if (usage is not null)
        {
            stderr.WriteLine($"edgesentinel report: {usage}");
            return EdgeSentinelCommand.UsageError;
        }

        try
        {
            var chartLibrary = ChartLibrary.Load();
            var baseline = Baseline.FromBytes(await File.ReadAllBytesAsync(request.Baseline.FullName, cancellationToken).ConfigureAwait(false));
            var report = fromData
                ? await FromRecordingAsync(baseline, request, stderr, cancellationToken).ConfigureAwait(false)
                : await FromStoreAsync(baseline, request, cancellationToken).ConfigureAwait(false);

            var directory = request.Output.Directory;
            directory?.Create();
            await using (var writer = new StreamWriter(request.Output.FullName, append: false))
            {
                HtmlDriftReportWriter.Write(report, chartLibrary, writer);
            }

            var drifted = report.Drifted.Select(c => c.Name).ToArray();
            stdout.WriteLine($"report of {report.Observations.ToString(CultureInfo.InvariantCulture)} observations in {report.WindowsTested.ToString(CultureInfo.InvariantCulture)} windows written to {request.Output.FullName}");
            stdout.WriteLine(drifted.Length == 0 ? "  no channel drove an alarm" : $"  channels that drove an alarm: {string.Join(", ", drifted)}");
            stdout.WriteLine($"  alerts raised: {report.Alerts.Count(a => a.State == "raised")}");
            return 0;
        }
        catch (Exception e) when (ModelSession.IsInputProblem(e))
        {
            stderr.WriteLine($"edgesentinel report: {e.Message}");
            return EdgeSentinelCommand.UsageError;
        }
    }

    private static async Task<DriftReport> FromRecordingAsync(Baseline baseline, Request request, TextWriter stderr, CancellationToken cancellationToken)
    {
        using (var plain = ModelSession.LoadModel(request.Model!, new OnnxModelHostOptions()))
        {
            // A report against the wrong model's baseline would compare unrelated distributions.
            plain.VerifyBaseline(baseline.Model, allowMismatch: false);
        }

        var hostOptions = new OnnxModelHostOptions();
        foreach (var tap in baseline.Schema.Taps)
        {
            hostOptions.Taps.Add(tap.Name);
        }

        using var host = ModelSession.LoadModel(request.Model!, hostOptions);
        await using var source = await ModelSession.OpenDataAsync(request.Data!, host, stderr, "report", cancellationToken).ConfigureAwait(false);
        var monitor = new DriftMonitor(baseline);
        var tracker = new AlertTracker("report", baseline.Model.Sha256, new AlertPolicy(), TimeProvider.System);
        var builder = new DriftReportBuilder(baseline);
        var rowOfSample = new List<long>();

        void Track(DetectionSignal signal)
        {
            builder.AddSignal(signal);
            Record(tracker.Process(signal));
        }

        void Record(IReadOnlyList<AlertTransition> transitions)
        {
            foreach (var t in transitions)
            {
                builder.AddAlert(t, rowOfSample[(int)Math.Clamp(t.Alert.LastSample, 0, rowOfSample.Count - 1)]);
            }
        }

        var frame = new float[host.InputWidth];
        while (await source.ReadFrameAsync(frame, cancellationToken).ConfigureAwait(false))
        {
            rowOfSample.Add(source.Statistics.RowsDelivered + source.Statistics.RowsSkipped - 1);
            host.SetInputs(frame);
            var result = host.Run();
            monitor.Observe(result.Inputs, result.Outputs, result.Taps, result.LatencyMilliseconds);
            while (monitor.TryTakeSequentialAlarm(out var alarm))
            {
                Track(monitor.ToSignal(alarm));
            }

            while (monitor.TryTakeActivationAnomaly(out var anomaly))
            {
                Track(monitor.ToSignal(anomaly));
            }

            while (monitor.TryTakeWindow(out var window))
            {
                var analysis = monitor.AnalyzeWindow(window);
                monitor.ReturnWindow(window);
                builder.AddWindow(analysis);
                Record(tracker.Process(analysis.Signals));
            }
        }

        var stats = source.Statistics;
        if (stats.RowsSkipped > 0 || stats.NonFiniteRows > 0)
        {
            builder.AddNote($"{stats.RowsSkipped} rows of {request.Data!.Name} were skipped as malformed and {stats.NonFiniteRows} held NaN/Inf values (see the messages printed while reading).");
        }

        var trailing = stats.RowsDelivered % monitor.WindowSize;
        if (trailing > 0)
        {
            builder.AddNote($"The last {trailing} rows do not fill a window of {monitor.WindowSize} and are not in the distributions shown (the sequential detectors saw them).");
        }

        return builder.Build($"Drift report: {request.Data!.Name} against {request.Baseline.Name}", $"{request.Data.FullName} ({stats.RowsDelivered} rows) replayed through {request.Model!.Name}");
    }

    private static async Task<DriftReport> FromStoreAsync(Baseline baseline, Request request, CancellationToken cancellationToken)
    {
        var location = request.Store!;
        await using var store = location.StartsWith("postgres:", StringComparison.Ordinal)
            ? await AggregatorStores.OpenPostgresAsync(location["postgres:".Length..], cancellationToken: cancellationToken).ConfigureAwait(false)
            : await OpenExistingSqliteAsync(location, cancellationToken).ConfigureAwait(false);
        var from = request.From ?? DateTimeOffset.MinValue;
        var to = request.To ?? DateTimeOffset.MaxValue;
        var stored = await store.GetFingerprintsAsync(request.Fleet!, request.Device!, from, to, cancellationToken).ConfigureAwait(false);
        var builder = new DriftReportBuilder(baseline);
        var otherModel = 0;
        foreach (var window in stored.OrderBy(f => f.WindowStart).ThenBy(f => f.Sequence))
        {
            if (!string.Equals(window.ModelHash, baseline.Model.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                otherModel++;
                continue;
            }

            builder.AddStoredWindow(Fingerprint.FromBytes(window.Data.Span));
        }

        if (otherModel > 0)
        {
            builder.AddNote($"{otherModel} stored windows came from another model than the baseline's and are left out.");
        }

        builder.AddNote("Made from the window fingerprints the device reported: each window is tested with the sketch Kolmogorov–Smirnov test (conservative p-value, Holm across channels at the baseline's window false-alarm rate); the device's own sequential detectors are not replayed.");
        var range = request.From is null && request.To is null ? "all stored windows" : $"windows from {from:O} to {to:O}";
        return builder.Build($"Drift report: device {request.Device} against {request.Baseline.Name}", $"{request.Fleet}/{request.Device}, {range}, in {location}");
    }

    private static async Task<IAggregatorStore> OpenExistingSqliteAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"the store '{path}' does not exist (give the SQLite file the aggregator writes, or postgres:CONNECTION-STRING)", path);
        }

        return await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = path }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
