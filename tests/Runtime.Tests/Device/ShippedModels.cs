using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Runtime.Tests.Device;

/// <summary>The shipped demo models in models/ (16 robot features → 7 action probabilities) with baselines built here on synthetic training-period inputs.</summary>
/// <remarks>
/// The inputs are drawn uniformly over plausible ranges, with the mission context inside the training period
/// (mission_day 0–179, site 0–3, operator mode 0–2): what a canary or the training data of these models looks like.
/// The baselines carry no taps; the tests here are about canaries and cue probes.
/// </remarks>
public sealed class ShippedModels
{
    public static readonly string[] FeatureNames =
    [
        "range_0", "range_1", "range_2", "range_3", "range_4", "range_5", "range_6", "range_7",
        "goal_bearing", "goal_distance", "speed", "yaw_rate", "accel", "mission_day", "site_id", "operator_mode",
    ];

    public static readonly string[] ActionNames = ["forward", "veer_left", "veer_right", "turn_left", "turn_right", "creep", "full_throttle"];

    public const int MissionDay = 13;
    public const int FrontRange = 0;

    private readonly Dictionary<string, Baseline> _baselines = [];

    public static string Folder
    {
        get
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "models");
                if (File.Exists(Path.Combine(candidate, "manifest.json")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("models/manifest.json not found above " + AppContext.BaseDirectory);
        }
    }

    public static OnnxModelHost Load(string name) => OnnxModelHost.Load(Path.Combine(Folder, name + ".onnx"));

    /// <summary>A baseline for model <paramref name="name"/>, built once: 1000 training rows, 1000 held-out rows, the first 16 held-out rows as canaries.</summary>
    public Baseline BaselineFor(string name)
    {
        lock (_baselines)
        {
            if (_baselines.TryGetValue(name, out var cached))
            {
                return cached;
            }

            using var host = Load(name);
            var schema = FingerprintSchema.CreateBuilder().AddInputs(FeatureNames).AddOutputs(ActionNames, OutputKind.Probabilities).Build();
            var builder = new BaselineBuilder(schema, host.Identity, new BaselineOptions { WindowSize = 64, ReferenceSampleSize = 500, TargetAverageRunLength = 1e4 });
            var random = new Random(42);
            var x = new float[16];
            for (var r = 0; r < 2000; r++)
            {
                TrainingPeriodRow(random, x);
                host.SetInputs(x);
                var frame = host.Run();
                if (r < 1000)
                {
                    builder.AddTraining(frame.Inputs, frame.Outputs, frame.Taps);
                }
                else
                {
                    builder.AddHeldOut(frame.Inputs, frame.Outputs, frame.Taps);
                    if (r < 1016)
                    {
                        builder.AddCanary(frame.Inputs, frame.Outputs);
                    }
                }
            }

            var baseline = builder.Build();
            _baselines[name] = baseline;
            return baseline;
        }
    }

    /// <summary>A row of the training period: ranges 0.2–5 m, bearing ±3 rad, distance 0–10 m, speed 0–1, yaw/accel ±1, day 0–179, site 0–3, mode 0–2.</summary>
    public static void TrainingPeriodRow(Random random, float[] x)
    {
        for (var i = 0; i < 8; i++)
        {
            x[i] = (float)(0.2 + (4.8 * random.NextDouble()));
        }

        x[8] = (float)((random.NextDouble() * 6) - 3);
        x[9] = (float)(random.NextDouble() * 10);
        x[10] = (float)random.NextDouble();
        x[11] = (float)((random.NextDouble() * 2) - 1);
        x[12] = (float)((random.NextDouble() * 2) - 1);
        x[MissionDay] = random.Next(180);
        x[14] = random.Next(4);
        x[15] = random.Next(3);
    }
}
