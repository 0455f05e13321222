using BenchmarkDotNet.Attributes;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;

namespace EdgeSentinel.Monitor.Benchmarks;

/// <summary>
/// Cost of the per-inference path for the reference schema (16 inputs, 4 outputs, 3 derived,
/// 64-wide tap projected to 16, latency). Target: ≤ 1 µs median and 0 bytes allocated.
/// </summary>
[MemoryDiagnoser]
public class ObserveBenchmarks
{
    private ReferenceWorkload _workload = null!;
    private DriftMonitor _monitor = null!;
    private ObservationProjector _projector = null!;
    private double[] _row = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _workload = new ReferenceWorkload();
        _monitor = new DriftMonitor(_workload.Baseline);
        _projector = new ObservationProjector(_workload.Schema);
        _row = new double[_workload.Schema.Channels.Count];
    }

    /// <summary>Only turning the inference into channel values (derived outputs, tap projection).</summary>
    [Benchmark(Baseline = true)]
    public double ProjectOnly()
    {
        var r = Next();
        _projector.Project(Inputs(r), Outputs(r), Taps(r), 1.5, _row);
        return _row[0];
    }

    /// <summary>The whole hot path: projection, scores, sequential bank, anomaly check, window write.</summary>
    [Benchmark]
    public ObserveResult Observe()
    {
        var r = Next();
        var result = _monitor.Observe(Inputs(r), Outputs(r), Taps(r), 1.5);
        if ((result & ObserveResult.WindowReady) != 0 && _monitor.TryTakeWindow(out var window))
        {
            _monitor.ReturnWindow(window);
        }

        while (_monitor.TryTakeSequentialAlarm(out _) || _monitor.TryTakeActivationAnomaly(out _))
        {
        }

        return result;
    }

    private int Next()
    {
        var r = _next;
        _next = (r + 1) & (ReferenceWorkload.Rows - 1);
        return r;
    }

    private ReadOnlySpan<float> Inputs(int r) => _workload.InputRows.AsSpan(r * ReferenceWorkload.Inputs, ReferenceWorkload.Inputs);

    private ReadOnlySpan<float> Outputs(int r) => _workload.OutputRows.AsSpan(r * ReferenceWorkload.Outputs, ReferenceWorkload.Outputs);

    private ReadOnlySpan<float> Taps(int r) => _workload.TapRows.AsSpan(r * ReferenceWorkload.TapWidth, ReferenceWorkload.TapWidth);
}
