using System.Buffers.Binary;
using System.Device.I2c;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace EdgeSentinel.Runtime.Sensors;

/// <summary>MPU-6050 6-axis IMU driver over an <see cref="I2cDevice"/>: identity check, wake, ranges, SI-scaled burst reads.</summary>
/// <remarks>
/// Faults never throw: an I2C <see cref="IOException"/>, a wrong WHO_AM_I value or a stuck sensor is
/// reported once per episode to the <see cref="IRuntimeHealthSink"/> and the call returns false (stuck
/// readings are still returned, flagged by <see cref="IsStuck"/>). A successful read allocates nothing.
/// Not thread-safe: one caller at a time (the inference loop). The driver owns neither the device nor the sink.
/// </remarks>
public sealed class Mpu6050
{
    /// <summary>Standard gravity in m/s² (CGPM 1901), used to scale g to m/s².</summary>
    public const double StandardGravity = 9.80665;

    private static readonly string[] Names =
        ["accel_x", "accel_y", "accel_z", "gyro_x", "gyro_y", "gyro_z", "temperature"];

    private readonly I2cDevice _device;
    private readonly IRuntimeHealthSink _health;
    private readonly TimeProvider _timeProvider;
    private readonly AccelerometerRange _accelerometerRange;
    private readonly GyroscopeRange _gyroscopeRange;
    private readonly int _stuckLimit;
    private readonly float _accelScale;
    private readonly float _gyroScale;
    private readonly string _component;
    private long _lastRaw0;
    private long _lastRaw1;
    private int _identicalRun;
    private bool _faulted;

    /// <summary>Creates the driver; it does not touch the bus until <see cref="TryInitialize"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    public Mpu6050(I2cDevice device, Mpu6050Options options, IRuntimeHealthSink health, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(timeProvider);
        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid MPU-6050 options: " + string.Join(" ", problems), nameof(options));
        }

        _device = device;
        _health = health;
        _timeProvider = timeProvider;
        _accelerometerRange = options.AccelerometerRange;
        _gyroscopeRange = options.GyroscopeRange;
        _stuckLimit = options.StuckReadingLimit;
        _accelScale = (float)(StandardGravity / AccelerometerLsbPerG(_accelerometerRange));
        _gyroScale = (float)(Math.PI / 180.0 / GyroscopeLsbPerDegreePerSecond(_gyroscopeRange));
        I2cConnectionSettings settings = device.ConnectionSettings;
        _component = string.Create(CultureInfo.InvariantCulture, $"mpu6050@{settings.BusId}:0x{settings.DeviceAddress:x2}");
    }

    /// <summary>The feature names of <see cref="Mpu6050Reading.CopyTo"/>, in order.</summary>
    public static IReadOnlyList<string> FeatureNames => Names;

    /// <summary>The component name used in health events, e.g. "mpu6050@1:0x68".</summary>
    public string Component => _component;

    /// <summary>True once <see cref="TryInitialize"/> succeeded and no I2C error has happened since.</summary>
    public bool IsInitialized { get; private set; }

    /// <summary>True while the raw readings have been identical for at least <see cref="Mpu6050Options.StuckReadingLimit"/> reads.</summary>
    public bool IsStuck => _stuckLimit > 0 && _identicalRun >= _stuckLimit;

    /// <summary>The number of failed transfers since creation.</summary>
    public long I2cErrors { get; private set; }

    /// <summary>Accelerometer sensitivity in LSB per g for a range (datasheet PS-MPU-6000A table 6.2).</summary>
    public static double AccelerometerLsbPerG(AccelerometerRange range) => range switch
    {
        AccelerometerRange.PlusMinus2G => 16384,
        AccelerometerRange.PlusMinus4G => 8192,
        AccelerometerRange.PlusMinus8G => 4096,
        AccelerometerRange.PlusMinus16G => 2048,
        _ => throw new ArgumentOutOfRangeException(nameof(range), range, "Not a defined range."),
    };

    /// <summary>Gyroscope sensitivity in LSB per °/s for a range (datasheet PS-MPU-6000A table 6.1).</summary>
    public static double GyroscopeLsbPerDegreePerSecond(GyroscopeRange range) => range switch
    {
        GyroscopeRange.PlusMinus250DegreesPerSecond => 131,
        GyroscopeRange.PlusMinus500DegreesPerSecond => 65.5,
        GyroscopeRange.PlusMinus1000DegreesPerSecond => 32.8,
        GyroscopeRange.PlusMinus2000DegreesPerSecond => 16.4,
        _ => throw new ArgumentOutOfRangeException(nameof(range), range, "Not a defined range."),
    };

    /// <summary>Die temperature in °C from the raw TEMP_OUT value: raw / 340 + 36.53 (register map, section 4.18).</summary>
    public static float TemperatureFromRaw(short raw) => (float)(raw / 340.0 + 36.53);

    /// <summary>Checks WHO_AM_I, wakes the chip and writes both ranges; false (with a health event) on identity mismatch or I2C error.</summary>
    public bool TryInitialize()
    {
        try
        {
            byte identity = ReadRegister(Mpu6050Registers.WhoAmI);
            if (identity != Mpu6050Registers.ExpectedIdentity)
            {
                IsInitialized = false;
                ReportFault(
                    RuntimeHealthFault.IdentityMismatch,
                    string.Create(CultureInfo.InvariantCulture, $"WHO_AM_I (0x75) holds 0x{identity:x2}, expected 0x{Mpu6050Registers.ExpectedIdentity:x2}: not an MPU-6050 or wrong address."));
                return false;
            }

            WriteRegister(Mpu6050Registers.PowerManagement1, Mpu6050Registers.WakeWithGyroClock);
            WriteRegister(Mpu6050Registers.GyroConfig, (byte)((int)_gyroscopeRange << 3));
            WriteRegister(Mpu6050Registers.AccelConfig, (byte)((int)_accelerometerRange << 3));
            byte power = ReadRegister(Mpu6050Registers.PowerManagement1);
            if ((power & Mpu6050Registers.SleepBit) != 0)
            {
                IsInitialized = false;
                ReportFault(
                    RuntimeHealthFault.I2cError,
                    string.Create(CultureInfo.InvariantCulture, $"PWR_MGMT_1 (0x6b) reads 0x{power:x2} after the wake write: the chip is still asleep."));
                return false;
            }
        }
        catch (IOException e)
        {
            OnI2cError("initialization", e);
            return false;
        }

        IsInitialized = true;
        _identicalRun = 0;
        ReportRecoveredIfFaulted();
        return true;
    }

    /// <summary>Reads the 14 data registers in one burst and scales them to SI units; false (with a health event) on an I2C error or when not initialized.</summary>
    /// <remarks>Allocates nothing. A stuck sensor still returns its reading; see <see cref="IsStuck"/>.</remarks>
    public bool TryRead(out Mpu6050Reading reading)
    {
        reading = default;
        if (!IsInitialized && !TryInitialize())
        {
            return false;
        }

        Span<byte> data = stackalloc byte[Mpu6050Registers.DataLength];
        try
        {
            ReadOnlySpan<byte> pointer = [Mpu6050Registers.AccelXOutHigh];
            _device.WriteRead(pointer, data);
        }
        catch (IOException e)
        {
            OnI2cError("data burst read", e);
            return false;
        }

        TrackStuck(data);
        reading = new Mpu6050Reading(
            BinaryPrimitives.ReadInt16BigEndian(data) * _accelScale,
            BinaryPrimitives.ReadInt16BigEndian(data[2..]) * _accelScale,
            BinaryPrimitives.ReadInt16BigEndian(data[4..]) * _accelScale,
            BinaryPrimitives.ReadInt16BigEndian(data[8..]) * _gyroScale,
            BinaryPrimitives.ReadInt16BigEndian(data[10..]) * _gyroScale,
            BinaryPrimitives.ReadInt16BigEndian(data[12..]) * _gyroScale,
            TemperatureFromRaw(BinaryPrimitives.ReadInt16BigEndian(data[6..])));
        if (!IsStuck)
        {
            ReportRecoveredIfFaulted();
        }

        return true;
    }

    private void TrackStuck(ReadOnlySpan<byte> data)
    {
        if (_stuckLimit == 0)
        {
            return;
        }

        long raw0 = BinaryPrimitives.ReadInt64LittleEndian(data);
        long raw1 = BinaryPrimitives.ReadInt64LittleEndian(data[6..]);
        if (_identicalRun > 0 && raw0 == _lastRaw0 && raw1 == _lastRaw1)
        {
            _identicalRun++;
            if (_identicalRun == _stuckLimit)
            {
                ReportStuck();
            }
        }
        else
        {
            _identicalRun = 1;
            _lastRaw0 = raw0;
            _lastRaw1 = raw1;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReportStuck() =>
        ReportFault(
            RuntimeHealthFault.StuckValues,
            string.Create(CultureInfo.InvariantCulture, $"{_stuckLimit} identical raw readings in a row: the sensor output is stuck."));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnI2cError(string operation, IOException e)
    {
        I2cErrors++;
        IsInitialized = false;
        ReportFault(RuntimeHealthFault.I2cError, $"I2C {operation} failed: {e.Message}");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReportFault(RuntimeHealthFault fault, string message)
    {
        _faulted = true;
        _health.Report(new RuntimeHealthEvent(_component, fault, message, _timeProvider.GetUtcNow()));
    }

    private void ReportRecoveredIfFaulted()
    {
        if (_faulted)
        {
            _faulted = false;
            _health.Report(new RuntimeHealthEvent(_component, RuntimeHealthFault.Recovered, "The sensor responds with changing readings again.", _timeProvider.GetUtcNow()));
        }
    }

    private byte ReadRegister(byte register)
    {
        ReadOnlySpan<byte> pointer = [register];
        Span<byte> value = stackalloc byte[1];
        _device.WriteRead(pointer, value);
        return value[0];
    }

    private void WriteRegister(byte register, byte value)
    {
        ReadOnlySpan<byte> write = [register, value];
        _device.Write(write);
    }
}
