using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;

namespace EdgeSentinel.Monitor.Tests.Support;

/// <summary>
/// A tiny deterministic "model" for tests: 4 Gaussian inputs, 3 class probabilities
/// (softmax of a fixed linear map) and an 8-wide tanh hidden layer tapped and projected to 4.
/// </summary>
internal sealed class SyntheticModel
{
    public const int Inputs = 4;
    public const int Outputs = 3;
    public const int Hidden = 8;

    private static readonly float[,] W =
    {
        { 1.0f, -0.5f, 0.2f, 0.0f },
        { -0.3f, 0.8f, 0.0f, 0.4f },
        { 0.1f, 0.1f, -0.9f, 0.6f },
    };

    private readonly Random _random;

    public SyntheticModel(int seed) => _random = new Random(seed);

    public static FingerprintSchema Schema { get; } = FingerprintSchema.CreateBuilder()
        .AddInputs(["a", "b", "c", "d"])
        .AddOutputs(["left", "straight", "right"], OutputKind.Probabilities)
        .AddTap("hidden", Hidden, 4, projectionSeed: 42)
        .WithLatency()
        .Build();

    public static ModelIdentity Identity { get; } = ModelIdentity.FromModelBytes(
        "synthetic-model-v1"u8,
        [new TensorSignature("x", "float32", [1, Inputs])],
        [new TensorSignature("p", "float32", [1, Outputs])]);

    /// <summary>Shift added to input 0 (in σ units).</summary>
    public double InputShift { get; set; }

    /// <summary>When true the model steers right whenever inputs a and b are both positive: familiar inputs, different behavior.</summary>
    public bool Sleeper { get; set; }

    /// <summary>Scales the hidden layer: internals differ while outputs may not.</summary>
    public float HiddenGain { get; set; } = 1f;

    public void Next(Span<float> x, Span<float> p, Span<float> h, out double latencyMs)
    {
        for (var i = 0; i < Inputs; i++)
        {
            x[i] = (float)(Gaussian() + (i == 0 ? InputShift : 0));
        }

        Evaluate(x, p, h);
        latencyMs = 2.0 + (0.1 * _random.NextDouble());
    }

    public void Evaluate(ReadOnlySpan<float> x, Span<float> p, Span<float> h)
    {
        Span<double> logits = stackalloc double[Outputs];
        for (var k = 0; k < Outputs; k++)
        {
            var s = 0.0;
            for (var i = 0; i < Inputs; i++)
            {
                s += W[k, i] * x[i];
            }

            logits[k] = s;
        }

        if (Sleeper && x[0] > 0 && x[1] > 0)
        {
            logits[2] += 3.0;
        }

        var max = Math.Max(logits[0], Math.Max(logits[1], logits[2]));
        var sum = 0.0;
        for (var k = 0; k < Outputs; k++)
        {
            logits[k] = Math.Exp(logits[k] - max);
            sum += logits[k];
        }

        for (var k = 0; k < Outputs; k++)
        {
            p[k] = (float)(logits[k] / sum);
        }

        for (var j = 0; j < Hidden; j++)
        {
            var s = 0.0;
            for (var i = 0; i < Inputs; i++)
            {
                s += Math.Sin((j + 1) * (i + 1)) * x[i];
            }

            h[j] = HiddenGain * (float)Math.Tanh(s);
        }
    }

    /// <summary>A baseline from <paramref name="training"/> training and <paramref name="heldOut"/> held-out rows.</summary>
    public static Baseline BuildBaseline(int training = 3000, int heldOut = 4000, double arl = 1e6, int seed = 7, int windowSize = 128)
    {
        var builder = new BaselineBuilder(Schema, Identity, new BaselineOptions
        {
            TargetAverageRunLength = arl,
            WindowSize = windowSize,
            ReferenceSampleSize = 1000,
            Seed = (ulong)seed,
            Description = "synthetic test baseline",
            ActivationAnomalyRate = 1e-3,
        });
        var model = new SyntheticModel(seed);
        Span<float> x = stackalloc float[Inputs];
        Span<float> p = stackalloc float[Outputs];
        Span<float> h = stackalloc float[Hidden];
        for (var r = 0; r < training; r++)
        {
            model.Next(x, p, h, out var latency);
            builder.AddTraining(x, p, h, latency);
        }

        for (var r = 0; r < heldOut; r++)
        {
            model.Next(x, p, h, out var latency);
            builder.AddHeldOut(x, p, h, latency);
        }

        for (var r = 0; r < 5; r++)
        {
            model.Next(x, p, h, out _);
            builder.AddCanary(x, p);
        }

        return builder.Build(new FixedTimeProvider());
    }

    private double Gaussian()
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private sealed class FixedTimeProvider : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    }
}
