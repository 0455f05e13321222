using System.Device.Gpio;

namespace EdgeSentinel.Runtime.Device;

/// <summary>A GPIO driver with no pins, for a safety interlock that has no output lines and no reset input (it only switches the actuators to the fallback) on a machine without a GPIO chip.</summary>
/// <remarks>Any attempt to use a pin throws <see cref="InvalidOperationException"/> naming the pin. Thread-safe (stateless).</remarks>
public sealed class PinlessGpioDriver : GpioDriver
{
    /// <inheritdoc />
    protected override int PinCount => 0;

    /// <inheritdoc />
    protected override void OpenPin(int pinNumber) => throw NoPin(pinNumber);

    /// <inheritdoc />
    protected override void ClosePin(int pinNumber)
    {
    }

    /// <inheritdoc />
    protected override void SetPinMode(int pinNumber, PinMode mode) => throw NoPin(pinNumber);

    /// <inheritdoc />
    protected override PinMode GetPinMode(int pinNumber) => throw NoPin(pinNumber);

    /// <inheritdoc />
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => false;

    /// <inheritdoc />
    protected override PinValue Read(int pinNumber) => throw NoPin(pinNumber);

    /// <inheritdoc />
    protected override void Write(int pinNumber, PinValue value) => throw NoPin(pinNumber);

    /// <inheritdoc />
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) => throw NoPin(pinNumber);

    /// <inheritdoc />
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) => throw NoPin(pinNumber);

    /// <inheritdoc />
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
    }

    private static InvalidOperationException NoPin(int pin) =>
        new($"GPIO pin {pin} is not available: this machine has no GPIO chip (pinless driver for a fallback-only interlock).");
}
