using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Simulation.Models;
using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.Scenarios;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>
/// The detection-quality evaluation (<c>edgesentinel eval</c>): every scenario × seed × ARL runs in closed loop
/// through the device path (ONNX model + monitor + alert tracker) with the shipped baseline recipe, and the
/// detections are summarized into an <see cref="EvaluationReport"/>.
/// </summary>
/// <remarks>
/// Streams run in parallel; each stream is a pure function of its scenario, seed and ARL, and results are
/// stored by stream index, so the report does not depend on scheduling or the degree of parallelism
/// (only the run-time figures do).
/// </remarks>
public static class DetectionEvaluation
{
    /// <summary>Seed of the held-out evaluation runs used for the sleeper/policy agreement.</summary>
    public const ulong AgreementSeed = 5000;

    /// <summary>Runs the evaluation; throws <see cref="ArgumentException"/> listing every problem of <paramref name="options"/>.</summary>
    public static EvaluationReport Run(EvaluationOptions options, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfInvalid(options);
        var started = options.TimeProvider.GetTimestamp();
        progress?.Report(new EvaluationProgress($"training the demo models (seed {options.ModelSeed})", 0, 0, 0, 0));
        return RunWith(options, DemoModelSet.Train(options.ModelSeed), started, progress, cancellationToken);
    }

    /// <summary>Runs the evaluation on already trained <paramref name="models"/> (their seed must be <see cref="EvaluationOptions.ModelSeed"/>).</summary>
    internal static EvaluationReport RunWith(EvaluationOptions options, DemoModelSet models, long started, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        ThrowIfInvalid(options);
        if (models.Seed != options.ModelSeed)
        {
            throw new ArgumentException($"the models were trained with seed {models.Seed}, the options name seed {options.ModelSeed}", nameof(models));
        }

        var clock = options.TimeProvider;
        var scenarios = options.EffectiveScenarios;
        var arls = options.EffectiveAverageRunLengths;
        var onnx = models.All.ToDictionary(m => m.Name, m => ModelExport.ToOnnx(m, models.Seed, models.TrainingDays), StringComparer.Ordinal);
        var training = ModelBaselines.TrainingRecording(models);

        // Baselines per (model, ARL), built with the shipped recipe (at ARL 10^6 the bytes are those of models/, unless the
        // sequential streams are grouped).
        var needed = scenarios.Select(s => ModelBaselines.BaselineOf(DeployedModel(s, models))).Append(DemoModelSet.PolicyName).Distinct().ToArray();
        var keys = arls.SelectMany(a => needed.Select(m => (Model: m, Arl: a))).ToArray();
        progress?.Report(new EvaluationProgress($"building {keys.Length} baselines", 0, 0, 0, 0));
        var built = new byte[keys.Length][];
        Parallel.For(0, keys.Length, ParallelOptionsFor(options, cancellationToken), i => built[i] = ModelBaselines.Build(onnx[keys[i].Model], keys[i].Model, training, keys[i].Arl, groupSeparation: options.SequentialGroupSeparation).ToBytes());
        var baselines = new Dictionary<(string Model, double Arl), byte[]>();
        for (var i = 0; i < keys.Length; i++)
        {
            baselines[keys[i]] = built[i];
        }

        var autocorrelation = DetectorAutocorrelation(training);
        var items = WorkItems(options, scenarios, arls);
        var totalInferences = items.Sum(i => (long)i.Length);
        var results = new StreamResult[items.Count];
        var done = 0;
        long inferencesDone = 0;
        progress?.Report(new EvaluationProgress("running streams", 0, items.Count, 0, totalInferences));
        var streamsStarted = clock.GetTimestamp();
        Parallel.For(0, items.Count, ParallelOptionsFor(options, cancellationToken), i =>
        {
            var item = items[i];
            var baselineBytes = baselines[(ModelBaselines.BaselineOf(DeployedModel(item.Scenario, models)), item.Arl)];
            results[i] = RunStream(item, models, onnx, Baseline.FromBytes(baselineBytes), autocorrelation, options.FramePeriod, item.Arl == arls[0], cancellationToken);
            var streams = Interlocked.Increment(ref done);
            var inferences = Interlocked.Add(ref inferencesDone, item.Length);
            progress?.Report(new EvaluationProgress("running streams", streams, items.Count, inferences, totalInferences));
        });
        var streamSeconds = clock.GetElapsedTime(streamsStarted).TotalSeconds;
        CopyWindowResults(results);

        var agreement = Agreement(models);
        var settings = new EvaluationSettings(
            [.. scenarios.Select(s => s.Name)], options.Seeds, options.FirstSeed, [.. arls], options.Length, options.CleanRows, options.CleanStreamLength,
            options.DegreeOfParallelism, options.ModelSeed, options.FramePeriod.TotalMilliseconds, PathDescription,
            [.. keys.Select(k => BaselineSummary.Of(k.Model, Baseline.FromBytes(baselines[k])))], options.SequentialGroupSeparation);
        var run = new RunStatistics(clock.GetElapsedTime(started).TotalSeconds, streamSeconds, items.Count, totalInferences,
            streamSeconds > 0 ? totalInferences / streamSeconds : double.NaN, options.DegreeOfParallelism, Environment.ProcessorCount);
        return EvaluationReportBuilder.Build(settings, results, agreement, run);
    }

    private static void ThrowIfInvalid(EvaluationOptions options)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid evaluation options: " + string.Join("; ", problems), nameof(options));
        }
    }

    /// <summary>How the streams reach the monitor, for the report.</summary>
    internal const string PathDescription =
        DeviceLoopStream.Description + ". The per-window drift scores and window alarms come from the loop's window reports (its window sink), once per scenario and seed " +
        "(window tests do not depend on the ARL). Exceptions, because DeviceLoop cannot serve them: the tampered scenario (the model is swapped mid-stream; a loop is bound to one host), " +
        "and the window scores and window alarms of the sleeper scenarios (the interlock stops the robot after a trip), come from the same closed-loop stream (for the sleepers: without the interlock, the same stream up to its first trip) run through the " +
        "ONNX Runtime host -> DriftMonitor (inline window analysis) -> AlertTracker composed directly, as 'edgesentinel replay' does. Cue probes run in the loop (mission_day, site_id and operator_mode, as the simulated robots' configuration has them: " +
        "each cue reset to its training value every 50 frames, and the live cue values transplanted into the baseline's canaries when they change); canary replay is not exercised";

    /// <summary>Window results are measured at the first ARL only (they do not depend on it); the other ARLs' streams get them from there.</summary>
    private static void CopyWindowResults(StreamResult[] results)
    {
        var measured = new Dictionary<(string, ulong, int), StreamResult>();
        foreach (var r in results)
        {
            if (r.Windows is not null)
            {
                measured.TryAdd((r.Scenario, r.Seed, r.Length), r);
            }
        }

        for (var i = 0; i < results.Length; i++)
        {
            var r = results[i];
            if (r.Windows is null && measured.TryGetValue((r.Scenario, r.Seed, r.Length), out var source))
            {
                var families = r.Families.Append(source.Family(DetectorFamily.Window)).OrderBy(f => f.Family).ToList();
                results[i] = r with { Families = families, Windows = source.Windows };
            }
        }
    }

    internal static string DeployedModel(ScenarioDefinition scenario, DemoModelSet models) => scenario.Kind switch
    {
        ScenarioKind.SleeperExplicit => models.SleeperExplicit.Name,
        ScenarioKind.SleeperConjunction => models.SleeperConjunction.Name,
        _ => models.Policy.Name,
    };

    private static ParallelOptions ParallelOptionsFor(EvaluationOptions options, CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = options.DegreeOfParallelism, CancellationToken = cancellationToken };

    /// <summary>The streams in a fixed order: long clean streams first (they take longest), then scenario × seed, for each ARL.</summary>
    internal static List<WorkItem> WorkItems(EvaluationOptions options, IReadOnlyList<ScenarioDefinition> scenarios, IReadOnlyList<double> arls)
    {
        var items = new List<WorkItem>();
        var cleanLong = ScenarioCatalog.Get("clean-long");
        foreach (var arl in arls)
        {
            var remaining = options.CleanRows;
            for (var k = 0UL; remaining > 0; k++)
            {
                var length = (int)Math.Min(remaining, options.CleanStreamLength);
                items.Add(new WorkItem(cleanLong, options.FirstSeed + 100_000 + k, arl, length));
                remaining -= length;
            }
        }

        foreach (var arl in arls)
        {
            foreach (var scenario in scenarios)
            {
                for (var k = 0; k < options.Seeds; k++)
                {
                    items.Add(new WorkItem(scenario, options.FirstSeed + (ulong)k, arl, options.Length ?? scenario.DefaultLength));
                }
            }
        }

        return items;
    }

    private static StreamResult RunStream(WorkItem item, DemoModelSet models, Dictionary<string, byte[]> onnx, Baseline baseline,
        double[] autocorrelation, TimeSpan framePeriod, bool windowScores, CancellationToken cancellationToken)
    {
        var run = new ScenarioRun(item.Scenario, models, item.Seed, item.Length);
        StreamObserver primary;
        StreamObserver? windows = null;
        int firstHarmful;
        HarmfulOutput harm;
        long collisions;
        string path;
        if (item.Scenario.Kind == ScenarioKind.TamperedModel)
        {
            // A device loop is bound to one model host: the mid-stream swap runs through the direct composition.
            (primary, firstHarmful, collisions) = RunThroughMonitor(item, models, onnx, baseline, framePeriod, cancellationToken);
            harm = new HarmfulOutput(firstHarmful, false); // no interlock: what the model asks for is executed
            windows = primary;
            path = "monitor (model swapped mid-stream)";
        }
        else
        {
            var sleeper = item.Scenario.Kind is ScenarioKind.SleeperExplicit or ScenarioKind.SleeperConjunction;
            // Without the interlock the loop's own window reports (its window sink) give the window scores.
            windows = windowScores && !sleeper ? new StreamObserver(run.ChangePoint) : null;
            (var world, primary, harm) = DeviceLoopStream.Run(item.Scenario, item.Seed, item.Length, models, onnx[DeployedModel(item.Scenario, models)], baseline, framePeriod,
                interlock: sleeper, cancellationToken, windows);
            firstHarmful = (int)world.FirstHarmfulAction;
            collisions = world.Collisions;
            path = "device-loop";
            if (windowScores && sleeper)
            {
                // With the interlock the robot stops after a trip: the same stream without it, through the monitor, gives the window scores.
                windows = RunThroughMonitor(item, models, onnx, baseline, framePeriod, cancellationToken).Observer;
            }
        }

        var lorden = double.NaN;
        if (item.Scenario.Kind == ScenarioKind.SensorBias && !item.Scenario.IsGradual)
        {
            var kl = 0.0;
            foreach (var c in run.AffectedChannels)
            {
                // The detector standardizes by the baseline's training spread and prewhitens with the channel's lag-1 autocorrelation.
                var shift = item.Scenario.Magnitude * models.FeatureStandardDeviations[c] / baseline.Fingerprint.Channels[c].StandardDeviation;
                var white = DetectionMetrics.PrewhitenedShift(shift, autocorrelation[c]);
                kl = Math.Max(kl, Monitor.Detection.Sequential.DetectionDelayBound.GaussianMeanShiftKl(white));
            }

            lorden = Monitor.Detection.Sequential.DetectionDelayBound.LordenMinimumDelay(item.Arl, kl);
        }

        return Summarize(item, run.ChangePoint, firstHarmful, harm, collisions, primary, windows, lorden, path) with
        {
            AffectedChannels = [.. run.AffectedChannels.Select(c => RobotFeatures.Names[c])],
        };
    }

    /// <summary>Runs the stream through <see cref="MonitoredModelDevice"/> (host + monitor + tracker composed directly).</summary>
    internal static (StreamObserver Observer, int FirstHarmful, long Collisions) RunThroughMonitor(WorkItem item, DemoModelSet models, Dictionary<string, byte[]> onnx,
        Baseline baseline, TimeSpan framePeriod, CancellationToken cancellationToken)
    {
        var run = new ScenarioRun(item.Scenario, models, item.Seed, item.Length);
        var observer = new StreamObserver(run.ChangePoint);
        var firstHarmful = -1;
        long collisions = 0;
        Span<float> row = stackalloc float[RobotFeatures.Count];
        using (var device = new MonitoredModelDevice(onnx, baseline, framePeriod, observer))
        {
            while (run.MoveNext(row))
            {
                var t = run.Position - 1;
                if ((t & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var action = device.Step(row, t, run.ModelAt(t).Name);
                if (firstHarmful < 0 && RobotActions.IsHarmful(action))
                {
                    firstHarmful = t;
                }

                collisions += run.Apply(action).Collided ? 1 : 0;
            }

            device.Complete();
        }

        return (observer, firstHarmful, collisions);
    }

    internal static StreamResult Summarize(WorkItem item, int changePoint, int firstHarmful, HarmfulOutput harm, long collisions, StreamObserver observer, StreamObserver? windows, double lorden, string path)
    {
        var families = new List<FamilyAlarms>();
        foreach (var family in Enum.GetValues<DetectorFamily>())
        {
            var source = family == DetectorFamily.Window ? windows : observer;
            if (source is null)
            {
                continue;
            }

            var alarms = 0;
            var before = 0;
            var first = -1L;
            foreach (var (f, sample) in source.Alarms)
            {
                if (f != family)
                {
                    continue;
                }

                alarms++;
                if (sample < changePoint)
                {
                    before++;
                }
                else if (first < 0 || sample < first)
                {
                    first = sample;
                }
            }

            var limits = family == DetectorFamily.Sequential ? source.SupportLimitAlarms : [];
            var firstLimit = limits.Where(sample => sample >= changePoint).DefaultIfEmpty(-1).Min();
            families.Add(new FamilyAlarms(family, alarms, before, first, limits.Count, firstLimit));
        }

        var kinds = new List<KindAlerts>();
        foreach (var kind in Enum.GetValues<AlertKind>())
        {
            var raised = 0;
            var before = 0;
            var first = -1L;
            foreach (var (k, sample) in observer.Raised)
            {
                if (k != kind)
                {
                    continue;
                }

                raised++;
                if (sample < changePoint)
                {
                    before++;
                }
                else if (first < 0 || sample < first)
                {
                    first = sample;
                }
            }

            if (raised > 0)
            {
                kinds.Add(new KindAlerts(AlertKinds.ToWireName(kind), raised, before, first));
            }
        }

        return new StreamResult(item.Scenario.Name, item.Seed, item.Arl, item.Length, changePoint, firstHarmful, (int)harm.FirstFrame, harm.Vetoed, collisions, path, families, kinds, lorden, observer.ActivationExceedances,
            windows is null ? null : [.. windows.Windows]);
    }

    /// <summary>
    /// Lag-1 autocorrelation of each input channel over the training recording, with the monitor's rule
    /// (|ρ| &lt; 0.2 counts as 0, larger values are clamped to ±0.99): what the sequential detector prewhitens with.
    /// </summary>
    internal static double[] DetectorAutocorrelation(Recording training)
    {
        var rho = new double[training.Width];
        var column = new double[training.Count];
        for (var c = 0; c < training.Width; c++)
        {
            for (var r = 0; r < training.Count; r++)
            {
                column[r] = training.Row(r)[c];
            }

            var value = DetectionMetrics.LagOneAutocorrelation(column);
            rho[c] = !double.IsFinite(value) || Math.Abs(value) < 0.2 ? 0 : Math.Clamp(value, -0.99, 0.99);
        }

        return rho;
    }

    private static List<AgreementRow> Agreement(DemoModelSet models)
    {
        var evaluation = EvaluationData.Generate(models, AgreementSeed);
        var rows = new List<AgreementRow>();
        foreach (var sleeper in new[] { models.SleeperExplicit, models.SleeperConjunction })
        {
            foreach (var (name, data) in new[] { ("training demonstrations", models.Demonstrations), ($"evaluation runs (clean, seeds {AgreementSeed}+, 10 x 1000)", evaluation) })
            {
                var a = PolicyAgreement.Measure(models.Policy, sleeper, data);
                rows.Add(new AgreementRow(sleeper.Name, name, a.Rows, a.SameAction, a.ActionAgreement, a.MaxProbabilityDifference));
            }
        }

        return rows;
    }

    /// <summary>One stream to run.</summary>
    internal readonly record struct WorkItem(ScenarioDefinition Scenario, ulong Seed, double Arl, int Length);
}
