using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>
/// Real window fingerprints: one baseline (inputs x, y ~ N(0, 1); output = x + y) built once, and a
/// DriftMonitor per simulated device producing windows of 64 observations on the baseline's bins.
/// </summary>
public static class TestFingerprints
{
    public const int WindowSize = 64;

    private static readonly Lazy<Baseline> SharedBaseline = new(BuildBaseline);

    public static Baseline Baseline => SharedBaseline.Value;

    /// <summary>Window fingerprints of a device whose input x is shifted by <paramref name="shiftX"/> and scaled by <paramref name="scaleX"/>.</summary>
    public static List<Fingerprint> Windows(int seed, int windows, double shiftX = 0, double scaleX = 1)
    {
        var monitor = new DriftMonitor(Baseline, new DriftMonitorOptions { WindowSize = WindowSize });
        var random = new Random(seed);
        var result = new List<Fingerprint>();
        Span<float> inputs = stackalloc float[2];
        Span<float> outputs = stackalloc float[1];
        while (result.Count < windows)
        {
            inputs[0] = (float)(shiftX + (scaleX * Gaussian(random)));
            inputs[1] = (float)Gaussian(random);
            outputs[0] = inputs[0] + inputs[1];
            var flags = monitor.Observe(inputs, outputs, [], 1.0);
            if ((flags & ObserveResult.WindowReady) != 0)
            {
                while (monitor.TryTakeWindow(out var window))
                {
                    result.Add(monitor.AnalyzeWindow(window).Fingerprint);
                    monitor.ReturnWindow(window);
                }
            }

            while (monitor.TryTakeSequentialAlarm(out _) || monitor.TryTakeActivationAnomaly(out _))
            {
            }
        }

        return result.Take(windows).ToList();
    }

    public static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static Baseline BuildBaseline()
    {
        var schema = FingerprintSchema.CreateBuilder().AddInputs(["x", "y"]).AddOutputs(["sum"], OutputKind.Regression).Build();
        var identity = ModelIdentity.FromModelBytes("test-model"u8.ToArray(), [new TensorSignature("in", "float32", [1, 2])], [new TensorSignature("out", "float32", [1, 1])]);
        var builder = new BaselineBuilder(schema, identity, new BaselineOptions { WindowSize = WindowSize, MinTrainingRows = 200, MinHeldOutRows = 1000, TargetAverageRunLength = 1e4 });
        var random = new Random(42);
        for (var i = 0; i < 3000; i++)
        {
            var x = (float)Gaussian(random);
            var y = (float)Gaussian(random);
            if (i < 2000)
            {
                builder.AddTraining([x, y], [x + y], []);
            }
            else
            {
                builder.AddHeldOut([x, y], [x + y], []);
            }
        }

        return builder.Build(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }
}
