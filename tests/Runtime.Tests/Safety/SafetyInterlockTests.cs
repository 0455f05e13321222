using System.Device.Gpio;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Runtime.Safety;
using EdgeSentinel.Runtime.Tests.Sensors;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Runtime.Tests.Safety;

public sealed class SafetyInterlockTests : IDisposable
{
    private const int Relay = 23;
    private const int Beacon = 24;
    private const int ResetButton = 25;
    private const string Device = "robot-7";
    private const string GoodSignature = "valid-hmac";

    private readonly FakeGpioDriver _driver = new();
    private readonly GpioController _controller;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.Zero));
    private readonly List<InterlockTransition> _transitions = [];
    private readonly List<InterlockClearCommand> _verified = [];
    private long _nextAlert;

    public SafetyInterlockTests()
    {
        _controller = new GpioController(_driver);
    }

    public void Dispose()
    {
        _controller.Dispose();
        _driver.Dispose();
    }

    private SafetyInterlock Create(FallbackMode fallback = FallbackMode.HoldLastAction, FallbackPolicy? policy = null, bool activeLowBeacon = false)
    {
        var options = new InterlockOptions
        {
            OutputWidth = 2,
            Fallback = fallback,
            FallbackPolicy = policy,
            ResetInput = new InterlockResetInput(ResetButton, PinEventTypes.Falling, PinMode.InputPullUp),
        };
        options.Outputs.Add(new InterlockOutputLine(Relay, ActiveHigh: true, Name: "estop-relay"));
        options.Outputs.Add(new InterlockOutputLine(Beacon, ActiveHigh: !activeLowBeacon, Name: "beacon"));
        options.Rules.Add(new InterlockRule(AlertSeverity.Critical));
        options.Rules.Add(new InterlockRule(AlertSeverity.Warning, AlertKind.CueSensitivity, AlertKind.CanaryMismatch));
        // The verifier stands in for the Protocol library's HMAC check: only the known signature is authentic.
        var interlock = new SafetyInterlock(_controller, options, Device, new DelegateClearCommandVerifier(c =>
        {
            _verified.Add(c);
            return c.Signature == GoodSignature;
        }), _time);
        interlock.StateChanged += (_, t) => _transitions.Add(t);
        _driver.SetInput(ResetButton, PinValue.High); // pulled up, not pressed
        return interlock;
    }

    private Alert MakeAlert(AlertKind kind, AlertSeverity severity, AlertState state = AlertState.Raised)
    {
        long n = _nextAlert++;
        var evidence = new AlertEvidence("cusum", 12.5, 10, 1e-6, "per-sample", []);
        return new Alert($"a-{n}", Device, "sha256:abc", kind, "inputs", severity, state, n, n, _time.GetUtcNow(), _time.GetUtcNow(), evidence);
    }

    private static float[] ModelOutput(int frame) => [frame, -frame];

    private static float[] Inputs(int frame) => [10f * frame, 1f];

    private InterlockClearCommand Command(long sequence, string signature = GoodSignature, string device = Device) =>
        new(device, "operator-ana", sequence, _time.GetUtcNow(), signature);

    [Fact]
    public void CriticalAlert_AssertsPinsInTheSameFrame_FallbackFromTheNextFrame()
    {
        using SafetyInterlock interlock = Create();
        Assert.Equal(PinValue.Low, _driver.ValueOf(Relay));
        Assert.Equal(PinMode.Output, _driver.ModeOf(Relay));
        float[] actuator = new float[2];
        var delivered = new List<float[]>();
        var relayDuringFrame = new List<PinValue>();
        for (int frame = 0; frame < 8; frame++)
        {
            interlock.ApplyOutput(Inputs(frame), ModelOutput(frame), actuator);
            delivered.Add((float[])actuator.Clone());
            if (frame == 3)
            {
                Assert.True(interlock.ProcessAlert(MakeAlert(AlertKind.InputDrift, AlertSeverity.Critical)));
            }

            relayDuringFrame.Add(_driver.ValueOf(Relay)); // read at the end of the frame, before the next one starts
        }

        Assert.Equal([PinValue.Low, PinValue.Low, PinValue.Low, PinValue.High, PinValue.High, PinValue.High, PinValue.High, PinValue.High], relayDuringFrame);
        Assert.Equal(PinValue.High, _driver.ValueOf(Beacon));
        for (int frame = 0; frame <= 3; frame++)
        {
            Assert.Equal(ModelOutput(frame), delivered[frame]);
        }

        for (int frame = 4; frame < 8; frame++)
        {
            Assert.Equal([3f, -3f], delivered[frame]); // held: the last action delivered before the trip
        }

        Assert.Equal(InterlockState.Tripped, interlock.State);
        Assert.Equal(4, interlock.FramesOnFallback);
        InterlockTransition trip = Assert.Single(_transitions);
        Assert.Equal((InterlockState.Armed, InterlockState.Tripped, InterlockCause.Alert), (trip.From, trip.To, trip.Cause));
        Assert.Contains("a-0", trip.Detail, StringComparison.Ordinal);
        Assert.Contains("input-drift", trip.Detail, StringComparison.Ordinal);
        Assert.Null(trip.OutputFault);
    }

    [Fact]
    public void ZeroFallback_ActuatorsGetZeros()
    {
        using SafetyInterlock interlock = Create(FallbackMode.ZeroAction);
        float[] actuator = new float[2];
        interlock.ApplyOutput(Inputs(1), ModelOutput(1), actuator);
        interlock.ProcessAlert(MakeAlert(AlertKind.ActivationAnomaly, AlertSeverity.Critical));
        interlock.ApplyOutput(Inputs(2), ModelOutput(2), actuator);
        Assert.Equal([0f, 0f], actuator);
    }

    [Fact]
    public void PolicyFallback_ComputesFromTheFrameInputs()
    {
        // A fallback "model": action = (-input0 / 10, input1).
        using SafetyInterlock interlock = Create(FallbackMode.Policy, (inputs, action) =>
        {
            action[0] = -inputs[0] / 10;
            action[1] = inputs[1];
        });
        float[] actuator = new float[2];
        interlock.ApplyOutput(Inputs(1), ModelOutput(1), actuator);
        interlock.ProcessAlert(MakeAlert(AlertKind.BehaviorDivergence, AlertSeverity.Critical));
        interlock.ApplyOutput(Inputs(5), ModelOutput(5), actuator);
        Assert.Equal([-5f, 1f], actuator);
    }

    [Theory]
    [InlineData(AlertKind.InputDrift, AlertSeverity.Warning, AlertState.Raised)]        // warning of a kind without a warning rule
    [InlineData(AlertKind.RuntimeHealth, AlertSeverity.Info, AlertState.Raised)]
    [InlineData(AlertKind.InputDrift, AlertSeverity.Critical, AlertState.Cleared)]      // a cleared alert never trips
    public void NonMatchingAlert_DoesNotTrip(AlertKind kind, AlertSeverity severity, AlertState state)
    {
        using SafetyInterlock interlock = Create();
        Assert.False(interlock.ProcessAlert(MakeAlert(kind, severity, state)));
        Assert.Equal(InterlockState.Armed, interlock.State);
        Assert.Equal(PinValue.Low, _driver.ValueOf(Relay));
        Assert.Empty(_transitions);
    }

    [Fact]
    public void WarningOfAListedKind_Trips()
    {
        using SafetyInterlock interlock = Create();
        Assert.True(interlock.ProcessAlert(MakeAlert(AlertKind.CueSensitivity, AlertSeverity.Warning)));
        Assert.Equal(InterlockState.Tripped, interlock.State);
    }

    [Fact]
    public void Latch_HoldsThroughQuietFramesAndClearedAlerts_UntilAuthenticatedCommand()
    {
        using SafetyInterlock interlock = Create();
        float[] actuator = new float[2];
        interlock.ApplyOutput(Inputs(0), ModelOutput(0), actuator);
        interlock.ProcessAlert(MakeAlert(AlertKind.InputDrift, AlertSeverity.Critical));
        for (int frame = 1; frame < 50; frame++)
        {
            interlock.ApplyOutput(Inputs(frame), ModelOutput(frame), actuator);
        }

        Assert.False(interlock.ProcessAlert(MakeAlert(AlertKind.InputDrift, AlertSeverity.Critical, AlertState.Cleared)));
        Assert.Equal(InterlockState.Tripped, interlock.State);

        // Unauthenticated: nothing changes, not even the replay counter.
        Assert.Equal(ClearOutcome.NotAuthentic, interlock.TryClear(Command(1, signature: "forged")));
        Assert.Equal(InterlockState.Tripped, interlock.State);
        Assert.Equal(PinValue.High, _driver.ValueOf(Relay));
        interlock.ApplyOutput(Inputs(50), ModelOutput(50), actuator);
        Assert.Equal([0f, 0f], actuator); // still holding frame 0's action

        Assert.Equal(ClearOutcome.Cleared, interlock.TryClear(Command(1)));
        Assert.Equal(InterlockState.Armed, interlock.State);
        Assert.Equal(PinValue.Low, _driver.ValueOf(Relay));
        Assert.Equal(PinValue.Low, _driver.ValueOf(Beacon));
        interlock.ApplyOutput(Inputs(51), ModelOutput(51), actuator);
        Assert.Equal(ModelOutput(51), actuator);

        InterlockTransition clear = _transitions[^1];
        Assert.Equal((InterlockState.Tripped, InterlockState.Armed, InterlockCause.Command), (clear.From, clear.To, clear.Cause));
        Assert.Contains("operator-ana", clear.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ResetInputEdge_ClearsTheLatch_OtherEdgeDoesNot()
    {
        using SafetyInterlock interlock = Create();
        Assert.Equal(1, _driver.CallbackCount(ResetButton));
        Assert.Equal(PinMode.InputPullUp, _driver.ModeOf(ResetButton));
        interlock.ProcessAlert(MakeAlert(AlertKind.CanaryMismatch, AlertSeverity.Critical));
        _driver.SetInput(ResetButton, PinValue.Low);  // pressed: falling edge
        Assert.Equal(InterlockState.Armed, interlock.State);
        Assert.Equal(PinValue.Low, _driver.ValueOf(Relay));
        Assert.Equal(InterlockCause.ResetInput, _transitions[^1].Cause);

        interlock.ProcessAlert(MakeAlert(AlertKind.CanaryMismatch, AlertSeverity.Critical));
        _driver.SetInput(ResetButton, PinValue.High); // released: rising edge is not the configured edge
        Assert.Equal(InterlockState.Tripped, interlock.State);
        Assert.Equal(PinValue.High, _driver.ValueOf(Relay));
    }

    [Fact]
    public void ResetInputWhileArmed_ChangesNothing()
    {
        using SafetyInterlock interlock = Create();
        _driver.SetInput(ResetButton, PinValue.Low);
        Assert.Equal(InterlockState.Armed, interlock.State);
        Assert.Empty(_transitions);
    }

    [Fact]
    public void Commands_ReplayedWrongDeviceOrExpired_AreRejected()
    {
        using SafetyInterlock interlock = Create();
        interlock.ProcessAlert(MakeAlert(AlertKind.InputDrift, AlertSeverity.Critical));
        Assert.Equal(ClearOutcome.WrongDevice, interlock.TryClear(Command(5, device: "robot-8")));
        InterlockClearCommand stale = Command(5);
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(ClearOutcome.Expired, interlock.TryClear(stale));
        Assert.Equal(InterlockState.Tripped, interlock.State);

        Assert.Equal(ClearOutcome.Cleared, interlock.TryClear(Command(7)));
        interlock.ProcessAlert(MakeAlert(AlertKind.InputDrift, AlertSeverity.Critical));
        Assert.Equal(ClearOutcome.Replayed, interlock.TryClear(Command(7)));
        Assert.Equal(ClearOutcome.Replayed, interlock.TryClear(Command(6)));
        Assert.Equal(InterlockState.Tripped, interlock.State);
        Assert.Equal(ClearOutcome.Cleared, interlock.TryClear(Command(8)));
        Assert.Equal(ClearOutcome.NotTripped, interlock.TryClear(Command(9)));
    }

    [Fact]
    public void ActiveLowLine_IsHighWhenArmedAndLowWhenTripped()
    {
        using SafetyInterlock interlock = Create(activeLowBeacon: true);
        Assert.Equal(PinValue.High, _driver.ValueOf(Beacon));
        interlock.ProcessAlert(MakeAlert(AlertKind.InputDrift, AlertSeverity.Critical));
        Assert.Equal(PinValue.Low, _driver.ValueOf(Beacon));
        Assert.Equal(PinValue.High, _driver.ValueOf(Relay));
    }

    [Fact]
    public void OutputWriteFails_TripStillLatchesAndReportsTheFault()
    {
        using SafetyInterlock interlock = Create(FallbackMode.ZeroAction);
        _driver.FailingWrites.Add(Beacon);
        Assert.True(interlock.ProcessAlert(MakeAlert(AlertKind.InputDrift, AlertSeverity.Critical)));
        Assert.Equal(InterlockState.Tripped, interlock.State);
        Assert.Equal(PinValue.High, _driver.ValueOf(Relay));
        string? fault = Assert.Single(_transitions).OutputFault;
        Assert.NotNull(fault);
        Assert.Contains("pin 24 (beacon)", fault, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyOutput_ArmedAndTripped_AllocatesNothing()
    {
        using SafetyInterlock interlock = Create();
        float[] input = [1, 2];
        float[] output = [3, 4];
        float[] actuator = new float[2];
        interlock.ApplyOutput(input, output, actuator);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            interlock.ApplyOutput(input, output, actuator);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        interlock.ProcessAlert(MakeAlert(AlertKind.InputDrift, AlertSeverity.Critical));
        interlock.ApplyOutput(input, output, actuator);
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            interlock.ApplyOutput(input, output, actuator);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task ConcurrentAlertsAndResets_EndConsistent()
    {
        using SafetyInterlock interlock = Create(FallbackMode.ZeroAction);
        Alert alert = MakeAlert(AlertKind.InputDrift, AlertSeverity.Critical);
        Task alerts = Task.Run(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                interlock.ProcessAlert(alert);
            }
        });
        Task commands = Task.Run(() =>
        {
            for (int i = 1; i <= 2000; i++)
            {
                interlock.TryClear(Command(i));
            }
        });
        await Task.WhenAll(alerts, commands);
        interlock.ProcessAlert(alert);
        Assert.Equal(InterlockState.Tripped, interlock.State);
        Assert.Equal(PinValue.High, _driver.ValueOf(Relay));
        // Transitions alternate strictly: trip, clear, trip, ...
        for (int i = 0; i < _transitions.Count; i++)
        {
            Assert.Equal(i % 2 == 0 ? InterlockState.Tripped : InterlockState.Armed, _transitions[i].To);
        }
    }

    [Fact]
    public void Options_Invalid_ListsEveryProblem()
    {
        var options = new InterlockOptions { OutputWidth = 0, Fallback = FallbackMode.Policy, CommandMaxAge = TimeSpan.Zero };
        options.Outputs.Add(new InterlockOutputLine(5));
        options.Outputs.Add(new InterlockOutputLine(5));
        options.ResetInput = new InterlockResetInput(5, PinEventTypes.None, PinMode.Output);
        options.Rules.Add(new InterlockRule((AlertSeverity)9, (AlertKind)42));
        IReadOnlyList<string> problems = options.Validate();
        Assert.Equal(9, problems.Count); // width, duplicate pin, reset pin clash, edge, mode, severity, kind, policy, max age
        Assert.Contains(problems, p => p.Contains("OutputWidth", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Outputs[1].Pin 5 is used twice", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("ResetInput.Pin 5 is also an output", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("FallbackPolicy is null", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new SafetyInterlock(_controller, options, Device, new DelegateClearCommandVerifier(_ => true), _time));
    }
}
