namespace EdgeSentinel.Runtime.Sensors;

/// <summary>One MPU-6050 sample in SI units: acceleration in m/s², angular rate in rad/s, die temperature in °C.</summary>
/// <remarks>Immutable and thread-safe. <see cref="CopyTo"/> writes the order of <see cref="Mpu6050.FeatureNames"/>.</remarks>
public readonly record struct Mpu6050Reading(
    float AccelerationX,
    float AccelerationY,
    float AccelerationZ,
    float AngularRateX,
    float AngularRateY,
    float AngularRateZ,
    float TemperatureCelsius)
{
    /// <summary>The number of values <see cref="CopyTo"/> writes.</summary>
    public const int ValueCount = 7;

    /// <summary>Writes the seven values (accel X/Y/Z, gyro X/Y/Z, temperature) into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, ValueCount, nameof(destination));
        destination[0] = AccelerationX;
        destination[1] = AccelerationY;
        destination[2] = AccelerationZ;
        destination[3] = AngularRateX;
        destination[4] = AngularRateY;
        destination[5] = AngularRateZ;
        destination[6] = TemperatureCelsius;
    }
}
