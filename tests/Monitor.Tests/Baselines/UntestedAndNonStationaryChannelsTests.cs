using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Monitor.Tests.Support;

namespace EdgeSentinel.Monitor.Tests.Baselines;

public sealed class UntestedAndNonStationaryChannelsTests
{
    private static Baseline Build(Action<BaselineOptions> configure, Func<int, float[], float>? inputB = null)
    {
        var options = new BaselineOptions { TargetAverageRunLength = 1e5, WindowSize = 128, ReferenceSampleSize = 800, Seed = 3 };
        configure(options);
        var builder = new BaselineBuilder(SyntheticModel.Schema, SyntheticModel.Identity, options);
        var model = new SyntheticModel(9);
        var x = new float[SyntheticModel.Inputs];
        var p = new float[SyntheticModel.Outputs];
        var h = new float[SyntheticModel.Hidden];
        for (var r = 0; r < 5000; r++)
        {
            model.Next(x, p, h, out var latency);
            if (inputB is not null)
            {
                x[1] = inputB(r, x);
                model.Evaluate(x, p, h);
            }

            if (r < 3000)
            {
                builder.AddTraining(x, p, h, latency);
            }
            else
            {
                builder.AddHeldOut(x, p, h, latency);
            }
        }

        return builder.Build();
    }

    [Fact]
    public void UntestedChannel_LargeShift_NoDriftTestNoStreamButStillSummarized()
    {
        var baseline = Build(o => o.UntestedChannels.Add("a"));
        var monitor = new DriftMonitor(Baseline.FromBytes(baseline.ToBytes()));
        var model = new SyntheticModel(10) { InputShift = 3.0 };
        var x = new float[SyntheticModel.Inputs];
        var p = new float[SyntheticModel.Outputs];
        var h = new float[SyntheticModel.Hidden];
        var reports = new List<WindowReport>();
        for (var i = 0; i < 512; i++)
        {
            model.Next(x, p, h, out var latency);
            monitor.Observe(x, p, h, latency);
            while (monitor.TryTakeWindow(out var window))
            {
                reports.Add(monitor.AnalyzeWindow(window));
                monitor.ReturnWindow(window);
            }

            while (monitor.TryTakeSequentialAlarm(out var alarm))
            {
                Assert.NotEqual("input.a", monitor.StreamName(alarm.Stream));
            }
        }

        Assert.Equal([0], baseline.Calibration.UntestedChannels);
        Assert.Equal(4, reports.Count);
        Assert.All(reports, r => Assert.DoesNotContain(r.Outcomes, o => o.Channel == "input.a"));
        Assert.All(reports, r => Assert.Contains(r.Channels, c => c.Channel == "input.a" && c.KolmogorovSmirnov > 0.5));
        Assert.All(reports, r => Assert.DoesNotContain(r.Signals, s => s.Kind == AlertKind.InputDrift && s.Score >= s.Threshold));
        Assert.Contains("\"untestedChannels\": [\n    \"input.a\"", baseline.ToJson().Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void UntestedChannel_UnknownName_ListedInTheError()
    {
        var error = Assert.Throws<ArgumentException>(() => Build(o => { o.UntestedChannels.Add("clock"); o.UntestedChannels.Add("b"); }));

        Assert.Contains("'clock'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'b'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DriftingTrainingInput_LeftOutOfSequentialBank_ThresholdStaysSane()
    {
        var stationary = Build(_ => { });
        // Input b climbs steadily through the data, like a clock: the held-out tail sits far above training.
        var drifting = Build(_ => { }, (row, x) => x[1] + (row / 1000f));

        Assert.Empty(stationary.Calibration.NonStationaryChannels);
        var moved = drifting.Calibration.NonStationaryChannels;
        Assert.Contains(1, moved);
        // Outputs that follow b may move too; the other inputs must not be flagged.
        Assert.DoesNotContain(0, moved);
        Assert.DoesNotContain(2, moved);
        Assert.DoesNotContain(3, moved);
        // Channels 10..13 are the projected tap: a moved tap takes one stream (its distance) out of the bank.
        var movedStreams = moved.Count(c => c < 10) + (moved.Any(c => c is >= 10 and <= 13) ? 1 : 0);
        Assert.Equal(stationary.Calibration.Sequential.StreamCount - movedStreams, drifting.Calibration.Sequential.StreamCount);
        Assert.InRange(drifting.Calibration.Sequential.Threshold / stationary.Calibration.Sequential.Threshold, 0.5, 2.0);
    }
}
