using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;

namespace EdgeSentinel.Protocol.Tests.Support;

/// <summary>Real Monitor fingerprints for wire tests: a small regression schema (2 inputs, 1 output), a baseline built once, and window fingerprints from a DriftMonitor.</summary>
internal static class TestFingerprints
{
    private static readonly Lazy<Baseline> SharedBaseline = new(BuildBaseline);

    public static FingerprintSchema Schema { get; } = FingerprintSchema.CreateBuilder()
        .AddInputs(["speed", "load"])
        .AddOutputs(["torque"], OutputKind.Regression)
        .Build();

    public static string ModelHash => SharedBaseline.Value.Model.Sha256;

    /// <summary>The baseline's training fingerprint.</summary>
    public static Fingerprint Training => SharedBaseline.Value.Fingerprint;

    /// <summary>Window fingerprints of <paramref name="count"/> windows of seeded data shifted by <paramref name="shift"/>.</summary>
    public static IReadOnlyList<Fingerprint> Windows(int count, int seed, double shift = 0)
    {
        var monitor = new DriftMonitor(SharedBaseline.Value);
        var random = new Random(seed);
        var result = new List<Fingerprint>();
        Span<float> x = stackalloc float[2];
        Span<float> y = stackalloc float[1];
        while (result.Count < count)
        {
            Row(random, shift, x, y);
            monitor.Observe(x, y, [], 1.0);
            while (result.Count < count && monitor.TryTakeWindow(out var window))
            {
                result.Add(monitor.AnalyzeWindow(window).Fingerprint);
                monitor.ReturnWindow(window);
            }
        }

        return result;
    }

    private static void Row(Random random, double shift, Span<float> x, Span<float> y)
    {
        x[0] = (float)(Gaussian(random) + shift);
        x[1] = (float)Gaussian(random);
        y[0] = (0.7f * x[0]) - (0.2f * x[1]) + (float)(0.1 * Gaussian(random));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static Baseline BuildBaseline()
    {
        var identity = ModelIdentity.FromModelBytes(
            "protocol-test-model"u8,
            [new TensorSignature("x", "float32", [1, 2])],
            [new TensorSignature("y", "float32", [1, 1])]);
        var builder = new BaselineBuilder(Schema, identity, new BaselineOptions { WindowSize = 64, ReferenceSampleSize = 300, TargetAverageRunLength = 1000, MinTrainingRows = 200, MinHeldOutRows = 300 });
        var random = new Random(7);
        Span<float> x = stackalloc float[2];
        Span<float> y = stackalloc float[1];
        for (var i = 0; i < 400; i++)
        {
            Row(random, 0, x, y);
            builder.AddTraining(x, y, [], 1.0);
        }

        for (var i = 0; i < 400; i++)
        {
            Row(random, 0, x, y);
            builder.AddHeldOut(x, y, [], 1.0);
        }

        return builder.Build(TimeProvider.System);
    }
}
