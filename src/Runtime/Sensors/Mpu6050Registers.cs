namespace EdgeSentinel.Runtime.Sensors;

/// <summary>MPU-6050 register addresses and constants (InvenSense RM-MPU-6000A-00 rev 4.2).</summary>
public static class Mpu6050Registers
{
    /// <summary>The default 7-bit I2C address (AD0 low); 0x69 with AD0 high.</summary>
    public const int DefaultAddress = 0x68;

    /// <summary>The value WHO_AM_I holds on a genuine MPU-6050.</summary>
    public const byte ExpectedIdentity = 0x68;

    /// <summary>GYRO_CONFIG (FS_SEL in bits 4:3).</summary>
    public const byte GyroConfig = 0x1B;

    /// <summary>ACCEL_CONFIG (AFS_SEL in bits 4:3).</summary>
    public const byte AccelConfig = 0x1C;

    /// <summary>ACCEL_XOUT_H: first of the 14 data registers (accel X/Y/Z, temperature, gyro X/Y/Z; big-endian 16-bit).</summary>
    public const byte AccelXOutHigh = 0x3B;

    /// <summary>The number of data registers read in one burst.</summary>
    public const int DataLength = 14;

    /// <summary>PWR_MGMT_1 (SLEEP is bit 6; CLKSEL bits 2:0); resets to 0x40 (asleep).</summary>
    public const byte PowerManagement1 = 0x6B;

    /// <summary>WHO_AM_I identity register.</summary>
    public const byte WhoAmI = 0x75;

    /// <summary>The SLEEP bit of PWR_MGMT_1.</summary>
    public const byte SleepBit = 0x40;

    /// <summary>PWR_MGMT_1 value written on wake: awake, clock from the X-gyro PLL (recommended by the datasheet).</summary>
    public const byte WakeWithGyroClock = 0x01;
}
