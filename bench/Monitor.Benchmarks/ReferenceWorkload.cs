using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;

namespace EdgeSentinel.Monitor.Benchmarks;

/// <summary>
/// The reference schema of the Monitor core issue: 16 input channels, 4 outputs (probabilities,
/// so 3 derived channels), one 64-wide tap projected to 16 dimensions, plus latency; with a
/// baseline built from synthetic data and rows to observe.
/// </summary>
internal sealed class ReferenceWorkload
{
    public const int Inputs = 16;
    public const int Outputs = 4;
    public const int TapWidth = 64;
    public const int Projected = 16;
    public const int Rows = 4096;

    public ReferenceWorkload(double targetArl = 1e6)
    {
        Schema = FingerprintSchema.CreateBuilder()
            .AddInputs(Inputs)
            .AddOutputs(Outputs, OutputKind.Probabilities)
            .AddTap("hidden", TapWidth, Projected, 11)
            .WithLatency()
            .Build();
        var identity = ModelIdentity.FromModelBytes("reference"u8, [new TensorSignature("x", "float32", [1, Inputs])], [new TensorSignature("p", "float32", [1, Outputs])]);
        var random = new Random(1);
        var builder = new BaselineBuilder(Schema, identity, new BaselineOptions { TargetAverageRunLength = targetArl });
        var x = new float[Inputs];
        var p = new float[Outputs];
        var h = new float[TapWidth];
        for (var r = 0; r < 6000; r++)
        {
            Generate(random, x, p, h);
            if (r < 3000)
            {
                builder.AddTraining(x, p, h, 1.0 + random.NextDouble());
            }
            else
            {
                builder.AddHeldOut(x, p, h, 1.0 + random.NextDouble());
            }
        }

        Baseline = builder.Build();
        InputRows = new float[Rows * Inputs];
        OutputRows = new float[Rows * Outputs];
        TapRows = new float[Rows * TapWidth];
        for (var r = 0; r < Rows; r++)
        {
            Generate(random, InputRows.AsSpan(r * Inputs, Inputs), OutputRows.AsSpan(r * Outputs, Outputs), TapRows.AsSpan(r * TapWidth, TapWidth));
        }
    }

    public FingerprintSchema Schema { get; }

    public Baseline Baseline { get; }

    public float[] InputRows { get; }

    public float[] OutputRows { get; }

    public float[] TapRows { get; }

    private static void Generate(Random random, Span<float> x, Span<float> p, Span<float> h)
    {
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var sum = 0.0;
        for (var k = 0; k < p.Length; k++)
        {
            p[k] = (float)Math.Exp(x[k] + x[k + 4]);
            sum += p[k];
        }

        for (var k = 0; k < p.Length; k++)
        {
            p[k] = (float)(p[k] / sum);
        }

        for (var j = 0; j < h.Length; j++)
        {
            h[j] = (float)Math.Tanh(x[j % x.Length] - x[(j * 7) % x.Length]);
        }
    }
}
