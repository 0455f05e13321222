namespace EdgeSentinel.Runtime.Sensors;

/// <summary>A hardware or source fault that the runtime turns into a <c>runtime-health</c> alert instead of crashing.</summary>
/// <param name="Component">What failed, e.g. "mpu6050@1:0x68" or "gpio-input:17".</param>
/// <param name="Fault">The kind of fault.</param>
/// <param name="Message">A specific description: what, where, why.</param>
/// <param name="At">When the fault was seen (from the component's <see cref="TimeProvider"/>).</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record RuntimeHealthEvent(string Component, RuntimeHealthFault Fault, string Message, DateTimeOffset At);

/// <summary>Kinds of hardware and source faults.</summary>
public enum RuntimeHealthFault
{
    /// <summary>An I2C transfer failed (IOException from the bus).</summary>
    I2cError = 0,

    /// <summary>A device's identity register did not hold the expected value.</summary>
    IdentityMismatch = 1,

    /// <summary>A sensor returned the same raw reading too many times in a row.</summary>
    StuckValues = 2,

    /// <summary>A GPIO line could not be read or written.</summary>
    GpioError = 3,

    /// <summary>A component that had failed works again (informational).</summary>
    Recovered = 4,
}
