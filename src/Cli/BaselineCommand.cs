using System.CommandLine;
using System.Globalization;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Simulation.Baselines;

namespace EdgeSentinel.Cli;

/// <summary>
/// <c>edgesentinel baseline</c>: runs the model over training/evaluation data, builds the
/// fingerprint and calibrates the detectors on a held-out tail of the data.
/// </summary>
internal static class BaselineCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<FileInfo>("--model") { Description = "ONNX model file.", Required = true };
        var data = new Option<FileInfo>("--data") { Description = "Training/evaluation data: CSV with a header or NDJSON, one row per inference.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Baseline file to write.", Required = true };
        var taps = new Option<string?>("--taps") { Description = "Activations to watch: tensor names separated by commas, or auto:N for the last N hidden layers." };
        var arl = new Option<double>("--arl") { Description = "Average run length between false alarms of the sequential detectors, in inferences.", DefaultValueFactory = _ => 1e6 };
        var windowAlpha = new Option<double>("--window-alpha") { Description = "False-alarm level of the window tests, per window, across all channels.", DefaultValueFactory = _ => 1e-4 };
        var anomalyRate = new Option<double>("--anomaly-rate") { Description = "Per-inference false-alarm rate of the activation-anomaly threshold.", DefaultValueFactory = _ => 1e-6 };
        var window = new Option<int>("--window") { Description = "Observations per window for the window tests.", DefaultValueFactory = _ => 256 };
        var holdout = new Option<double>("--holdout") { Description = "Fraction of rows held out to calibrate thresholds: whole blocks of --block rows, drawn at random (seeded).", DefaultValueFactory = _ => 0.3 };
        var block = new Option<int>("--block") { Description = "Rows per held-out block and per calibration bootstrap block; 1 for independent rows, longer than the autocorrelation for time series.", DefaultValueFactory = _ => 64 };
        var outputs = new Option<OutputKind>("--outputs") { Description = "How to read the model's outputs: Regression, Probabilities or Logits.", DefaultValueFactory = _ => OutputKind.Regression };
        var canaries = new Option<int>("--canaries") { Description = "Held-out rows kept as canaries with their outputs (spread evenly over the held-out rows).", DefaultValueFactory = _ => 16 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the reference sample and the calibration bootstrap.", DefaultValueFactory = _ => 1UL };
        var untested = new Option<string?>("--untested") { Description = "Input features to summarize but never test for drift (clocks, dates, deployment cues), separated by commas." };
        var latency = new Option<bool>("--latency") { Description = "Also fingerprint inference latency (only meaningful when the data is run on the target device)." };
        var description = new Option<string>("--description") { Description = "Free text stored in the baseline.", DefaultValueFactory = _ => string.Empty };

        var command = new Command("baseline", "Build and calibrate a baseline from training/evaluation data.");
        var groups = new Option<double>("--group-separation")
        {
            Description = "Give the sequential streams thresholds by group: streams are grouped by their own clean level, each group's highest at least this many times the next group's (4 is a sensible split), each group calibrated at the ARL times the number of groups. Only streams whose block means vary no more than one common mean explains leave the first group. Quiet streams then alarm much sooner; their thresholds rest on the recorded blocks. Default 4; Infinity: one threshold for every stream. Needs --block > 1 (otherwise one threshold).",
            DefaultValueFactory = _ => new BaselineOptions().SequentialGroupSeparation,
        };
        foreach (var o in new Option[] { model, data, output, taps, block, arl, groups, windowAlpha, anomalyRate, window, holdout, outputs, canaries, seed, untested, latency, description })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) => RunAsync(
            new Request(parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(output)!, parse.GetValue(taps), parse.GetValue(block),
                parse.GetValue(arl), parse.GetValue(windowAlpha), parse.GetValue(anomalyRate), parse.GetValue(window), parse.GetValue(holdout), parse.GetValue(outputs),
                parse.GetValue(canaries), parse.GetValue(seed), parse.GetValue(untested), parse.GetValue(latency), parse.GetValue(description) ?? string.Empty, parse.GetValue(groups)),
            stdout, stderr, cancellationToken));
        return command;
    }

    private sealed record Request(FileInfo Model, FileInfo Data, FileInfo Output, string? Taps, int Block, double Arl, double WindowAlpha, double AnomalyRate, int Window,
        double Holdout, OutputKind Outputs, int Canaries, ulong Seed, string? Untested, bool Latency, string Description, double GroupSeparation);

    private static async Task<int> RunAsync(Request request, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!(request.Holdout is > 0 and < 1) || request.Canaries < 0)
        {
            stderr.WriteLine($"edgesentinel baseline: --holdout {request.Holdout.ToString(CultureInfo.InvariantCulture)} must be in (0, 1) and --canaries {request.Canaries} at least 0");
            return EdgeSentinelCommand.UsageError;
        }

        var hostOptions = new OnnxModelHostOptions();
        if (!TapSelection.TryApply(request.Taps, hostOptions, out var tapError))
        {
            stderr.WriteLine($"edgesentinel baseline: {tapError}");
            return EdgeSentinelCommand.UsageError;
        }

        try
        {
            using var host = ModelSession.LoadModel(request.Model, hostOptions);
            await using var source = await ModelSession.OpenDataAsync(request.Data, host, stderr, "baseline", cancellationToken).ConfigureAwait(false);

            var rows = new List<float[]>();
            var frame = new float[host.InputWidth];
            while (await source.ReadFrameAsync(frame, cancellationToken).ConfigureAwait(false))
            {
                rows.Add((float[])frame.Clone());
            }

            var block = Math.Max(1, request.Block);
            var isHeldOut = OfflineBaseline.SelectHeldOut(rows.Count, block, request.Holdout, request.Seed);
            var heldOut = isHeldOut.Count(h => h);
            var training = rows.Count - heldOut;
            stderr.WriteLine($"edgesentinel baseline: {rows.Count} rows read ({source.Statistics.RowsSkipped} skipped, {source.Statistics.NonFiniteRows} with NaN/Inf); {training} for the fingerprint, {heldOut} held out for calibration in blocks of {block}");

            var recipe = new OfflineBaselineOptions
            {
                Holdout = request.Holdout,
                Block = block,
                Canaries = request.Canaries,
                Outputs = request.Outputs,
                Latency = request.Latency,
                Monitor = new BaselineOptions
                {
                    TargetAverageRunLength = request.Arl,
                    WindowAlpha = request.WindowAlpha,
                    ActivationAnomalyRate = request.AnomalyRate,
                    WindowSize = request.Window,
                    Seed = request.Seed,
                    Description = request.Description,
                    CalibrationBlockLength = block,
                    SequentialGroupSeparation = request.GroupSeparation,
                },
            };
            foreach (var name in (request.Untested ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                recipe.Monitor.UntestedChannels.Add(name);
            }

            var built = OfflineBaseline.Build(host, source.FeatureNames, rows, isHeldOut, recipe, TimeProvider.System,
                new Progress(stderr, rows.Count), new LineProgress(stderr, "edgesentinel baseline: "));
            var baseline = built.Baseline;
            var schema = baseline.Schema;
            var temporary = request.Output.FullName + ".tmp";
            await File.WriteAllBytesAsync(temporary, baseline.ToBytes(), cancellationToken).ConfigureAwait(false);
            File.Move(temporary, request.Output.FullName, overwrite: true);

            var c = baseline.Calibration;
            stdout.WriteLine($"baseline written to {request.Output.FullName}");
            stdout.WriteLine($"  model {baseline.Model.Sha256}, {schema.Channels.Count} channels ({schema.InputCount} inputs, {schema.OutputCount} outputs, {schema.Taps.Count} taps)");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  sequential {c.Sequential.Kind}: threshold {c.Sequential.Threshold:G4}{QuietGroup(c.Sequential)} for one false alarm per {c.Sequential.TargetArl:G3} inferences ({c.Sequential.Method})"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  windows of {c.WindowSize}, {c.MultipleTesting} at {c.WindowAlpha:G3} per window; {baseline.Canaries.Canaries.Count} canaries"));
            return 0;
        }
        catch (Exception e) when (ModelSession.IsInputProblem(e))
        {
            stderr.WriteLine($"edgesentinel baseline: {e.Message}");
            return EdgeSentinelCommand.UsageError;
        }
    }

    /// <summary>Writes each stage line at once, on the caller's thread (System.Progress would post it to the thread pool, possibly after the writer is gone).</summary>
    private sealed class LineProgress(TextWriter writer, string prefix) : IProgress<string>
    {
        public void Report(string value) => writer.WriteLine(prefix + value);
    }

    /// <summary>Prints a progress line at every tenth of the work.</summary>
    private sealed class Progress(TextWriter writer, int total) : IProgress<int>
    {
        private int _nextTenth = 1;

        public void Report(int done)
        {
            if (total > 0 && done * 10L >= _nextTenth * (long)total)
            {
                writer.WriteLine($"edgesentinel baseline: running the model {_nextTenth * 10}% ({done}/{total})");
                _nextTenth++;
            }
        }
    }

    /// <summary>", N quiet streams at T" when the calibration gave quiet streams their own threshold, else empty.</summary>
    private static string QuietGroup(EdgeSentinel.Monitor.Detection.Sequential.SequentialCalibration calibration)
    {
        var quiet = calibration.StreamWeights.Where(w => w != 1.0).ToArray();
        return quiet.Length == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" ({quiet.Length} quiet streams: {calibration.Threshold * quiet[0]:G4})");
    }
}
