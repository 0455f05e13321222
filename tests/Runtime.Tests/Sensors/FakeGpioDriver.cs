using System.Device.Gpio;

namespace EdgeSentinel.Runtime.Tests.Sensors;

/// <summary>Hand-written GPIO driver: pins in memory, a log of writes, edge callbacks fired by <see cref="SetInput"/>, injectable read faults.</summary>
internal sealed class FakeGpioDriver : GpioDriver
{
    private readonly Dictionary<int, PinValue> _values = [];
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly List<(int Pin, PinEventTypes Types, PinChangeEventHandler Handler)> _callbacks = [];

    public List<(int Pin, PinValue Value)> Writes { get; } = [];

    public HashSet<int> FailingReads { get; } = [];

    public HashSet<int> FailingWrites { get; } = [];

    public HashSet<int> OpenPins { get; } = [];

    protected override int PinCount => 64;

    public PinValue ValueOf(int pin) => _values.TryGetValue(pin, out PinValue v) ? v : PinValue.Low;

    public PinMode ModeOf(int pin) => _modes[pin];

    public int CallbackCount(int pin) => _callbacks.Count(c => c.Pin == pin);

    /// <summary>Drives an input line; fires the registered callbacks whose edge matches.</summary>
    public void SetInput(int pin, PinValue value)
    {
        PinValue old = ValueOf(pin);
        _values[pin] = value;
        if (old == value)
        {
            return;
        }

        PinEventTypes edge = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
        foreach (var (p, types, handler) in _callbacks.ToArray())
        {
            if (p == pin && (types & edge) != 0)
            {
                handler(this, new PinValueChangedEventArgs(edge, pin));
            }
        }
    }

    protected override void OpenPin(int pinNumber) => OpenPins.Add(pinNumber);

    protected override void ClosePin(int pinNumber) => OpenPins.Remove(pinNumber);

    protected override void SetPinMode(int pinNumber, PinMode mode) => _modes[pinNumber] = mode;

    protected override PinMode GetPinMode(int pinNumber) => _modes[pinNumber];

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber)
    {
        if (FailingReads.Contains(pinNumber))
        {
            throw new IOException($"fake: pin {pinNumber} read failed");
        }

        return ValueOf(pinNumber);
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        if (FailingWrites.Contains(pinNumber))
        {
            throw new IOException($"fake: pin {pinNumber} write failed");
        }

        Writes.Add((pinNumber, value));
        _values[pinNumber] = value;
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        new() { TimedOut = true, EventTypes = PinEventTypes.None };

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        _callbacks.Add((pinNumber, eventTypes, callback));

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
        _callbacks.RemoveAll(c => c.Pin == pinNumber && c.Handler == callback);
}
