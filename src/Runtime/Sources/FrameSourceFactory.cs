using System.Device.Gpio;
using System.Device.I2c;
using EdgeSentinel.Runtime.Configuration;
using EdgeSentinel.Runtime.Sensors;

namespace EdgeSentinel.Runtime.Sources;

/// <summary>Creates the <see cref="IFrameSource"/> a device configuration names: simulator, CSV/NDJSON replay, MPU-6050 (plus GPIO inputs) or GPIO inputs.</summary>
/// <remarks>
/// Hardware is reached through replaceable factories so that tests and simulated devices can plug in
/// simulated chips and fake GPIO drivers. The GPIO controller is shared with the interlock and is not owned
/// by the sources; an I2C device the factory creates is owned by its source. Thread-safe if the delegates are.
/// </remarks>
public sealed class FrameSourceFactory
{
    private readonly IRuntimeHealthSink _health;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a factory that reports hardware faults to <paramref name="health"/>.</summary>
    public FrameSourceFactory(IRuntimeHealthSink health, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _health = health;
        _timeProvider = timeProvider;
    }

    /// <summary>Opens an I2C device for the MPU-6050.</summary>
    /// <value>Default: <see cref="I2cDevice.Create(I2cConnectionSettings)"/> (the board's /dev/i2c-N).</value>
    public Func<I2cConnectionSettings, I2cDevice> I2cDeviceFactory { get; init; } = I2cDevice.Create;

    /// <summary>The GPIO controller for GPIO inputs (shared with the interlock, not owned); null when the device has none.</summary>
    /// <value>Default: null.</value>
    public GpioController? GpioController { get; init; }

    /// <summary>Creates the simulated world of a simulator source (provided by the Simulation project).</summary>
    /// <value>Default: null (simulator sources cannot be created).</value>
    public Func<SimulatorSettings, ISimulatedWorld>? WorldFactory { get; init; }

    /// <summary>Creates the configured source; checks its width against <paramref name="expectedWidth"/> (the model's input width) when given.</summary>
    /// <remarks>An MPU-6050 that does not answer is not an error here: its frames are NaN and its faults become health events until it does.</remarks>
    /// <exception cref="FrameSourceException">The source cannot be created, or its width differs from <paramref name="expectedWidth"/> (both named).</exception>
    public async Task<IFrameSource> CreateAsync(SourceConfiguration configuration, int? expectedWidth = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IFrameSource source = configuration.Kind switch
        {
            "csv" or "ndjson" => await OpenReplayAsync(configuration, expectedWidth, cancellationToken).ConfigureAwait(false),
            "simulator" => CreateSimulator(configuration),
            "mpu6050" => CreateImu(configuration),
            "gpio" => CreateGpio(configuration.GpioInputs),
            _ => throw new FrameSourceException($"Unknown source kind '{configuration.Kind}' (expected {string.Join("|", SourceConfiguration.Kinds)})."),
        };

        if (expectedWidth is { } expected && source.Width != expected)
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw new FrameSourceException(
                $"The {configuration.Kind} source produces {source.Width} values per frame ({string.Join(", ", source.FeatureNames)}) but the model expects an input width of {expected}.");
        }

        return source;
    }

    private static Task<ReplaySource> OpenReplayAsync(SourceConfiguration configuration, int? expectedWidth, CancellationToken cancellationToken)
    {
        if (configuration.Path is null)
        {
            throw new FrameSourceException($"A {configuration.Kind} source needs a path.");
        }

        var options = new ReplayOptions { ExpectedWidth = expectedWidth, FeatureNames = configuration.Features };
        return ReplaySource.OpenFileAsync(configuration.Path, options, cancellationToken);
    }

    private SimulatorFrameSource CreateSimulator(SourceConfiguration configuration)
    {
        if (WorldFactory is null)
        {
            throw new FrameSourceException("A simulator source needs a world factory (from the Simulation project); none was given.");
        }

        return new SimulatorFrameSource(WorldFactory(configuration.Simulator ?? new SimulatorSettings()));
    }

    private IFrameSource CreateImu(SourceConfiguration configuration)
    {
        Mpu6050Settings settings = configuration.Mpu6050 ?? new Mpu6050Settings();
        GpioInputSource? gpio = configuration.GpioInputs.Count == 0 ? null : CreateGpio(configuration.GpioInputs);
        I2cDevice device;
        try
        {
            device = I2cDeviceFactory(new I2cConnectionSettings(settings.BusId, settings.Address));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or ArgumentException)
        {
            if (gpio is not null)
            {
                gpio.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            throw new FrameSourceException($"I2C bus {settings.BusId} cannot be opened for the MPU-6050 at 0x{settings.Address:x2}: {e.Message}", e);
        }

        var sensor = new Mpu6050(device, settings.ToOptions(), _health, _timeProvider);
        sensor.TryInitialize();
        var imu = new Mpu6050FrameSource(sensor, device);
        return gpio is null ? imu : new CompositeFrameSource([imu, gpio]);
    }

    private GpioInputSource CreateGpio(IReadOnlyList<GpioInputSettings> inputs)
    {
        if (GpioController is null)
        {
            throw new FrameSourceException("GPIO inputs are configured but no GPIO controller was given.");
        }

        if (inputs.Count == 0)
        {
            throw new FrameSourceException("A gpio source needs at least one input.");
        }

        return new GpioInputSource(GpioController, [.. inputs.Select(i => i.ToGpioInput())], _health, _timeProvider);
    }
}
