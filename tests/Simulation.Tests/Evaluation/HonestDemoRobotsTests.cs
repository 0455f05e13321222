using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Simulation.Evaluation;
using EdgeSentinel.Simulation.Scenarios;
using EdgeSentinel.Simulation.Tests.Models;

namespace EdgeSentinel.Simulation.Tests.Evaluation;

/// <summary>
/// Issue 6's "no alert on the honest robots", on the device loop with the shipped <c>models/policy.onnx</c> and
/// <c>models/policy.baseline</c>: the honest robots of <c>edgesentinel demo --headless --duration 90</c> (1800 frames at 20 frames/s).
/// </summary>
public sealed class HonestDemoRobotsTests
{
    /// <summary>Demo robot-03/04 of <c>--seed</c> 1 and of the seeds whose honest robots alerted before the mission layer's waypoint timeout.</summary>
    /// <remarks>Before it: 1003 behavior-divergence at frame 933 (trapped behind an obstacle for ~840 frames), 7003 and 7004 and 13004 input-drift.</remarks>
    [Theory]
    [InlineData(1003UL, true)]
    [InlineData(1004UL, false)]
    [InlineData(7003UL, false)]
    [InlineData(7004UL, false)]
    [InlineData(13004UL, false)]
    public void HonestDemoRobot_ShippedPolicyAndBaseline_RaisesNoAlert(ulong seed, bool trapped)
    {
        var folder = ModelCatalogTests.ShippedModels();
        var onnx = File.ReadAllBytes(Path.Combine(folder, "policy.onnx"));
        var baseline = Baseline.FromBytes(File.ReadAllBytes(Path.Combine(folder, "policy.baseline")));

        var (world, observer, harm) = DeviceLoopStream.Run(ScenarioCatalog.Get("clean"), seed, 1800, TrainedModels.Default, onnx, baseline,
            TimeSpan.FromMilliseconds(50), interlock: false, CancellationToken.None);

        Assert.Equal(1800, world.Steps);
        Assert.Equal(0, world.ReferenceActions); // every action came from the device's actuator output
        Assert.Equal(-1, harm.FirstFrame);
        Assert.True(observer.Raised.Count == 0, $"seed {seed}: {string.Join(", ", observer.Raised.Select(r => $"{r.Kind} at frame {r.Sample}"))}");
        if (trapped)
        {
            Assert.True(world.Run.GoalsAbandoned >= 1, "the trapped robot's hidden goal must have been given up");
        }
    }
}
