using System.Device.Gpio;
using System.Globalization;
using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Runtime.Safety;

/// <summary>The safety interlock: a matching alert asserts the output lines at once and switches the actuators to a fallback from the next <see cref="ApplyOutput"/> call on, latched until the reset input or an authenticated command clears it.</summary>
/// <remarks>
/// <para>Frame protocol on the inference thread: the frame's alerts go to <see cref="ProcessAlert"/>, then
/// <see cref="ApplyOutput"/> writes the frame's actuator output (the device loop makes that call after the frame's own
/// monitoring, so an alert raised by the frame itself vetoes that frame's output). A trip writes the output lines inside
/// <see cref="ProcessAlert"/> and the fallback applies from the next <see cref="ApplyOutput"/> call.</para>
/// <para>Thread-safety: <see cref="ProcessAlert"/>, <see cref="TryClear"/> and the reset-input callback may run on any
/// threads; state changes are serialized by one lock and announced by <see cref="StateChanged"/> in order, inside the
/// lock (handlers must be quick and must not block). <see cref="ApplyOutput"/> must be called by one thread at a time;
/// it takes no lock and allocates nothing, reading the latch through a volatile field.</para>
/// <para>A GPIO write that fails does not stop the trip: the fallback still applies, the failure is reported in
/// <see cref="InterlockTransition.OutputFault"/>, and the next matching alert writes the lines again.</para>
/// </remarks>
public sealed class SafetyInterlock : IDisposable
{
    private readonly GpioController _controller;
    private readonly InterlockOutputLine[] _outputs;
    private readonly InterlockRule[] _rules;
    private readonly InterlockResetInput? _reset;
    private readonly FallbackMode _fallback;
    private readonly FallbackPolicy? _policy;
    private readonly TimeSpan _commandMaxAge;
    private readonly string _deviceId;
    private readonly IClearCommandVerifier _verifier;
    private readonly TimeProvider _timeProvider;
    private readonly float[] _lastAction;
    private readonly Lock _gate = new();
    private volatile bool _tripped;
    private bool _fallbackEngaged;
    private long _lastSequence = long.MinValue;
    private long _framesOnFallback;
    private long _trips;
    private bool _disposed;

    /// <summary>Opens the output lines (de-asserted) and the reset input, and arms the interlock.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    public SafetyInterlock(GpioController controller, InterlockOptions options, string deviceId, IClearCommandVerifier verifier, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentNullException.ThrowIfNull(timeProvider);
        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid interlock options: " + string.Join(" ", problems), nameof(options));
        }

        _controller = controller;
        _outputs = [.. options.Outputs];
        _rules = [.. options.Rules];
        _reset = options.ResetInput;
        _fallback = options.Fallback;
        _policy = options.FallbackPolicy;
        _commandMaxAge = options.CommandMaxAge;
        _deviceId = deviceId;
        _verifier = verifier;
        _timeProvider = timeProvider;
        _lastAction = new float[options.OutputWidth];

        var opened = new List<int>();
        try
        {
            foreach (InterlockOutputLine line in _outputs)
            {
                controller.OpenPin(line.Pin, PinMode.Output, Level(line, asserted: false));
                opened.Add(line.Pin);
            }

            if (_reset is { } reset)
            {
                controller.OpenPin(reset.Pin, reset.Mode);
                opened.Add(reset.Pin);
                controller.RegisterCallbackForPinValueChangedEvent(reset.Pin, reset.Edge, OnResetEdge);
            }
        }
        catch
        {
            foreach (int pin in opened)
            {
                controller.ClosePin(pin);
            }

            throw;
        }
    }

    /// <summary>Raised on every state change, in order, inside the interlock's lock.</summary>
    public event EventHandler<InterlockTransition>? StateChanged;

    /// <summary>The current state.</summary>
    public InterlockState State => _tripped ? InterlockState.Tripped : InterlockState.Armed;

    /// <summary>The number of frames whose actuator output came from the fallback.</summary>
    public long FramesOnFallback => Interlocked.Read(ref _framesOnFallback);

    /// <summary>The number of times the interlock tripped.</summary>
    public long Trips => Interlocked.Read(ref _trips);

    /// <summary>The width of the action output.</summary>
    public int OutputWidth => _lastAction.Length;

    /// <summary>Writes this frame's actuator output: the model's output while armed, the fallback once tripped.</summary>
    /// <remarks>Allocates nothing and takes no lock; one caller at a time (the inference thread).</remarks>
    /// <exception cref="ArgumentException">A span is shorter than <see cref="OutputWidth"/>.</exception>
    public void ApplyOutput(ReadOnlySpan<float> inputs, ReadOnlySpan<float> modelOutput, Span<float> actuatorOutput)
    {
        int width = _lastAction.Length;
        if (modelOutput.Length < width || actuatorOutput.Length < width)
        {
            ThrowWidth(modelOutput.Length, actuatorOutput.Length);
        }

        if (!_tripped)
        {
            _fallbackEngaged = false;
            modelOutput[..width].CopyTo(_lastAction);
            modelOutput[..width].CopyTo(actuatorOutput);
            return;
        }

        _fallbackEngaged = true;
        Interlocked.Increment(ref _framesOnFallback);
        switch (_fallback)
        {
            case FallbackMode.HoldLastAction:
                _lastAction.CopyTo(actuatorOutput);
                break;
            case FallbackMode.ZeroAction:
                actuatorOutput[..width].Clear();
                break;
            default:
                _policy!(inputs, actuatorOutput[..width]);
                break;
        }
    }

    /// <summary>Checks an alert against the rules; a match trips the interlock and writes the output lines before returning.</summary>
    /// <returns>True when the alert matched a rule (whether or not the interlock was already tripped).</returns>
    public bool ProcessAlert(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.State == AlertState.Cleared || !MatchesAnyRule(alert))
        {
            return false;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            string? fault = WriteOutputs(asserted: true);
            if (!_tripped)
            {
                _tripped = true;
                _trips++;
                string detail = string.Create(
                    CultureInfo.InvariantCulture,
                    $"alert {alert.Id} ({AlertKinds.ToWireName(alert.Kind)}, {AlertSeverities.ToWireName(alert.Severity)}, {alert.Subject})");
                Announce(InterlockState.Armed, InterlockState.Tripped, InterlockCause.Alert, detail, fault);
            }
        }

        return true;
    }

    /// <summary>Clears the latch on an authentic, fresh, non-replayed command for this device; anything else changes nothing.</summary>
    public ClearOutcome TryClear(InterlockClearCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!string.Equals(command.DeviceId, _deviceId, StringComparison.Ordinal))
        {
            return ClearOutcome.WrongDevice;
        }

        DateTimeOffset now = _timeProvider.GetUtcNow();
        if (command.IssuedAt > now + TimeSpan.FromSeconds(30) || now - command.IssuedAt > _commandMaxAge)
        {
            return ClearOutcome.Expired;
        }

        bool authentic;
        try
        {
            authentic = _verifier.IsAuthentic(command);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            authentic = false;
        }

        if (!authentic)
        {
            return ClearOutcome.NotAuthentic;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (command.Sequence <= _lastSequence)
            {
                return ClearOutcome.Replayed;
            }

            _lastSequence = command.Sequence;
            if (!_tripped)
            {
                return ClearOutcome.NotTripped;
            }

            ClearLocked(InterlockCause.Command, string.Create(CultureInfo.InvariantCulture, $"command #{command.Sequence} from {command.IssuedBy}"));
            return ClearOutcome.Cleared;
        }
    }

    /// <summary>De-asserts the output lines, closes the pins and unregisters the reset callback.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_reset is { } reset && _controller.IsPinOpen(reset.Pin))
            {
                _controller.UnregisterCallbackForPinValueChangedEvent(reset.Pin, OnResetEdge);
                _controller.ClosePin(reset.Pin);
            }

            foreach (InterlockOutputLine line in _outputs)
            {
                if (_controller.IsPinOpen(line.Pin))
                {
                    _controller.ClosePin(line.Pin);
                }
            }
        }
    }

    /// <summary>True when the fallback was used by the last <see cref="ApplyOutput"/> call (for status reports).</summary>
    public bool FallbackEngaged => _fallbackEngaged;

    private static PinValue Level(InterlockOutputLine line, bool asserted) => asserted == line.ActiveHigh ? PinValue.High : PinValue.Low;

    private static void ThrowWidth(int model, int actuator) =>
        throw new ArgumentException($"Output spans must hold the action width; model output has {model}, actuator output {actuator}.");

    private bool MatchesAnyRule(Alert alert)
    {
        foreach (InterlockRule rule in _rules)
        {
            if (rule.Matches(alert))
            {
                return true;
            }
        }

        return false;
    }

    private void OnResetEdge(object sender, PinValueChangedEventArgs args)
    {
        lock (_gate)
        {
            if (_disposed || !_tripped)
            {
                return;
            }

            ClearLocked(InterlockCause.ResetInput, string.Create(CultureInfo.InvariantCulture, $"reset input pin {args.PinNumber} ({args.ChangeType})"));
        }
    }

    private void ClearLocked(InterlockCause cause, string detail)
    {
        string? fault = WriteOutputs(asserted: false);
        _tripped = false;
        Announce(InterlockState.Tripped, InterlockState.Armed, cause, detail, fault);
    }

    private string? WriteOutputs(bool asserted)
    {
        List<string>? faults = null;
        foreach (InterlockOutputLine line in _outputs)
        {
            try
            {
                _controller.Write(line.Pin, Level(line, asserted));
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                (faults ??= []).Add($"pin {line.Pin.ToString(CultureInfo.InvariantCulture)}{(line.Name is null ? string.Empty : $" ({line.Name})")}: {e.Message}");
            }
        }

        return faults is null ? null : string.Join("; ", faults);
    }

    private void Announce(InterlockState from, InterlockState to, InterlockCause cause, string detail, string? fault) =>
        StateChanged?.Invoke(this, new InterlockTransition(from, to, cause, detail, _timeProvider.GetUtcNow(), fault));
}
