using System.Device.Gpio;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Runtime.Device;
using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Runtime.Safety;
using EdgeSentinel.Runtime.Sensors;
using EdgeSentinel.Runtime.Tests.Onnx;
using EdgeSentinel.Runtime.Tests.Sensors;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Runtime.Tests.Device;

public sealed class DeviceLoopTests : IClassFixture<DeviceTestBed>
{
    private const int Relay = 17;
    private readonly DeviceTestBed _bed;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero));

    public DeviceLoopTests(DeviceTestBed bed) => _bed = bed;

    private DeviceLoopOptions Options(AnalysisMode mode = AnalysisMode.Inline, IAlertSink? sink = null) => new()
    {
        DeviceId = "bench-01",
        AnalysisMode = mode,
        TimeProvider = _time,
        AlertSink = sink,
    };

    [Fact]
    public void Step_CleanFrame_ActuatorGetsTheModelOutput_ComputedIndependently()
    {
        using var host = _bed.LoadHost();
        var actions = new RecordingActionSink();
        var options = Options();
        options.ActionSink = actions;
        using var loop = new DeviceLoop(host, _bed.Baseline, options);
        float[] x = [0.3f, -0.7f, 0.9f];

        var outcome = loop.Step(x);

        var expected = TestModels.MlpReference(x, out _);
        Assert.Equal(0, outcome.FrameIndex);
        Assert.Equal(DeviceStepEvents.None, outcome.Events & ~DeviceStepEvents.WindowCompleted);
        Assert.Equal(expected[0], loop.ActuatorOutput[0], 5);
        Assert.Equal(expected[1], loop.ActuatorOutput[1], 5);
        Assert.Single(actions.Applied);
        Assert.Equal(expected[1], actions.Applied[0][1], 5);
        Assert.Equal(1, loop.FrameCount);
    }

    [Fact]
    public void Step_InputShift_AlarmFrameItselfGetsTheFallback_TheLastModelOutputHeld()
    {
        // HoldLastAction: while tripped the actuators get the last model output delivered before the trip. The frame whose
        // own sequential alarm trips the interlock must therefore already get the previous frame's model output.
        using var driver = new FakeGpioDriver();
        using var controller = new GpioController(driver);
        using var interlock = InputDriftInterlock(controller, FallbackMode.HoldLastAction, policy: null);
        using var host = _bed.LoadHost();
        var (sink, actions) = (new RecordingAlertSink(), new RecordingActionSink());
        using var loop = InterlockedLoop(host, interlock, sink, actions);

        var (rows, outcomes) = StepUntilTripped(loop, interlock, seed: 5);

        var alarmFrame = AlarmFrame(sink, outcomes);
        var tripping = outcomes[alarmFrame];
        Assert.True(tripping.Has(DeviceStepEvents.InterlockTripped | DeviceStepEvents.AlertTransition | DeviceStepEvents.FallbackEngaged));
        Assert.Equal(PinValue.High, driver.ValueOf(Relay));
        var held = TestModels.MlpReference(rows[alarmFrame - 1], out _);
        var vetoed = TestModels.MlpReference(rows[alarmFrame], out _);
        Assert.False(outcomes[alarmFrame - 1].Has(DeviceStepEvents.FallbackEngaged));
        AssertClose(held, actions.Applied[alarmFrame - 1]); // the last frame before the trip went out as the model said
        AssertClose(held, actions.Applied[alarmFrame]); // the alarm frame: held, not this frame's model output
        Assert.True(Math.Abs(vetoed[0] - held[0]) + Math.Abs(vetoed[1] - held[1]) > 1e-3, "the test needs the vetoed output to differ from the held one");
        AssertClose(vetoed, loop.ModelOutput.ToArray()); // what the model asked for is still visible
        Assert.Equal(1, loop.Counters.FramesOnFallback);

        var x = new float[3];
        DeviceTestBed.Fill(new Random(6), x);
        Assert.True(loop.Step(x).Has(DeviceStepEvents.FallbackEngaged));
        AssertClose(held, actions.Applied[^1]);
        Assert.Equal(2, loop.Counters.FramesOnFallback);
    }

    [Fact]
    public void Step_InputShift_AlarmFrameGetsTheFallbackPolicyOfItsOwnInputs()
    {
        using var driver = new FakeGpioDriver();
        using var controller = new GpioController(driver);
        using var interlock = InputDriftInterlock(controller, FallbackMode.Policy, (inputs, action) =>
        {
            action[0] = -inputs[0];
            action[1] = inputs[1] + inputs[2];
        });
        using var host = _bed.LoadHost();
        var (sink, actions) = (new RecordingAlertSink(), new RecordingActionSink());
        using var loop = InterlockedLoop(host, interlock, sink, actions);

        var (rows, outcomes) = StepUntilTripped(loop, interlock, seed: 7);

        var alarmFrame = AlarmFrame(sink, outcomes);
        var x = rows[alarmFrame];
        Assert.True(outcomes[alarmFrame].Has(DeviceStepEvents.FallbackEngaged));
        Assert.Equal([-x[0], x[1] + x[2]], actions.Applied[alarmFrame]);
        Assert.Equal([-x[0], x[1] + x[2]], loop.ActuatorOutput.ToArray());
        AssertClose(TestModels.MlpReference(rows[alarmFrame - 1], out _), actions.Applied[alarmFrame - 1]);
    }

    private SafetyInterlock InputDriftInterlock(GpioController controller, FallbackMode fallback, FallbackPolicy? policy)
    {
        var interlockOptions = new InterlockOptions { OutputWidth = 2, Fallback = fallback, FallbackPolicy = policy };
        interlockOptions.Outputs.Add(new InterlockOutputLine(Relay, ActiveHigh: true, Name: "estop"));
        interlockOptions.Rules.Add(new InterlockRule(AlertSeverity.Warning, AlertKind.InputDrift));
        return new SafetyInterlock(controller, interlockOptions, "bench-01", new DelegateClearCommandVerifier(_ => false), _time);
    }

    private DeviceLoop InterlockedLoop(OnnxModelHost host, SafetyInterlock interlock, RecordingAlertSink sink, RecordingActionSink actions)
    {
        var options = Options(sink: sink);
        options.Interlock = interlock;
        options.ActionSink = actions;
        return new DeviceLoop(host, _bed.Baseline, options);
    }

    /// <summary>Clean rows, then x0 shifted far outside the training range [-1, 1] from frame 100, until the interlock trips.</summary>
    private static (List<float[]> Rows, List<DeviceStepOutcome> Outcomes) StepUntilTripped(DeviceLoop loop, SafetyInterlock interlock, int seed)
    {
        var random = new Random(seed);
        var rows = new List<float[]>();
        var outcomes = new List<DeviceStepOutcome>();
        for (var f = 0; f < 400 && interlock.State == InterlockState.Armed; f++)
        {
            var x = new float[3];
            DeviceTestBed.Fill(random, x);
            if (f >= 100)
            {
                x[0] += 3f;
            }

            rows.Add(x);
            outcomes.Add(loop.Step(x));
        }

        Assert.Equal(InterlockState.Tripped, interlock.State);
        return (rows, outcomes);
    }

    /// <summary>The frame of the input-drift alert that tripped the interlock: the last frame stepped, after the shift.</summary>
    private static int AlarmFrame(RecordingAlertSink sink, List<DeviceStepOutcome> outcomes)
    {
        var raised = sink.Seen.First(s => s.Transition.Alert.Kind == AlertKind.InputDrift && s.Transition.Current == AlertState.Raised);
        var alarmFrame = (int)raised.Frame;
        Assert.True(alarmFrame >= 100, $"raised at frame {alarmFrame}, before the shift");
        Assert.Equal(outcomes.Count - 1, alarmFrame);
        return alarmFrame;
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }
    }

    [Fact]
    public void Inline_ProducesTheSameAlertsAsTheReplayLoop()
    {
        // The loop of 'edgesentinel replay' (ReplayCommand), written out here as the reference.
        var random = new Random(17);
        var rows = new List<float[]>();
        for (var r = 0; r < 1500; r++)
        {
            var x = new float[3];
            DeviceTestBed.Fill(random, x);
            if (r >= 700)
            {
                x[1] += 0.8f;
            }

            rows.Add(x);
        }

        var reference = new List<string>();
        using (var host = _bed.LoadHost())
        {
            var monitor = new DriftMonitor(_bed.Baseline);
            var tracker = new AlertTracker("bench-01", _bed.Baseline.Model.Sha256, new AlertPolicy(), _time);
            void Emit(IReadOnlyList<AlertTransition> transitions) =>
                reference.AddRange(transitions.Select(t => Describe(t, t.Alert.LastSample)));
            foreach (var row in rows)
            {
                host.SetInputs(row);
                var frame = host.Run();
                monitor.Observe(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
                while (monitor.TryTakeSequentialAlarm(out var alarm))
                {
                    Emit(tracker.Process(monitor.ToSignal(alarm)));
                }

                while (monitor.TryTakeActivationAnomaly(out var anomaly))
                {
                    Emit(tracker.Process(monitor.ToSignal(anomaly)));
                }

                while (monitor.TryTakeWindow(out var window))
                {
                    var report = monitor.AnalyzeWindow(window);
                    monitor.ReturnWindow(window);
                    Emit(tracker.Process(report.Signals));
                }
            }
        }

        var sink = new RecordingAlertSink();
        using (var host = _bed.LoadHost())
        using (var loop = new DeviceLoop(host, _bed.Baseline, Options(sink: sink)))
        {
            foreach (var row in rows)
            {
                loop.Step(row);
            }
        }

        Assert.NotEmpty(reference);
        Assert.Equal(reference, sink.Seen.Select(s => Describe(s.Transition, s.Transition.Alert.LastSample)).ToList());
    }

    [Fact]
    public void Background_AnalyzesWindowsOffTheInferenceThread_FlushDeliversEverything()
    {
        var sink = new RecordingAlertSink();
        using var host = _bed.LoadHost();
        var options = Options(AnalysisMode.Background, sink);
        options.MonitorOptions.WindowBuffers = 16; // room for every window of this short burst: none is dropped
        using var loop = new DeviceLoop(host, _bed.Baseline, options);
        var random = new Random(23);
        var x = new float[3];
        for (var f = 0; f < 640; f++)
        {
            DeviceTestBed.Fill(random, x);
            if (f >= 320)
            {
                x[2] = (x[2] * 0.25f) + 0.6f; // a narrower, shifted distribution: the window tests see it
            }

            loop.Step(x);
        }

        loop.Flush();

        Assert.Equal(0, loop.MonitorCounters.DroppedWindows);
        Assert.Equal(640 / loop.WindowSize, loop.Counters.WindowsAnalyzed);
        Assert.Equal(loop.MonitorCounters.CompletedWindows, loop.Counters.WindowsAnalyzed);
        Assert.NotEqual(Environment.CurrentManagedThreadId, sink.ThreadId);
        var seen = sink.Seen;
        Assert.Contains(seen, s => s.Transition.Alert.Kind == AlertKind.InputDrift && s.Transition.Current == AlertState.Raised);
        Assert.All(seen, s => Assert.True(s.Frame is >= 320 and <= 639, $"{s.Transition.Alert.Kind} {s.Transition.Alert.Subject} {s.Transition.Current} {s.Transition.Alert.Evidence.Statistic} at {s.Frame}"));
    }

    [Fact]
    public void Background_SequentialAlarm_TripsTheInterlockInTheSameFrameAsInline()
    {
        int TrippingFrame(AnalysisMode mode)
        {
            using var driver = new FakeGpioDriver();
            using var controller = new GpioController(driver);
            var interlockOptions = new InterlockOptions { OutputWidth = 2 };
            interlockOptions.Outputs.Add(new InterlockOutputLine(Relay));
            interlockOptions.Rules.Add(new InterlockRule(AlertSeverity.Warning, AlertKind.InputDrift));
            using var interlock = new SafetyInterlock(controller, interlockOptions, "bench-01", new DelegateClearCommandVerifier(_ => false), _time);
            using var host = _bed.LoadHost();
            var options = Options(mode);
            options.Interlock = interlock;
            using var loop = new DeviceLoop(host, _bed.Baseline, options);
            var random = new Random(31);
            var x = new float[3];
            for (var f = 0; f < 400; f++)
            {
                DeviceTestBed.Fill(random, x);
                x[0] += f >= 50 ? 3f : 0f;
                if (loop.Step(x).Has(DeviceStepEvents.InterlockTripped))
                {
                    Assert.Equal(PinValue.High, driver.ValueOf(Relay));
                    return f;
                }
            }

            return -1;
        }

        var inline = TrippingFrame(AnalysisMode.Inline);
        Assert.InRange(inline, 50, 63); // before the first window (64 rows) could complete: a sequential alarm
        Assert.Equal(inline, TrippingFrame(AnalysisMode.Background));
    }

    [Fact]
    public void HealthEvents_RaiseRuntimeHealth_RecoveryClearsIt()
    {
        var inbox = new RuntimeHealthInbox();
        var sink = new RecordingAlertSink();
        using var host = _bed.LoadHost();
        var options = Options(sink: sink);
        options.HealthInbox = inbox;
        using var loop = new DeviceLoop(host, _bed.Baseline, options);
        var x = new float[3];
        var random = new Random(2);
        DeviceTestBed.Fill(random, x);
        loop.Step(x);
        inbox.Report(new RuntimeHealthEvent("mpu6050@1:0x68", RuntimeHealthFault.I2cError, "read of ACCEL_XOUT failed: remote I/O error", _time.GetUtcNow()));
        DeviceTestBed.Fill(random, x);
        var faulty = loop.Step(x);
        inbox.Report(new RuntimeHealthEvent("mpu6050@1:0x68", RuntimeHealthFault.Recovered, "answers again", _time.GetUtcNow()));
        DeviceTestBed.Fill(random, x);
        loop.Step(x);

        Assert.True(faulty.Has(DeviceStepEvents.AlertTransition));
        var health = sink.Seen.Where(s => s.Transition.Alert.Kind == AlertKind.RuntimeHealth).ToList();
        Assert.Equal(2, health.Count);
        Assert.Equal((AlertState.Raised, 1L), (health[0].Transition.Current, health[0].Frame));
        Assert.Equal("mpu6050@1:0x68", health[0].Transition.Alert.Subject);
        Assert.Contains("i2c-error", health[0].Transition.Alert.Evidence.Statistic, StringComparison.Ordinal);
        Assert.Equal((AlertState.Cleared, 2L), (health[1].Transition.Current, health[1].Frame));
        Assert.Equal(2, loop.Counters.HealthEvents);
    }

    [Fact]
    public void Constructor_BaselineForAnotherModel_IsRefusedUnlessAllowed()
    {
        var other = TestModels.Mlp();
        using var host = OnnxModelHost.Load(OnnxModelBuilder.CreateMlp("x", [new DenseLayer(TestModels.W1, TestModels.B1, OnnxActivation.Relu, "hidden"), new DenseLayer(TestModels.W2, [0.06f, -0.5f])], "y").ToBytes(), new OnnxModelHostOptions { AutoTapLayers = 1 });

        var refused = Assert.Throws<ModelIdentityMismatchException>(() => new DeviceLoop(host, _bed.Baseline, Options()));
        Assert.StartsWith("model-identity:", refused.Message, StringComparison.Ordinal);

        var options = Options();
        options.AllowModelMismatch = true;
        using var loop = new DeviceLoop(host, _bed.Baseline, options);
        Assert.NotEmpty(loop.ModelDifferences);
        Assert.NotNull(other);
    }

    [Fact]
    public void Constructor_HostWithoutTheBaselinesTap_ListsTheProblem()
    {
        using var host = OnnxModelHost.Load(_bed.ModelBytes);
        var error = Assert.Throws<ArgumentException>(() => new DeviceLoop(host, _bed.Baseline, Options()));
        Assert.Contains("the baseline's taps are (", error.Message, StringComparison.Ordinal);
        Assert.Contains("but the model host binds ()", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Background: no frame allocates. Inline: only the frames that complete a window allocate (the window tests run inside them). An armed interlock is in the loop.</summary>
    [Theory]
    [InlineData(AnalysisMode.Inline)]
    [InlineData(AnalysisMode.Background)]
    public void Step_SteadyState_AllocatesNothing_MonitorIncluded(AnalysisMode mode)
    {
        using var host = _bed.LoadHost();
        using var driver = new FakeGpioDriver();
        using var controller = new GpioController(driver);
        using var interlock = InputDriftInterlock(controller, FallbackMode.HoldLastAction, policy: null);
        var options = Options(mode, new RecordingAlertSink());
        options.ActionSink = new NullActions();
        options.Interlock = interlock; // armed: its decision after the frame's monitoring allocates nothing either
        using var loop = new DeviceLoop(host, _bed.Baseline, options);
        var random = new Random(9);
        var rows = new float[4096][];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new float[3];
            DeviceTestBed.Fill(random, rows[i]);
        }

        for (var i = 0; i < 512; i++)
        {
            loop.Step(rows[i]);
        }

        loop.Flush();
        var alertsBefore = loop.Counters.AlertTransitions;
        long allocated = 0;
        var windowFrames = 0;
        for (var i = 512; i < 2048; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var outcome = loop.Step(rows[i]);
            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            if (mode == AnalysisMode.Inline && outcome.Has(DeviceStepEvents.WindowCompleted))
            {
                windowFrames++;
                continue;
            }

            allocated += bytes;
        }

        Assert.Equal(mode == AnalysisMode.Inline ? (2048 - 512) / loop.WindowSize : 0, windowFrames);
        Assert.Equal(alertsBefore, loop.Counters.AlertTransitions); // clean data: no alert activity in the measured frames
        Assert.Equal(0, allocated);
    }

    private static string Describe(AlertTransition t, long frame) =>
        $"{AlertKinds.ToWireName(t.Alert.Kind)}|{t.Alert.Subject}|{AlertStates.ToWireName(t.Current)}|{AlertSeverities.ToWireName(t.Alert.Severity)}|{frame}";

    private sealed class NullActions : IActionSink
    {
        public void Apply(ReadOnlySpan<float> action)
        {
        }
    }
}
