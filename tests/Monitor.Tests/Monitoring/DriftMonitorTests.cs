using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Monitor.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Monitor.Tests.Monitoring;

public sealed class DriftMonitorTests(SyntheticBaselineFixture fixture) : IClassFixture<SyntheticBaselineFixture>
{
    private readonly float[] _x = new float[SyntheticModel.Inputs];
    private readonly float[] _p = new float[SyntheticModel.Outputs];
    private readonly float[] _h = new float[SyntheticModel.Hidden];

    /// <summary>Runs <paramref name="count"/> inferences; analyzes each completed window; returns alerts raised.</summary>
    private List<AlertTransition> Run(DriftMonitor monitor, AlertTracker tracker, SyntheticModel model, int count, List<WindowReport>? reports = null)
    {
        var transitions = new List<AlertTransition>();
        for (var i = 0; i < count; i++)
        {
            model.Next(_x, _p, _h, out var latency);
            var result = monitor.Observe(_x, _p, _h, latency);
            if ((result & ObserveResult.SequentialAlarm) != 0 && monitor.TryTakeSequentialAlarm(out var alarm))
            {
                transitions.AddRange(tracker.Process(monitor.ToSignal(alarm)));
            }

            while (monitor.TryTakeActivationAnomaly(out var anomaly))
            {
                transitions.AddRange(tracker.Process(monitor.ToSignal(anomaly)));
            }

            while (monitor.TryTakeWindow(out var window))
            {
                var report = monitor.AnalyzeWindow(window);
                monitor.ReturnWindow(window);
                reports?.Add(report);
                foreach (var signal in report.Signals)
                {
                    transitions.AddRange(tracker.Process(signal));
                }
            }
        }

        return transitions;
    }

    private static AlertTracker Tracker() =>
        new("robot-1", SyntheticModel.Identity.Sha256, new AlertPolicy(), new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero)));

    [Fact]
    public void Observe_InputShift_RaisesInputDriftAndNotBehaviorDivergence()
    {
        var monitor = new DriftMonitor(fixture.Baseline);
        var tracker = Tracker();
        var model = new SyntheticModel(101);
        Run(monitor, tracker, model, 1024);
        model.InputShift = 1.0;

        var raised = Run(monitor, tracker, model, 1024).Where(t => t.Current == AlertState.Raised).ToList();

        Assert.Contains(raised, t => t.Alert.Kind == AlertKind.InputDrift);
        Assert.DoesNotContain(raised, t => t.Alert.Kind == AlertKind.BehaviorDivergence);
        var drift = raised.First(t => t.Alert.Kind == AlertKind.InputDrift).Alert;
        Assert.True(drift.FirstSample >= 1024, "no input drift is raised before the change");
        Assert.Equal(1, raised.Count(t => t.Alert.Kind == AlertKind.InputDrift));
    }

    [Fact]
    public void Observe_SameInputsSleeperBehavior_RaisesBehaviorDivergence()
    {
        var monitor = new DriftMonitor(fixture.Baseline);
        var tracker = Tracker();
        var model = new SyntheticModel(202);
        Run(monitor, tracker, model, 1024);
        model.Sleeper = true;

        var raised = Run(monitor, tracker, model, 1024).Where(t => t.Current == AlertState.Raised).ToList();

        Assert.Contains(raised, t => t.Alert.Kind == AlertKind.BehaviorDivergence);
        Assert.DoesNotContain(raised, t => t.Alert.Kind == AlertKind.InputDrift);
    }

    [Fact]
    public void Observe_InternalsChangeOutputsDoNot_SeenInsideTheModel()
    {
        var monitor = new DriftMonitor(fixture.Baseline);
        var tracker = Tracker();
        var model = new SyntheticModel(303);
        Run(monitor, tracker, model, 1024);
        model.HiddenGain = 3f;

        var raised = Run(monitor, tracker, model, 512).Where(t => t.Current == AlertState.Raised).ToList();

        Assert.Contains(raised, t => t.Alert.Kind is AlertKind.ActivationAnomaly or AlertKind.BehaviorDivergence);
        Assert.DoesNotContain(raised, t => t.Alert.Kind == AlertKind.InputDrift);
    }

    [Fact]
    public void Observe_CleanStream_WindowSignalsStayBelowThresholdMostly()
    {
        var monitor = new DriftMonitor(fixture.Baseline);
        var reports = new List<WindowReport>();
        Run(monitor, Tracker(), new SyntheticModel(404), 128 * 40, reports);

        Assert.Equal(40, reports.Count);
        var driftWindows = reports.Count(r => r.Signals.Any(s => s.Kind is AlertKind.InputDrift or AlertKind.BehaviorDivergence && s.Score >= s.Threshold));
        // Holm at alpha 1e-4 per window: 40 clean windows expect 0.004 false alarms.
        Assert.Equal(0, driftWindows);
    }

    [Fact]
    public void Observe_NonFiniteValues_CountedFlaggedAndReportedNotCrashing()
    {
        var monitor = new DriftMonitor(fixture.Baseline);
        var model = new SyntheticModel(505);
        var flagged = 0;
        for (var i = 0; i < 256; i++)
        {
            model.Next(_x, _p, _h, out var latency);
            if (i % 4 == 0)
            {
                _x[2] = i % 8 == 0 ? float.NaN : float.PositiveInfinity;
            }

            if ((monitor.Observe(_x, _p, _h, latency) & ObserveResult.NonFiniteValues) != 0)
            {
                flagged++;
            }
        }

        Assert.Equal(64, flagged);
        Assert.Equal(64, monitor.Counters.NonFiniteObservations);
        Assert.True(monitor.TryTakeWindow(out var window));
        var report = monitor.AnalyzeWindow(window);
        var health = Assert.Single(report.Signals, s => s.Kind == AlertKind.RuntimeHealth && s.Subject == "non-finite");
        Assert.True(health.Score >= health.Threshold);
        Assert.Equal("input.c", health.Evidence.TopChannels[0].Channel);
        Assert.Equal(32, report.Channels.Single(c => c.Channel == "input.c").NonFinite); // first window of 128
    }

    [Fact]
    public void Observe_WrongLengths_ThrowsNamingExpectedShape()
    {
        var monitor = new DriftMonitor(fixture.Baseline);

        var error = Assert.Throws<ArgumentException>(() => monitor.Observe(new float[5], _p, _h, 1));

        Assert.Contains("got 5 inputs, 3 outputs, 8 tap values; expected 4, 3, 8", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, monitor.Counters.Observations);
    }

    [Fact]
    public void Observe_AnalysisFallsBehind_DropsWindowsAndCountsThem()
    {
        var monitor = new DriftMonitor(fixture.Baseline, new DriftMonitorOptions { WindowBuffers = 2 });
        var model = new SyntheticModel(606);
        for (var i = 0; i < 128 * 5; i++)
        {
            model.Next(_x, _p, _h, out var latency);
            monitor.Observe(_x, _p, _h, latency);
        }

        var counters = monitor.Counters;
        Assert.Equal(5, counters.CompletedWindows);
        Assert.Equal(4, counters.DroppedWindows);
        Assert.True(monitor.TryTakeWindow(out var kept));
        Assert.Equal(0, kept.FirstSample);
        Assert.False(monitor.TryTakeWindow(out _));
    }

    [Fact]
    public void Observe_SteadyState_AllocatesNothing()
    {
        var monitor = new DriftMonitor(fixture.Baseline);
        var model = new SyntheticModel(707);
        var inputs = new float[20_000 * SyntheticModel.Inputs];
        var outputs = new float[20_000 * SyntheticModel.Outputs];
        var taps = new float[20_000 * SyntheticModel.Hidden];
        for (var i = 0; i < 20_000; i++)
        {
            model.Next(inputs.AsSpan(i * 4, 4), outputs.AsSpan(i * 3, 3), taps.AsSpan(i * 8, 8), out _);
        }

        void Feed(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                monitor.Observe(inputs.AsSpan(i * 4, 4), outputs.AsSpan(i * 3, 3), taps.AsSpan(i * 8, 8), 2.0);
                while (monitor.TryTakeWindow(out var w))
                {
                    monitor.ReturnWindow(w);
                }

                while (monitor.TryTakeSequentialAlarm(out _) || monitor.TryTakeActivationAnomaly(out _))
                {
                }
            }
        }

        Feed(0, 1000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Feed(1000, 20_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void AnalyzeWindow_EveryValueNaN_SkipsTestsReportsHealthAndKeepsCounts()
    {
        var monitor = new DriftMonitor(fixture.Baseline);
        var nan = new float[SyntheticModel.Inputs];
        var nanOutputs = new float[SyntheticModel.Outputs];
        var nanTaps = new float[SyntheticModel.Hidden];
        Array.Fill(nan, float.NaN);
        Array.Fill(nanOutputs, float.NaN);
        Array.Fill(nanTaps, float.NaN);
        for (var i = 0; i < monitor.WindowSize; i++)
        {
            Assert.True((monitor.Observe(nan, nanOutputs, nanTaps, double.NaN) & ObserveResult.NonFiniteValues) != 0);
        }

        Assert.True(monitor.TryTakeWindow(out var window));
        var report = monitor.AnalyzeWindow(window);

        Assert.Empty(report.Outcomes);
        Assert.Contains(report.Signals, s => s.Kind == AlertKind.RuntimeHealth && s.Subject == "non-finite" && s.Score >= s.Threshold);
        Assert.DoesNotContain(report.Signals, s => s.Kind is AlertKind.InputDrift or AlertKind.BehaviorDivergence && s.Score >= s.Threshold);
        Assert.Equal(monitor.WindowSize, report.Fingerprint["input.a"].NaNCount);
        Assert.Equal(0, report.Fingerprint["input.a"].Count);
        Assert.Equal(0, monitor.Counters.SequentialAlarms);
    }

    [Fact]
    public void Observe_ActivationExceedances_AlarmOncePerEpisodeAndAgainAfterTheGap()
    {
        var baseline = fixture.Baseline;
        var gap = baseline.Calibration.ActivationEpisodeGap;
        Assert.Equal(new EdgeSentinel.Monitor.Baselines.BaselineOptions().ActivationEpisodeGap, gap);
        Assert.Single(baseline.Schema.Taps);
        var monitor = new DriftMonitor(baseline);
        var model = new SyntheticModel(101);
        model.Next(_x, _p, _h, out var latency);
        var quiet = _h.ToArray();
        var hot = Enumerable.Repeat(1000f, SyntheticModel.Hidden).ToArray();
        var alarms = new List<long>();
        long sample = 0;
        void Step(float[] h)
        {
            var result = monitor.Observe(_x, _p, h, latency);
            var alarmed = (result & ObserveResult.ActivationAnomaly) != 0;
            while (monitor.TryTakeActivationAnomaly(out var anomaly))
            {
                alarms.Add(anomaly.Sample);
            }

            Assert.Equal(alarmed, alarms.Count > 0 && alarms[^1] == sample);
            sample++;
        }

        for (var i = 0; i < 10; i++)
        {
            Step(quiet);
        }

        Assert.Equal(0, monitor.Counters.ActivationAnomalies);

        // An episode of three exceeding rows (samples 10-12): one alarm, at its first row.
        Step(hot);
        Step(hot);
        Step(hot);
        // gap - 1 quiet rows, then an exceedance: still the same episode.
        for (var i = 0; i < gap - 1; i++)
        {
            Step(quiet);
        }

        Step(hot);
        var sameEpisode = sample - 1;
        // gap quiet rows, then an exceedance: a new episode.
        for (var i = 0; i < gap; i++)
        {
            Step(quiet);
        }

        Step(hot);
        var newEpisode = sample - 1;

        Assert.Equal(12 + gap, sameEpisode);
        Assert.Equal([10L, 12 + gap + gap + 1], alarms);
        Assert.Equal(5, monitor.Counters.ActivationAnomalies);
        Assert.Equal(2, monitor.Counters.ActivationEpisodes);
        Assert.Equal(newEpisode, alarms[^1]);
    }
    [Fact]
    public void Observe_ReadingsBeyondTheTrainingSupport_AlarmOncePerWindowAsInputDriftWithTheReadingAndTheLimit()
    {
        var baseline = fixture.Baseline;
        var support = baseline.Calibration.Support;
        Assert.NotNull(support);
        var window = baseline.Calibration.WindowSize;
        var upper = support.Upper[0];
        var lower = support.Lower[0];
        Assert.True(double.IsFinite(upper) && double.IsFinite(lower));
        var monitor = new DriftMonitor(baseline);
        var model = new SyntheticModel(102);
        var limitAlarms = new List<SequentialAlarm>();
        long sample = 0;
        void Step(float? a)
        {
            model.Next(_x, _p, _h, out var latency);
            if (a is { } value)
            {
                _x[0] = value;
            }

            monitor.Observe(_x, _p, _h, latency);
            while (monitor.TryTakeSequentialAlarm(out var alarm))
            {
                if (alarm.Source == SequentialAlarmSource.SupportLimit)
                {
                    limitAlarms.Add(alarm);
                }
            }

            sample++;
        }

        for (var i = 0; i < 100; i++)
        {
            Step(null);
        }

        Assert.Empty(limitAlarms);

        // Ten readings beyond the upper limit (samples 100-109): one alarm, at the first.
        var beyond = (float)(upper + 1.0);
        for (var i = 0; i < 10; i++)
        {
            Step(beyond);
        }

        // Within a window of the first alarm another reading beyond (below the lower limit) does not alarm; after it, it does.
        for (var i = 0; i < window - 11; i++)
        {
            Step(null);
        }

        var below = (float)(lower - 1.0);
        Step(below);
        Step(null);
        Step(below);

        Assert.Equal(2, limitAlarms.Count);
        var first = limitAlarms[0];
        Assert.Equal((100L, 0, (double)beyond, upper), (first.Sample, first.Stream, first.Statistic, first.Threshold));
        Assert.Equal(100L + window + 1, limitAlarms[1].Sample);
        Assert.Equal(((double)below, lower), (limitAlarms[1].Statistic, limitAlarms[1].Threshold));
        Assert.Equal(2, monitor.Counters.SupportLimitAlarms);
        Assert.True(monitor.Counters.SequentialAlarms >= 2);

        var signal = monitor.ToSignal(first);
        Assert.Equal(AlertKind.InputDrift, signal.Kind);
        Assert.Equal("reading above the training support", signal.Evidence.Statistic);
        Assert.Equal((double)beyond, signal.Evidence.Value);
        Assert.Equal(upper, signal.Evidence.Threshold);
        Assert.Equal(support.RatePerSide, signal.Evidence.FalseAlarmRate);
        Assert.Equal("input.a", signal.Evidence.TopChannels[0].Channel);
        Assert.True(signal.IsAboveThreshold);
        Assert.Equal("reading below the training support", monitor.ToSignal(limitAlarms[1]).Evidence.Statistic);
    }
}
