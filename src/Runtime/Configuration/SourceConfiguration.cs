using EdgeSentinel.Runtime.Sensors;

namespace EdgeSentinel.Runtime.Configuration;

/// <summary>The input source of a device: its kind and the settings of that kind.</summary>
public sealed class SourceConfiguration
{
    /// <summary>The accepted values of <see cref="Kind"/>.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["simulator", "csv", "ndjson", "mpu6050", "gpio"];

    /// <summary>The source kind: simulator, csv, ndjson, mpu6050 or gpio.</summary>
    /// <value>Required.</value>
    public string Kind { get; set; } = string.Empty;

    /// <summary>The recording to replay (csv and ndjson; absolute).</summary>
    /// <value>Required for csv and ndjson; not allowed otherwise.</value>
    public string? Path { get; set; }

    /// <summary>The expected feature names of a recording, in order; null accepts the file's own names.</summary>
    /// <value>Default: null.</value>
    public IReadOnlyList<string>? Features { get; set; }

    /// <summary>Frames per second (0 &lt; rate ≤ 10,000); null: replay runs unpaced, live sources run at 50 Hz.</summary>
    /// <value>Default: null.</value>
    public double? FrameRateHz { get; set; }

    /// <summary>Simulator settings (kind simulator).</summary>
    /// <value>Default: the built-in robot world, seed 1.</value>
    public SimulatorSettings? Simulator { get; set; }

    /// <summary>MPU-6050 settings (kind mpu6050).</summary>
    /// <value>Default: bus 1, address 0x68, ±2 g, ±250 °/s.</value>
    public Mpu6050Settings? Mpu6050 { get; set; }

    /// <summary>GPIO digital inputs (kind gpio, or appended after an mpu6050's seven values).</summary>
    /// <value>Default: none; required and non-empty for kind gpio.</value>
    public IReadOnlyList<GpioInputSettings> GpioInputs { get; set; } = [];
}

/// <summary>Settings of a simulated world.</summary>
public sealed class SimulatorSettings
{
    /// <summary>The world's name as known to the Simulation project, e.g. "robot".</summary>
    /// <value>Default: "robot".</value>
    public string World { get; set; } = "robot";

    /// <summary>The random seed (runs with the same seed are identical).</summary>
    /// <value>Default: 1.</value>
    public long Seed { get; set; } = 1;

    /// <summary>The named scenario to play (e.g. "clean", "drift", "sleeper"); null for the world's default.</summary>
    /// <value>Default: null.</value>
    public string? Scenario { get; set; }

    /// <summary>The frame at which the scenario's change (drift, sleeper cue, ...) begins; null for the scenario's default.</summary>
    /// <value>Default: null.</value>
    public int? ChangeAtFrame { get; set; }
}

/// <summary>Settings of the MPU-6050 source.</summary>
public sealed class Mpu6050Settings
{
    /// <summary>The accepted accelerometer ranges.</summary>
    public static IReadOnlyList<string> AccelerometerRanges { get; } = ["2g", "4g", "8g", "16g"];

    /// <summary>The accepted gyroscope ranges.</summary>
    public static IReadOnlyList<string> GyroscopeRanges { get; } = ["250dps", "500dps", "1000dps", "2000dps"];

    /// <summary>The I2C bus number (/dev/i2c-N).</summary>
    /// <value>Default: 1 (the Raspberry Pi header bus); 0–255.</value>
    public int BusId { get; set; } = 1;

    /// <summary>The 7-bit I2C address: 0x68 (AD0 low) or 0x69 (AD0 high); written as a number (104 or 105) or a string "0x68".</summary>
    /// <value>Default: 0x68.</value>
    public int Address { get; set; } = Mpu6050Registers.DefaultAddress;

    /// <summary>Accelerometer range: 2g, 4g, 8g or 16g.</summary>
    /// <value>Default: "2g".</value>
    public string AccelerometerRange { get; set; } = "2g";

    /// <summary>Gyroscope range: 250dps, 500dps, 1000dps or 2000dps.</summary>
    /// <value>Default: "250dps".</value>
    public string GyroscopeRange { get; set; } = "250dps";

    /// <summary>Identical readings in a row reported as a stuck sensor; 0 disables the check.</summary>
    /// <value>Default: 50.</value>
    public int StuckReadingLimit { get; set; } = 50;

    /// <summary>The driver options these settings describe (the settings must have been validated).</summary>
    public Mpu6050Options ToOptions() => new()
    {
        AccelerometerRange = (AccelerometerRange)IndexOf(AccelerometerRanges, AccelerometerRange),
        GyroscopeRange = (GyroscopeRange)IndexOf(GyroscopeRanges, GyroscopeRange),
        StuckReadingLimit = StuckReadingLimit,
    };

    private static int IndexOf(IReadOnlyList<string> values, string value)
    {
        for (int i = 0; i < values.Count; i++)
        {
            if (values[i] == value)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"'{value}' is not one of {string.Join("|", values)}.");
    }
}

/// <summary>One GPIO digital input of the source.</summary>
public sealed class GpioInputSettings
{
    /// <summary>The accepted values of <see cref="Pull"/>.</summary>
    public static IReadOnlyList<string> Pulls { get; } = ["none", "up", "down"];

    /// <summary>The pin number (the controller's logical numbering, BCM on a Raspberry Pi).</summary>
    /// <value>Required; 0–1023.</value>
    public int Pin { get; set; }

    /// <summary>The feature name of the input's value.</summary>
    /// <value>Required.</value>
    public string Name { get; set; } = string.Empty;

    /// <summary>The pull resistor: none, up or down.</summary>
    /// <value>Default: "none".</value>
    public string Pull { get; set; } = "none";

    /// <summary>The GPIO input this describes (the settings must have been validated).</summary>
    public GpioInput ToGpioInput() => new(Pin, Name, Pull switch
    {
        "up" => System.Device.Gpio.PinMode.InputPullUp,
        "down" => System.Device.Gpio.PinMode.InputPullDown,
        _ => System.Device.Gpio.PinMode.Input,
    });
}
