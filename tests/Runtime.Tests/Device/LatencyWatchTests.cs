using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Runtime.Device;
using EdgeSentinel.Runtime.Onnx;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Runtime.Tests.Device;

public sealed class LatencyWatchTests : IClassFixture<DeviceTestBed>
{
    private readonly DeviceTestBed _bed;

    public LatencyWatchTests(DeviceTestBed bed) => _bed = bed;

    [Fact]
    public void SlowBlock_RaisesRuntimeHealth_FastBlocksClearIt()
    {
        var clock = new SteppingClock();
        var options = new OnnxModelHostOptions { AutoTapLayers = 1, TimeProvider = clock };
        using var host = OnnxModelHost.Load(_bed.ModelBytes, options);
        var sink = new RecordingAlertSink();
        using var loop = new DeviceLoop(host, _bed.Baseline, new DeviceLoopOptions
        {
            DeviceId = "bench-01",
            TimeProvider = new FakeTimeProvider(),
            AlertSink = sink,
            LatencyBudget = TimeSpan.FromMilliseconds(10),
            LatencyBlockFrames = 32,
        });
        var random = new Random(4);
        var x = new float[3];
        var latencies = new List<double>();
        for (var f = 0; f < 256; f++)
        {
            // Frames 32-63: 16 of 32 are slow (exactly half: alarms); frames 64-95: 15 of 32 (below half).
            clock.StepMicroseconds = f switch
            {
                >= 32 and < 64 when f % 2 == 0 => 50_000,
                >= 64 and < 96 when f % 2 == 0 && f < 94 => 50_000,
                _ => 2_000,
            };
            DeviceTestBed.Fill(random, x);
            latencies.Add(loop.Step(x).LatencyMilliseconds);
        }

        Assert.Equal(2.0, latencies[0], 6);
        Assert.Equal(50.0, latencies[32], 6);
        var health = sink.Seen.Where(s => s.Transition.Alert.Kind == AlertKind.RuntimeHealth).ToList();
        Assert.Equal(2, health.Count);
        Assert.Equal(("latency", AlertState.Raised, 63L), (health[0].Transition.Alert.Subject, health[0].Transition.Current, health[0].Frame));
        Assert.Equal(1.0, health[0].Transition.Alert.Evidence.Value, 9); // 16 slow frames / (0.5 × 32)
        Assert.Equal(50.0, health[0].Transition.Alert.Evidence.TopChannels[0].Value, 6);
        // Clearing needs 3 evaluations below 0.8: the block ending at 95 scores 15/16 = 0.94 (no), then 127, 159, 191 score 0.
        Assert.Equal((AlertState.Cleared, 191L), (health[1].Transition.Current, health[1].Frame));
    }

    [Fact]
    public void BaselineWithoutLatencyChannel_LatencyWatchIsOff()
    {
        using var host = _bed.LoadHost();
        using var loop = new DeviceLoop(host, _bed.Baseline, new DeviceLoopOptions { DeviceId = "bench-01" });
        Assert.Equal(0, loop.LatencyBudgetMilliseconds);
    }

    /// <summary>Each timestamp is <see cref="StepMicroseconds"/> after the previous one, so a host run (two timestamps) takes exactly that long.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long _now;

        public long StepMicroseconds { get; set; } = 1000;

        public override long TimestampFrequency => 1_000_000;

        public override long GetTimestamp() => _now += StepMicroseconds;
    }
}
