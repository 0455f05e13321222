namespace EdgeSentinel.Runtime.Sensors;

/// <summary>MPU-6050 accelerometer full-scale range (ACCEL_CONFIG AFS_SEL); the value is the register field.</summary>
public enum AccelerometerRange
{
    /// <summary>±2 g, 16384 LSB/g.</summary>
    PlusMinus2G = 0,

    /// <summary>±4 g, 8192 LSB/g.</summary>
    PlusMinus4G = 1,

    /// <summary>±8 g, 4096 LSB/g.</summary>
    PlusMinus8G = 2,

    /// <summary>±16 g, 2048 LSB/g.</summary>
    PlusMinus16G = 3,
}

/// <summary>MPU-6050 gyroscope full-scale range (GYRO_CONFIG FS_SEL); the value is the register field.</summary>
public enum GyroscopeRange
{
    /// <summary>±250 °/s, 131 LSB/(°/s).</summary>
    PlusMinus250DegreesPerSecond = 0,

    /// <summary>±500 °/s, 65.5 LSB/(°/s).</summary>
    PlusMinus500DegreesPerSecond = 1,

    /// <summary>±1000 °/s, 32.8 LSB/(°/s).</summary>
    PlusMinus1000DegreesPerSecond = 2,

    /// <summary>±2000 °/s, 16.4 LSB/(°/s).</summary>
    PlusMinus2000DegreesPerSecond = 3,
}
