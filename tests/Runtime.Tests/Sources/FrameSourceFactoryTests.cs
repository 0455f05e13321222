using System.Device.Gpio;
using System.Device.I2c;
using EdgeSentinel.Runtime.Configuration;
using EdgeSentinel.Runtime.Sensors;
using EdgeSentinel.Runtime.Sources;
using EdgeSentinel.Runtime.Tests.Configuration;
using EdgeSentinel.Runtime.Tests.Sensors;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Runtime.Tests.Sources;

public sealed class FrameSourceFactoryTests : IDisposable
{
    private readonly RuntimeHealthInbox _health = new();
    private readonly FakeTimeProvider _time = new();
    private readonly FakeGpioDriver _driver = new();
    private readonly GpioController _controller;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "es-factory-" + Guid.NewGuid().ToString("N"));

    public FrameSourceFactoryTests()
    {
        _controller = new GpioController(_driver);
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        _controller.Dispose();
        _driver.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static DeviceConfiguration Load(string json, string dir) =>
        ConfigurationCheck.CheckJson(json, dir, options: new ConfigurationCheckOptions { CheckFilesExist = false }).Configuration
        ?? throw new InvalidOperationException("test configuration invalid");

    [Fact]
    public async Task RaspberryPiExample_WithSimulatedChipAndFakeGpio_ProducesNineValues()
    {
        DeviceConfiguration c = ConfigurationCheck.LoadFile(Path.Combine(RepositoryFiles.FirmwareConfig, "raspberry-pi-mpu6050.json"), new ConfigurationCheckOptions { CheckFilesExist = false });
        using var chip = new SimulatedMpu6050(busId: 1, address: 0x68);
        I2cConnectionSettings? requested = null;
        var factory = new FrameSourceFactory(_health, _time)
        {
            I2cDeviceFactory = s => { requested = s; return chip; },
            GpioController = _controller,
        };
        await using IFrameSource source = await factory.CreateAsync(c.Source, expectedWidth: 9);
        Assert.Equal((1, 0x68), (requested!.BusId, requested.DeviceAddress));
        Assert.Equal(0x08, chip.GetRegister(0x1C)); // 4g
        Assert.Equal(0x08, chip.GetRegister(0x1B)); // 500 dps
        Assert.Equal(["accel_x", "accel_y", "accel_z", "gyro_x", "gyro_y", "gyro_z", "temperature", "door_closed", "limit_switch"], source.FeatureNames);
        chip.SetRawSample(0, 0, 8192, 0, 0, 0, 0);
        _driver.SetInput(5, PinValue.High);
        float[] frame = new float[9];
        Assert.True(await source.ReadFrameAsync(frame));
        Assert.Equal(9.80665f, frame[2], 1e-5f); // 8192 LSB at ±4 g is 1 g
        Assert.Equal(1f, frame[7]);
        Assert.Equal(0f, frame[8]);
    }

    [Fact]
    public async Task WidthDiffersFromTheModel_ErrorNamesBothWidths()
    {
        DeviceConfiguration c = Load("""
            { "deviceId": "d", "fleet": "f", "modelPath": "m", "baselinePath": "b",
              "source": { "kind": "gpio", "gpioInputs": [ { "pin": 3, "name": "a" } ] }, "mqtt": { "host": "h" } }
            """, _dir);
        var factory = new FrameSourceFactory(_health, _time) { GpioController = _controller };
        FrameSourceException e = await Assert.ThrowsAsync<FrameSourceException>(() => factory.CreateAsync(c.Source, expectedWidth: 4));
        Assert.Contains("produces 1 values", e.Message, StringComparison.Ordinal);
        Assert.Contains("input width of 4", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(3, _driver.OpenPins); // the source was disposed
    }

    [Fact]
    public async Task CsvSource_RelativePathResolvedAgainstTheConfigFolder()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "rec.csv"), "a,b\n1,2\n");
        DeviceConfiguration c = Load("""
            { "deviceId": "d", "fleet": "f", "modelPath": "m", "baselinePath": "b",
              "source": { "kind": "csv", "path": "rec.csv", "features": ["a", "b"] }, "mqtt": { "host": "h" } }
            """, _dir);
        await using IFrameSource source = await new FrameSourceFactory(_health, _time).CreateAsync(c.Source, expectedWidth: 2);
        float[] frame = new float[2];
        Assert.True(await source.ReadFrameAsync(frame));
        Assert.Equal([1f, 2f], frame);
        Assert.False(await source.ReadFrameAsync(frame));
    }

    [Fact]
    public async Task Simulator_WithoutWorldFactory_IsAClearError()
    {
        DeviceConfiguration c = Load("""
            { "deviceId": "d", "fleet": "f", "modelPath": "m", "baselinePath": "b", "source": { "kind": "simulator" }, "mqtt": { "host": "h" } }
            """, _dir);
        FrameSourceException e = await Assert.ThrowsAsync<FrameSourceException>(() => new FrameSourceFactory(_health, _time).CreateAsync(c.Source));
        Assert.Contains("world factory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mpu6050_WrongChip_SourceStillCreatedWithHealthEventAndNaNFrames()
    {
        DeviceConfiguration c = Load("""
            { "deviceId": "d", "fleet": "f", "modelPath": "m", "baselinePath": "b", "source": { "kind": "mpu6050" }, "mqtt": { "host": "h" } }
            """, _dir);
        using var chip = new SimulatedMpu6050();
        chip.SetRegister(0x75, 0x98);
        await using IFrameSource source = await new FrameSourceFactory(_health, _time) { I2cDeviceFactory = _ => chip }.CreateAsync(c.Source, expectedWidth: 7);
        Assert.True(_health.TryTake(out RuntimeHealthEvent? e));
        Assert.Equal(RuntimeHealthFault.IdentityMismatch, e.Fault);
        float[] frame = new float[7];
        Assert.True(await source.ReadFrameAsync(frame));
        Assert.All(frame, v => Assert.True(float.IsNaN(v)));
    }
}
