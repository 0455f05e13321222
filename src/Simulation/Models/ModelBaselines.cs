using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Simulation.Baselines;
using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.Scenarios;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Models;

/// <summary>
/// The shipped baselines of the demo models: each model's ONNX file run over a clean closed-loop recording of
/// the training distribution, with the recipe of the README's hand-built baseline
/// (<c>baseline --taps auto:2 --outputs Probabilities --untested mission_day,site_id,operator_mode</c>, other options at their defaults).
/// </summary>
/// <remarks>
/// The sleepers get a baseline of their own, built on the same training data (on it they act exactly as the
/// policy, so the recording is the same; their taps differ). The tampered model has none: it is an
/// unauthorised change of the policy and is watched with the policy's baseline.
/// </remarks>
public static class ModelBaselines
{
    /// <summary>Seed of the clean training recording (the README's <c>record --scenario clean</c> default).</summary>
    public const ulong TrainingRecordingSeed = 1;

    /// <summary>Rows of the clean training recording: 1000 missions of <see cref="ScenarioRun.MissionLength"/> rows, each in its own layout (ARL 10^6 with 1000-row missions asks for the 1-in-1000-missions level, which 1000 recorded missions pin down).</summary>
    public const int TrainingRecordingRows = 1_000_000;

    /// <summary>Canaries kept (<c>--canaries 64</c>): held-out inputs the device replays, and the inputs the cue-context probe transplants live cue values into (enough of them show an obstacle ahead).</summary>
    public const int Canaries = 64;

    /// <summary>Hidden layers tapped (<c>--taps auto:2</c>).</summary>
    public const int TappedLayers = 2;

    /// <summary>File name extension of a baseline.</summary>
    public const string Extension = ".baseline";

    /// <summary>Creation time written into the shipped baselines (fixed so that their bytes are reproducible): the mission epoch.</summary>
    public static DateTimeOffset CreatedAt { get; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The models that have a baseline of their own, in build order.</summary>
    public static IReadOnlyList<string> BaselinedModels { get; } = Array.AsReadOnly(new[]
    {
        DemoModelSet.PolicyName, DemoModelSet.SleeperExplicitName, DemoModelSet.SleeperConjunctionName,
    });

    /// <summary>File names of the shipped baselines, in build order.</summary>
    public static IReadOnlyList<string> FileNames { get; } = Array.AsReadOnly(BaselinedModels.Select(m => m + Extension).ToArray());

    /// <summary>The model whose baseline watches <paramref name="modelName"/>: its own, or the policy's for the tampered model.</summary>
    public static string BaselineOf(string modelName)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        return modelName == DemoModelSet.TamperedName ? DemoModelSet.PolicyName : modelName;
    }

    // A million-row recording and its baselines take a while to make (most of it ONNX Runtime over every row). Within one
    // process the same trained models get the same recording, and the same model bytes, name and ARL on a recording with the
    // same content the same baseline: it is built once (a handful per process: one per model and ARL; never evicted).
    private static readonly ConditionalWeakTable<DemoModelSet, Recording> Recordings = new();
    private static readonly ConditionalWeakTable<Recording, string> RecordingDigests = new();
    private static readonly ConcurrentDictionary<(string Onnx, string Model, double Arl, double Groups, string Recording), Lazy<Baseline>> Built = new();

    /// <summary>The clean training recording: the honest policy in the loop, <see cref="TrainingRecordingRows"/> rows from <see cref="TrainingRecordingSeed"/> (recorded once per trained model set).</summary>
    public static Recording TrainingRecording(DemoModelSet models)
    {
        ArgumentNullException.ThrowIfNull(models);
        return Recordings.GetValue(models, m => ScenarioRecording.Record(ScenarioCatalog.Get("clean"), m, TrainingRecordingSeed, TrainingRecordingRows).Recording);
    }

    /// <summary>Host options of the recipe: the last <see cref="TappedLayers"/> hidden layers tapped, one intra-op thread.</summary>
    public static OnnxModelHostOptions HostOptions() => new() { AutoTapLayers = TappedLayers, IntraOpThreads = 1 };

    /// <summary>The recipe for <paramref name="modelName"/> at a target average run length of <paramref name="averageRunLength"/> inferences.</summary>
    /// <param name="modelName">The model's name.</param>
    /// <param name="averageRunLength">Target ARL.</param>
    /// <param name="groupSeparation">The sequential streams' <see cref="BaselineOptions.SequentialGroupSeparation"/> (null: its default, the shipped recipe).</param>
    public static OfflineBaselineOptions Recipe(string modelName, double averageRunLength = 1e6, double? groupSeparation = null)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        var options = new OfflineBaselineOptions
        {
            Outputs = OutputKind.Probabilities,
            Monitor = new BaselineOptions
            {
                TargetAverageRunLength = averageRunLength,
                CalibrationBlockLength = ScenarioRun.MissionLength,
                SequentialGroupSeparation = groupSeparation ?? new BaselineOptions().SequentialGroupSeparation,
                Description = $"demo model {modelName}: clean closed-loop recording (seed {TrainingRecordingSeed}, {TrainingRecordingRows} rows); edgesentinel models build",
            },
        };
        options.Block = options.Monitor.CalibrationBlockLength;
        options.Canaries = Canaries;
        foreach (var feature in RobotFeatures.Names.Skip(RobotFeatures.FirstContext))
        {
            options.Monitor.UntestedChannels.Add(feature);
        }

        return options;
    }

    /// <summary>Builds the baseline of the model <paramref name="onnx"/> (named <paramref name="modelName"/>) from <paramref name="training"/>; same inputs, same bytes.</summary>
    /// <remarks>Built once per process for the same model bytes, name, ARL, group separation and recording content (baselines are immutable); later calls return it.</remarks>
    public static Baseline Build(byte[] onnx, string modelName, Recording training, double averageRunLength = 1e6, IProgress<string>? stages = null, double? groupSeparation = null)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentNullException.ThrowIfNull(training);
        var separation = groupSeparation ?? new BaselineOptions().SequentialGroupSeparation;
        var key = (Convert.ToHexStringLower(SHA256.HashData(onnx)), modelName, averageRunLength, separation, RecordingDigests.GetValue(training, Digest));
        var built = Built.GetOrAdd(key, _ => new Lazy<Baseline>(() => BuildUncached(onnx, modelName, training, averageRunLength, stages, separation)));
        if (built.IsValueCreated)
        {
            stages?.Report("baseline already built in this process from the same model, ARL and recording: reused");
        }

        return built.Value;
    }

    /// <summary>SHA-256 of a recording's feature names, features and actions.</summary>
    private static string Digest(Recording recording)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', recording.FeatureNames)));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(recording.Features));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(recording.Actions));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static Baseline BuildUncached(byte[] onnx, string modelName, Recording training, double averageRunLength, IProgress<string>? stages, double groupSeparation)
    {
        var recipe = Recipe(modelName, averageRunLength, groupSeparation);
        using var host = OnnxModelHost.Load(onnx, HostOptions(), modelName);
        var rows = new float[training.Count][];
        for (var r = 0; r < rows.Length; r++)
        {
            rows[r] = training.Row(r).ToArray();
        }

        var heldOut = OfflineBaseline.SelectHeldOut(rows.Length, recipe.Block, recipe.Holdout, recipe.Monitor.Seed);
        return OfflineBaseline.Build(host, training.FeatureNames, rows, heldOut, recipe, new FixedTimeProvider(CreatedAt), stages: stages).Baseline;
    }
}
