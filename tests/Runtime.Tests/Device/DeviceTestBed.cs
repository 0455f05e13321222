using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Runtime.Device;
using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Runtime.Tests.Onnx;

namespace EdgeSentinel.Runtime.Tests.Device;

/// <summary>The small MLP of <see cref="TestModels"/> (3 inputs → relu 4 → 2 outputs, one tap) with a baseline built on uniform(−1, 1) inputs, made once per test class.</summary>
public sealed class DeviceTestBed
{
    public const int CanaryCount = 8;

    public DeviceTestBed()
    {
        ModelBytes = TestModels.Mlp().ToBytes();
        using var host = LoadHost();
        var schema = FingerprintSchema.CreateBuilder()
            .AddInputs(["a", "b", "c"])
            .AddOutputs(host.OutputWidth, OutputKind.Regression)
            .AddTap(host.Taps[0].Name, host.TapWidth, 4, 3)
            .Build();
        var builder = new BaselineBuilder(schema, host.Identity, new BaselineOptions
        {
            WindowSize = 64,
            ReferenceSampleSize = 500,
            TargetAverageRunLength = 1e4,
            ActivationAnomalyRate = 1e-5,
        });
        var random = new Random(3);
        var x = new float[3];
        for (var r = 0; r < 2400; r++)
        {
            Fill(random, x);
            host.SetInputs(x);
            var frame = host.Run();
            if (r < 1000)
            {
                builder.AddTraining(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
            }
            else
            {
                builder.AddHeldOut(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
                if (r < 1000 + CanaryCount)
                {
                    builder.AddCanary(frame.Inputs, frame.Outputs);
                }
            }
        }

        Baseline = builder.Build();
    }

    public byte[] ModelBytes { get; }

    public Baseline Baseline { get; }

    public OnnxModelHost LoadHost() => OnnxModelHost.Load(ModelBytes, new OnnxModelHostOptions { AutoTapLayers = 1 });

    /// <summary>Uniform(−1, 1) inputs like the training data.</summary>
    public static void Fill(Random random, float[] x)
    {
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)((random.NextDouble() * 2) - 1);
        }
    }
}

/// <summary>Records every transition with its frame.</summary>
internal sealed class RecordingAlertSink : IAlertSink
{
    private readonly Lock _gate = new();
    private readonly List<(AlertTransition Transition, long Frame)> _seen = [];

    public int? ThreadId { get; private set; }

    public IReadOnlyList<(AlertTransition Transition, long Frame)> Seen
    {
        get
        {
            lock (_gate)
            {
                return [.. _seen];
            }
        }
    }

    public void OnAlert(AlertTransition transition, long frameIndex)
    {
        lock (_gate)
        {
            ThreadId = Environment.CurrentManagedThreadId;
            _seen.Add((transition, frameIndex));
        }
    }
}

/// <summary>Records every actuator output applied.</summary>
internal sealed class RecordingActionSink : IActionSink
{
    public List<float[]> Applied { get; } = [];

    public void Apply(ReadOnlySpan<float> action) => Applied.Add(action.ToArray());
}
