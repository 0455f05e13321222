namespace EdgeSentinel.Runtime.Sensors;

/// <summary>Options of the MPU-6050 driver.</summary>
public sealed class Mpu6050Options
{
    /// <summary>The accelerometer full-scale range.</summary>
    /// <value>Default: ±2 g (the finest resolution).</value>
    public AccelerometerRange AccelerometerRange { get; set; } = AccelerometerRange.PlusMinus2G;

    /// <summary>The gyroscope full-scale range.</summary>
    /// <value>Default: ±250 °/s.</value>
    public GyroscopeRange GyroscopeRange { get; set; } = GyroscopeRange.PlusMinus250DegreesPerSecond;

    /// <summary>The number of identical raw readings in a row after which the sensor is reported stuck; 0 disables the check.</summary>
    /// <value>Default: 50 (a live sensor's noise changes the low bits on nearly every sample).</value>
    public int StuckReadingLimit { get; set; } = 50;

    /// <summary>Returns every problem with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(AccelerometerRange))
        {
            problems.Add($"{nameof(AccelerometerRange)} {(int)AccelerometerRange} is not defined.");
        }

        if (!Enum.IsDefined(GyroscopeRange))
        {
            problems.Add($"{nameof(GyroscopeRange)} {(int)GyroscopeRange} is not defined.");
        }

        if (StuckReadingLimit is < 0 or 1)
        {
            problems.Add($"{nameof(StuckReadingLimit)} must be 0 (off) or >= 2 (was {StuckReadingLimit}).");
        }

        return problems;
    }
}
