using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing;

/// <summary>Valid values made with our own builders: deterministic baselines (fixed clock and seeds), window fingerprints, alerts, keys and addresses.</summary>
public static class SeedValues
{
    /// <summary>The fleet of every seed message.</summary>
    public const string Fleet = "fleet-1";

    /// <summary>The device of every seed message.</summary>
    public const string Device = "dev-7";

    private static readonly Lazy<Baseline> RegressionLazy = new(() => BuildBaseline(probabilities: false));
    private static readonly Lazy<Baseline> ClassifierLazy = new(() => BuildBaseline(probabilities: true));

    /// <summary>The time every seed is sealed at, and the receivers' clock.</summary>
    public static DateTimeOffset Now { get; } = new(2026, 11, 24, 3, 30, 0, TimeSpan.Zero);

    /// <summary>The device's signing key.</summary>
    public static SigningKey DeviceKey { get; } = SigningKey.FromBytes([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);

    /// <summary>The fleet operator's signing key (commands).</summary>
    public static SigningKey OperatorKey { get; } = SigningKey.FromBytes([.. Enumerable.Range(101, 32).Select(i => (byte)i)]);

    /// <summary>A baseline of a 2-input regression model (no taps).</summary>
    public static Baseline Regression => RegressionLazy.Value;

    /// <summary>A baseline of a 3-input, 3-class model with a 4-wide tap, latency and canaries.</summary>
    public static Baseline Classifier => ClassifierLazy.Value;

    /// <summary>The key that signs messages of <paramref name="kind"/>.</summary>
    public static SigningKey KeyFor(TopicKind kind) => kind == TopicKind.Command ? OperatorKey : DeviceKey;

    /// <summary>The seed device's address for <paramref name="kind"/>.</summary>
    public static TopicAddress Address(TopicKind kind) => EdgeTopics.Address(Fleet, Device, kind);

    /// <summary>Window fingerprints of a baseline's model on seeded data (shifted to look like drift).</summary>
    public static IReadOnlyList<Fingerprint> Windows(Baseline baseline, int count, int seed, double shift)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var monitor = new DriftMonitor(baseline);
        var schema = baseline.Fingerprint.Schema;
        var random = new Random(seed);
        var probabilities = schema.Taps.Count > 0;
        var x = new float[probabilities ? 3 : 2];
        var y = new float[probabilities ? 3 : 1];
        var t = new float[probabilities ? 4 : 0];
        var result = new List<Fingerprint>();
        while (result.Count < count)
        {
            Row(random, shift, x, y, t);
            monitor.Observe(x, y, t, 1.0);
            while (result.Count < count && monitor.TryTakeWindow(out var window))
            {
                result.Add(monitor.AnalyzeWindow(window).Fingerprint);
                monitor.ReturnWindow(window);
            }
        }

        return result;
    }

    /// <summary>Alerts with awkward values: ±∞ statistics, tick-precision times, non-ASCII text, no channels, many channels.</summary>
    public static IReadOnlyList<Alert> Alerts()
    {
        var raised = new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);
        Alert Make(AlertKind kind, AlertSeverity severity, AlertState state, IReadOnlyList<ChannelContribution> channels, double value) => new(
            id: $"{Device}-{AlertKinds.ToWireName(kind)}-0123456789abcdef",
            deviceId: Device,
            modelHash: new string('a', 64),
            kind: kind,
            subject: "inputs",
            severity: severity,
            state: state,
            firstSample: 1000,
            lastSample: 1255,
            raisedAt: raised.AddTicks(1234567),
            updatedAt: raised.AddSeconds(90).AddTicks(7),
            evidence: new AlertEvidence("min-holm-adjusted-p", value, 9.75, 1e-6, "per window", channels));
        return
        [
            Make(AlertKind.InputDrift, AlertSeverity.Warning, AlertState.Escalated,
                [new ChannelContribution("input.speed", "ks", 0.3125, double.NegativeInfinity), new ChannelContribution("input.load°", "psi", 1.5e-300, 2.220446049250313e-16)],
                double.PositiveInfinity),
            Make(AlertKind.CanaryMismatch, AlertSeverity.Critical, AlertState.Raised, [], 3.5),
            Make(AlertKind.ActivationAnomaly, AlertSeverity.Info, AlertState.Cleared,
                [.. Enumerable.Range(0, 8).Select(i => new ChannelContribution("tap.h" + i, "mahalanobis", i * 0.5, -i))], -1e300),
        ];
    }

    private static void Row(Random random, double shift, float[] x, float[] y, float[] t)
    {
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)(Gaussian(random) + (i == 0 ? shift : 0));
        }

        if (y.Length == 1)
        {
            y[0] = (0.7f * x[0]) - (0.2f * x[1]) + (float)(0.1 * Gaussian(random));
            return;
        }

        // Softmax of a linear score: valid class probabilities.
        var s0 = Math.Exp(x[0]);
        var s1 = Math.Exp(x[1] * 0.5);
        var s2 = Math.Exp(-x[2]);
        var sum = s0 + s1 + s2;
        y[0] = (float)(s0 / sum);
        y[1] = (float)(s1 / sum);
        y[2] = 1f - y[0] - y[1];
        for (var k = 0; k < t.Length; k++)
        {
            t[k] = Math.Max(0f, x[k % x.Length] - (0.25f * k));
        }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static Baseline BuildBaseline(bool probabilities)
    {
        var schemaBuilder = FingerprintSchema.CreateBuilder();
        ModelIdentity identity;
        if (probabilities)
        {
            schemaBuilder.AddInputs(["speed", "load", "temp"]).AddOutputs(["stop", "slow", "go"], OutputKind.Probabilities).AddTap("hidden", 4, 3).WithLatency();
            identity = ModelIdentity.FromModelBytes("fuzz-classifier"u8, [new TensorSignature("x", "float32", [1, 3])], [new TensorSignature("p", "float32", [1, 3])]);
        }
        else
        {
            schemaBuilder.AddInputs(["speed", "load"]).AddOutputs(["torque"], OutputKind.Regression);
            identity = ModelIdentity.FromModelBytes("fuzz-regression"u8, [new TensorSignature("x", "float32", [1, 2])], [new TensorSignature("y", "float32", [1, 1])]);
        }

        var schema = schemaBuilder.Build();
        var builder = new BaselineBuilder(schema, identity, new BaselineOptions { WindowSize = 64, ReferenceSampleSize = 300, TargetAverageRunLength = 1000, MinTrainingRows = 200, MinHeldOutRows = 300 });
        var random = new Random(probabilities ? 11 : 7);
        var x = new float[probabilities ? 3 : 2];
        var y = new float[probabilities ? 3 : 1];
        var t = new float[probabilities ? 4 : 0];
        for (var i = 0; i < 400; i++)
        {
            Row(random, 0, x, y, t);
            builder.AddTraining(x, y, t, 1.0 + (0.01 * i % 3));
        }

        for (var i = 0; i < 400; i++)
        {
            Row(random, 0, x, y, t);
            builder.AddHeldOut(x, y, t, 1.0 + (0.01 * i % 3));
        }

        if (probabilities)
        {
            builder.AddCanary([0.5f, -0.25f, 1f], [0.5f, 0.3f, 0.2f]);
        }

        return builder.Build(new FakeTimeProvider(Now));
    }
}
