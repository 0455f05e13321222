using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Runtime.Tests.Onnx;

public sealed class HostWithMonitorTests
{
    [Fact]
    public void RunThenObserve_SteadyState_AllocatesNothing()
    {
        var options = new OnnxModelHostOptions { AutoTapLayers = 1 };
        using var host = OnnxModelHost.Load(TestModels.Mlp().ToBytes(), options);
        var schema = FingerprintSchema.CreateBuilder()
            .AddInputs(host.Inputs[0].FlattenedNames())
            .AddOutputs(host.OutputWidth, OutputKind.Regression)
            .AddTap(host.Taps[0].Name, host.TapWidth, 4, 3)
            .WithLatency()
            .Build();
        var builder = new BaselineBuilder(schema, host.Identity, new BaselineOptions { WindowSize = 64, ReferenceSampleSize = 500, TargetAverageRunLength = 1e3 });
        var random = new Random(3);
        var x = new float[3];
        for (var r = 0; r < 1400; r++)
        {
            Fill(random, x);
            host.SetInputs(x);
            var frame = host.Run();
            if (r < 400)
            {
                builder.AddTraining(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
            }
            else
            {
                builder.AddHeldOut(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
            }
        }

        var monitor = new DriftMonitor(builder.Build());
        Assert.Empty(host.VerifyBaseline(monitor.Baseline.Model));
        for (var i = 0; i < 300; i++)
        {
            Step(host, monitor, random, x);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            Step(host, monitor, random, x);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void Step(OnnxModelHost host, DriftMonitor monitor, Random random, float[] x)
    {
        Fill(random, x);
        host.SetInputs(x);
        var frame = host.Run();
        var result = monitor.Observe(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
        if ((result & ObserveResult.WindowReady) != 0 && monitor.TryTakeWindow(out var window))
        {
            monitor.ReturnWindow(window);
        }

        while (monitor.TryTakeSequentialAlarm(out _) || monitor.TryTakeActivationAnomaly(out _))
        {
        }
    }

    private static void Fill(Random random, float[] x)
    {
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)((random.NextDouble() * 2) - 1);
        }
    }
}
