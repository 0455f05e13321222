using BenchmarkDotNet.Attributes;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Runtime.Device;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Runtime.Benchmarks;

/// <summary>
/// Steady-state cost of one <see cref="DeviceLoop.Step"/> — host run, <c>DriftMonitor.Observe</c>, actuator output, action
/// sink, latency watch, cue probes every 50 frames and canary checks every 1000 frames (both quiet on clean data) — on the
/// graph of <see cref="InferenceBenchmarks"/> (16 → 64 Relu "hidden" → 32 Relu → 4 Softmax, "hidden" tapped).
/// Background: windows analyzed on the loop's analysis thread, so the inference thread allocates nothing (target: 0 B per frame).
/// Inline: the window tests run inside the frame that completes a window (every 256 frames), so their allocation shows amortized.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // Disposed in [GlobalCleanup], BenchmarkDotNet's lifetime hook.
public class DeviceLoopBenchmarks
{
    private const int Inputs = 16;
    private const int Rows = 1024;

    private float[] _rows = null!;
    private int _next;
    private OnnxModelHost _host = null!;
    private DeviceLoop _loop = null!;

    /// <summary>Where the window tests run.</summary>
    [Params(AnalysisMode.Background, AnalysisMode.Inline)]
    public AnalysisMode Mode { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_host, _loop, _rows) = Create(Mode);
        for (var i = 0; i < 4096; i++)
        {
            Step();
        }
    }

    /// <summary>The benchmark's model host, loop (canaries every 1000 frames, cue probe every 50) and 1024 input rows.</summary>
    internal static (OnnxModelHost Host, DeviceLoop Loop, float[] Rows) Create(AnalysisMode mode)
    {
        var random = new Random(5);
        var rows = new float[Rows * Inputs];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var layers = new[]
        {
            Layer(random, Inputs, 64, OnnxActivation.Relu, "hidden"),
            Layer(random, 64, 32, OnnxActivation.Relu, "hidden2"),
            Layer(random, 32, 4, OnnxActivation.Softmax, null),
        };
        var options = new OnnxModelHostOptions();
        options.Taps.Add("hidden");
        var host = OnnxModelHost.Load(OnnxModelBuilder.CreateMlp("x", layers, "p").ToBytes(), options);
        var loopOptions = new DeviceLoopOptions
        {
            DeviceId = "bench",
            AnalysisMode = mode,
            ActionSink = new DiscardActions(),
            CanaryPeriodFrames = 1000,
            CueProbePeriodFrames = 50,
        };
        loopOptions.CueFeatures.Add(new CueFeature("f15", 0f));
        return (host, new DeviceLoop(host, BuildBaseline(host, random), loopOptions), rows);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _loop.Dispose();
        _host.Dispose();
    }

    /// <summary>One device frame.</summary>
    [Benchmark]
    public DeviceStepEvents Step()
    {
        var r = _next;
        _next = (r + 1) & (Rows - 1);
        return _loop.Step(_rows.AsSpan(r * Inputs, Inputs)).Events;
    }

    private static DenseLayer Layer(Random random, int inputs, int outputs, OnnxActivation activation, string? name)
    {
        var w = new float[inputs * outputs];
        var scale = 1.0 / Math.Sqrt(inputs);
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = (float)(((random.NextDouble() * 2) - 1) * scale);
        }

        var b = new float[outputs];
        for (var i = 0; i < b.Length; i++)
        {
            b[i] = (float)((random.NextDouble() - 0.5) * 0.2);
        }

        return DenseLayer.FromRowMajor(inputs, outputs, w, b, activation, name);
    }

    private static Baseline BuildBaseline(OnnxModelHost host, Random random)
    {
        var schema = FingerprintSchema.CreateBuilder()
            .AddInputs([.. Enumerable.Range(0, Inputs).Select(i => $"f{i}")])
            .AddOutputs(host.OutputWidth, OutputKind.Probabilities)
            .AddTap("hidden", host.TapWidth, 16, 11)
            .WithLatency()
            .Build();
        var builder = new BaselineBuilder(schema, host.Identity, new BaselineOptions { TargetAverageRunLength = 1e6 });
        var x = new float[Inputs];
        for (var r = 0; r < 6000; r++)
        {
            for (var i = 0; i < x.Length; i++)
            {
                x[i] = (float)((random.NextDouble() * 2) - 1);
            }

            host.SetInputs(x);
            var frame = host.Run();
            if (r < 3000)
            {
                builder.AddTraining(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
            }
            else
            {
                builder.AddHeldOut(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
                if (r < 3016)
                {
                    builder.AddCanary(frame.Inputs, frame.Outputs);
                }
            }
        }

        return builder.Build();
    }

    private sealed class DiscardActions : IActionSink
    {
        public void Apply(ReadOnlySpan<float> action)
        {
        }
    }
}
