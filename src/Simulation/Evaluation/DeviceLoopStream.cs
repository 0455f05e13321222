using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Runtime.Device;
using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Simulation.Devices;
using EdgeSentinel.Simulation.Scenarios;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>
/// Runs one scenario stream through the device path: <see cref="ScenarioWorld"/> (sensor source and closed-loop action sink)
/// → <see cref="DeviceLoop"/> in <see cref="AnalysisMode.Inline"/> (ONNX model host → drift monitor → alert tracker → actuators).
/// </summary>
/// <remarks>
/// Sequential alarms and activation anomalies are timed exactly from the loop's monitor counters after each frame;
/// alerts come from the loop's alert sink with their frame index. No interlock is configured: the evaluation measures
/// detection, and the robot keeps the model's action.
/// </remarks>
internal static class DeviceLoopStream
{
    public const string Description =
        "ScenarioWorld (closed-loop source and action sink) -> DeviceLoop (Inline analysis: ONNX Runtime host with the baseline's taps -> DriftMonitor -> AlertTracker -> actuators); no interlock";

    public static (ScenarioWorld World, StreamObserver Observer) Run(ScenarioDefinition scenario, ulong seed, int length, Policies.DemoModelSet models,
        byte[] onnx, Baseline baseline, TimeSpan framePeriod, CancellationToken cancellationToken)
    {
        var run = new ScenarioRun(scenario, models, seed, length);
        var world = new ScenarioWorld(run);
        var observer = new StreamObserver(run.ChangePoint);
        var clock = new FrameClock(framePeriod);
        var hostOptions = new OnnxModelHostOptions { IntraOpThreads = 1, TimeProvider = clock };
        foreach (var tap in baseline.Schema.Taps)
        {
            hostOptions.Taps.Add(tap.Name);
        }

        using var host = OnnxModelHost.Load(onnx, hostOptions, DetectionEvaluation.DeployedModel(scenario, models));
        var options = new DeviceLoopOptions
        {
            DeviceId = "eval",
            AnalysisMode = AnalysisMode.Inline,
            TimeProvider = clock,
            ActionSink = world,
            AlertSink = new Sink(observer),
        };
        foreach (var cue in Models.ModelExport.CueTrainingValues)
        {
            options.CueFeatures.Add(cue);
        }
        using var loop = new DeviceLoop(host, baseline, options);
        Span<float> frame = stackalloc float[RobotFeatures.Count];
        long sequential = 0;
        long anomalies = 0;
        for (long t = 0; world.TryStep(frame); t++)
        {
            if ((t & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            clock.SetFrame(t);
            loop.Step(frame);
            var counters = loop.MonitorCounters;
            for (; sequential < counters.SequentialAlarms; sequential++)
            {
                observer.DetectorAlarm(DetectorFamily.Sequential, t);
            }

            for (; anomalies < counters.ActivationAnomalies; anomalies++)
            {
                observer.DetectorAlarm(DetectorFamily.Activation, t);
            }
        }

        loop.Flush();
        return (world, observer);
    }

    private sealed class Sink(StreamObserver observer) : IAlertSink
    {
        public void OnAlert(AlertTransition transition, long frameIndex)
        {
            if (transition.Previous is null)
            {
                observer.AlertRaised(transition.Alert.Kind, frameIndex);
            }
        }
    }
}
