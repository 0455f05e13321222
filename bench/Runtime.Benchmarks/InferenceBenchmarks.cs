using BenchmarkDotNet.Attributes;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Runtime.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeSentinel.Runtime.Benchmarks;

/// <summary>
/// Per-frame cost of <see cref="OnnxModelHost.Run"/> against a bare <c>RunWithBinding</c> over buffers bound once,
/// on the same graph (16 → 64 Relu "hidden" → 32 Relu → 4 Softmax, "hidden" exposed as an extra output),
/// one intra-op thread, no spinning. Targets (issue 3): host overhead ≤ 5 %, 0 bytes allocated per frame,
/// monitor included.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // Disposed in [GlobalCleanup], BenchmarkDotNet's lifetime hook.
public class InferenceBenchmarks
{
    private const int Inputs = 16;
    private const int Rows = 1024;

    private float[] _rows = null!;
    private int _next;

    private InferenceSession _session = null!;
    private SessionOptions _sessionOptions = null!;
    private RunOptions _runOptions = null!;
    private OrtIoBinding _binding = null!;
    private OrtValue[] _values = null!;
    private float[] _x = null!;
    private float[] _p = null!;
    private float[] _hidden = null!;

    private OnnxModelHost _host = null!;
    private DriftMonitor _monitor = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        _rows = new float[Rows * Inputs];
        for (var i = 0; i < _rows.Length; i++)
        {
            _rows[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var layers = new[]
        {
            Layer(random, Inputs, 64, OnnxActivation.Relu, "hidden"),
            Layer(random, 64, 32, OnnxActivation.Relu, "hidden2"),
            Layer(random, 32, 4, OnnxActivation.Softmax, null),
        };
        var model = OnnxModelBuilder.CreateMlp("x", layers, "p").ToBytes();

        // Bare: the same graph with "hidden" as a declared extra output, as the host builds it in memory.
        var bareModel = OnnxModelBuilder.CreateMlp("x", layers, "p").AddOutput("hidden", OnnxElementType.Float32, 1, 64).ToBytes();
        _sessionOptions = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _sessionOptions.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        _session = new InferenceSession(bareModel, _sessionOptions);
        _runOptions = new RunOptions();
        _x = new float[Inputs];
        _p = new float[4];
        _hidden = new float[64];
        _values =
        [
            OrtValue.CreateTensorValueFromMemory(_x, [1, Inputs]),
            OrtValue.CreateTensorValueFromMemory(_p, [1, 4]),
            OrtValue.CreateTensorValueFromMemory(_hidden, [1, 64]),
        ];
        _binding = _session.CreateIoBinding();
        _binding.BindInput("x", _values[0]);
        _binding.BindOutput("p", _values[1]);
        _binding.BindOutput("hidden", _values[2]);

        var options = new OnnxModelHostOptions();
        options.Taps.Add("hidden");
        _host = OnnxModelHost.Load(model, options);
        _monitor = new DriftMonitor(BuildBaseline(_host, random));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.Dispose();
        _binding.Dispose();
        foreach (var v in _values)
        {
            v.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
        _sessionOptions.Dispose();
    }

    /// <summary>Write the input row into the bound buffer, <c>RunWithBinding</c>, read an output and a tap value.</summary>
    [Benchmark(Baseline = true)]
    public float BareRunWithBinding()
    {
        _rows.AsSpan(Next() * Inputs, Inputs).CopyTo(_x);
        _session.RunWithBinding(_runOptions, _binding);
        return _p[0] + _hidden[0];
    }

    /// <summary>The host's frame: <see cref="OnnxModelHost.SetInputs"/>, <see cref="OnnxModelHost.Run"/> (latency, float views of inputs, outputs, taps).</summary>
    [Benchmark]
    public float HostRun()
    {
        _host.SetInputs(_rows.AsSpan(Next() * Inputs, Inputs));
        var frame = _host.Run();
        return frame.Outputs[0] + frame.Taps[0];
    }

    /// <summary>The host's frame followed by <see cref="DriftMonitor.Observe"/> (the whole per-frame device path).</summary>
    [Benchmark]
    public ObserveResult HostRunAndObserve()
    {
        _host.SetInputs(_rows.AsSpan(Next() * Inputs, Inputs));
        var frame = _host.Run();
        var result = _monitor.Observe(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
        if ((result & ObserveResult.WindowReady) != 0 && _monitor.TryTakeWindow(out var window))
        {
            _monitor.ReturnWindow(window);
        }

        while (_monitor.TryTakeSequentialAlarm(out _) || _monitor.TryTakeActivationAnomaly(out _))
        {
        }

        return result;
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
            .AddInputs(host.InputWidth)
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
            }
        }

        return builder.Build();
    }

    private int Next()
    {
        var r = _next;
        _next = (r + 1) & (Rows - 1);
        return r;
    }
}
