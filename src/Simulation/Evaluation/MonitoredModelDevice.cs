using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>
/// The device path composed directly, as <c>edgesentinel replay</c> does: ONNX Runtime host (taps from the baseline)
/// → <see cref="DriftMonitor"/> → inline window analysis → <see cref="AlertTracker"/>. The action is the argmax of the
/// model's outputs as computed by ONNX Runtime.
/// </summary>
/// <remarks>
/// The evaluation's streams go through the device loop (<see cref="DeviceLoopStream"/>); this composition is used where the
/// loop cannot serve: the sleepers' per-window drift scores (their loop has the interlock, which stops the robot after a trip) and the tampered scenario
/// (the deployed model is swapped mid-stream behind the monitor, which keeps the policy's baseline; a loop is bound to one
/// host). No interlock, canary replay or cue probing. The same frames give the same monitor decisions as in the loop. Not thread-safe.
/// </remarks>
internal sealed class MonitoredModelDevice : IDisposable
{
    private readonly IReadOnlyDictionary<string, byte[]> _models;
    private readonly Dictionary<string, OnnxModelHost> _hosts = new(StringComparer.Ordinal);
    private readonly OnnxModelHostOptions _hostOptions;
    private readonly DriftMonitor _monitor;
    private readonly AlertTracker _tracker;
    private readonly FrameClock _clock;
    private readonly StreamObserver _observer;

    public MonitoredModelDevice(IReadOnlyDictionary<string, byte[]> models, Baseline baseline, TimeSpan framePeriod, StreamObserver observer)
    {
        _models = models;
        _observer = observer;
        _clock = new FrameClock(framePeriod);
        _hostOptions = new OnnxModelHostOptions { IntraOpThreads = 1, TimeProvider = _clock };
        foreach (var tap in baseline.Schema.Taps)
        {
            _hostOptions.Taps.Add(tap.Name);
        }

        _monitor = new DriftMonitor(baseline);
        _tracker = new AlertTracker("eval", baseline.Model.Sha256, new AlertPolicy(), _clock);
    }

    public RobotAction Step(ReadOnlySpan<float> inputs, long frame, string deployedModel)
    {
        _clock.SetFrame(frame);
        var host = Host(deployedModel);
        host.SetInputs(inputs);
        var result = host.Run();
        var outputs = result.Outputs;
        var best = 0;
        for (var i = 1; i < outputs.Length; i++)
        {
            if (outputs[i] > outputs[best])
            {
                best = i;
            }
        }

        _monitor.Observe(result.Inputs, outputs, result.Taps, result.LatencyMilliseconds);
        Drain(frame);
        return (RobotAction)best;
    }

    public void Complete()
    {
        Drain(_monitor.Counters.Observations - 1);
        _observer.ActivationExceedances = _monitor.Counters.ActivationAnomalies;
    }

    public void Dispose()
    {
        foreach (var host in _hosts.Values)
        {
            host.Dispose();
        }

        _hosts.Clear();
    }

    private OnnxModelHost Host(string name)
    {
        if (!_hosts.TryGetValue(name, out var host))
        {
            if (!_models.TryGetValue(name, out var bytes))
            {
                throw new ArgumentException($"no ONNX bytes for the deployed model '{name}'", nameof(name));
            }

            host = OnnxModelHost.Load(bytes, _hostOptions, name);
            _hosts.Add(name, host);
        }

        return host;
    }

    private void Drain(long frame)
    {
        while (_monitor.TryTakeSequentialAlarm(out var alarm))
        {
            _observer.SequentialAlarm(alarm);
            Track(_tracker.Process(_monitor.ToSignal(alarm)), alarm.Sample);
        }

        while (_monitor.TryTakeActivationAnomaly(out var anomaly))
        {
            _observer.DetectorAlarm(DetectorFamily.Activation, anomaly.Sample);
            Track(_tracker.Process(_monitor.ToSignal(anomaly)), anomaly.Sample);
        }

        while (_monitor.TryTakeWindow(out var window))
        {
            var report = _monitor.AnalyzeWindow(window);
            _monitor.ReturnWindow(window);
            _observer.WindowAnalyzed(report);
            Track(_tracker.Process(report.Signals), Math.Max(frame, report.LastSample));
        }
    }

    private void Track(IReadOnlyList<AlertTransition> transitions, long sample)
    {
        foreach (var t in transitions)
        {
            if (t.Previous is null)
            {
                _observer.AlertRaised(t.Alert.Kind, sample);
            }
        }
    }
}
