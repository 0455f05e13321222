using EdgeSentinel.Runtime.Sensors;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Runtime.Tests.Sensors;

public sealed class Mpu6050Tests : IDisposable
{
    private readonly SimulatedMpu6050 _chip = new(busId: 1, address: 0x68);
    private readonly RuntimeHealthInbox _health = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.Zero));

    public void Dispose() => _chip.Dispose();

    private Mpu6050 Create(Mpu6050Options? options = null) => new(_chip, options ?? new Mpu6050Options(), _health, _time);

    private List<RuntimeHealthEvent> Events()
    {
        var list = new List<RuntimeHealthEvent>();
        while (_health.TryTake(out RuntimeHealthEvent? e))
        {
            list.Add(e);
        }

        return list;
    }

    [Fact]
    public void SimulatedChip_PowerOnState_IsAsleepWithIdentity0x68()
    {
        Assert.Equal(0x40, _chip.GetRegister(0x6B));
        Assert.Equal(0x68, _chip.GetRegister(0x75));
    }

    [Fact]
    public void SimulatedChip_WriteThenRead_AutoIncrementsFromThePointer()
    {
        _chip.Write([0x10, 0xAA, 0xBB, 0xCC]);
        Span<byte> read = stackalloc byte[3];
        _chip.WriteRead([0x10], read);
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, read.ToArray());
        _chip.Write([0x11]);
        Assert.Equal(0xBB, _chip.ReadByte());
    }

    [Theory]
    [InlineData(AccelerometerRange.PlusMinus2G, GyroscopeRange.PlusMinus250DegreesPerSecond, 0x00, 0x00)]
    [InlineData(AccelerometerRange.PlusMinus4G, GyroscopeRange.PlusMinus500DegreesPerSecond, 0x08, 0x08)]
    [InlineData(AccelerometerRange.PlusMinus8G, GyroscopeRange.PlusMinus1000DegreesPerSecond, 0x10, 0x10)]
    [InlineData(AccelerometerRange.PlusMinus16G, GyroscopeRange.PlusMinus2000DegreesPerSecond, 0x18, 0x18)]
    public void TryInitialize_GenuineChip_WakesAndWritesRangeFields(AccelerometerRange accel, GyroscopeRange gyro, byte accelConfig, byte gyroConfig)
    {
        // Register map RM-MPU-6000A: AFS_SEL / FS_SEL are bits 4:3; PWR_MGMT_1 = 0x01 clears SLEEP (bit 6), CLKSEL = PLL X gyro.
        Mpu6050 sensor = Create(new Mpu6050Options { AccelerometerRange = accel, GyroscopeRange = gyro });
        Assert.True(sensor.TryInitialize());
        Assert.True(sensor.IsInitialized);
        Assert.Equal(0x01, _chip.GetRegister(0x6B));
        Assert.Equal(accelConfig, _chip.GetRegister(0x1C));
        Assert.Equal(gyroConfig, _chip.GetRegister(0x1B));
        Assert.Empty(Events());
    }

    [Theory]
    [InlineData(AccelerometerRange.PlusMinus2G, (short)16384)]
    [InlineData(AccelerometerRange.PlusMinus4G, (short)8192)]
    [InlineData(AccelerometerRange.PlusMinus8G, (short)4096)]
    [InlineData(AccelerometerRange.PlusMinus16G, (short)2048)]
    public void TryRead_OneGOnZ_ScalesToStandardGravityForEveryRange(AccelerometerRange range, short oneG)
    {
        Mpu6050 sensor = Create(new Mpu6050Options { AccelerometerRange = range });
        Assert.True(sensor.TryInitialize());
        _chip.SetRawSample(0, (short)(-oneG / 2), oneG, 0, 0, 0, 0);
        Assert.True(sensor.TryRead(out Mpu6050Reading r));
        Assert.Equal(0f, r.AccelerationX);
        Assert.Equal(-9.80665f / 2, r.AccelerationY, 1e-5f);
        Assert.Equal(9.80665f, r.AccelerationZ, 1e-5f);
    }

    [Theory]
    [InlineData(GyroscopeRange.PlusMinus250DegreesPerSecond, 131.0)]
    [InlineData(GyroscopeRange.PlusMinus500DegreesPerSecond, 65.5)]
    [InlineData(GyroscopeRange.PlusMinus1000DegreesPerSecond, 32.8)]
    [InlineData(GyroscopeRange.PlusMinus2000DegreesPerSecond, 16.4)]
    public void TryRead_GyroRaw_ScalesToRadiansPerSecond(GyroscopeRange range, double lsbPerDps)
    {
        Mpu6050 sensor = Create(new Mpu6050Options { GyroscopeRange = range });
        Assert.True(sensor.TryInitialize());
        // 90 °/s on X, -180 °/s on Y (if in range), 1 LSB on Z.
        short x = (short)Math.Round(90 * lsbPerDps);
        short y = (short)Math.Round(-180 * lsbPerDps);
        _chip.SetRawSample(0, 0, 0, 0, x, y, 1);
        Assert.True(sensor.TryRead(out Mpu6050Reading r));
        Assert.Equal(x / lsbPerDps * Math.PI / 180, r.AngularRateX, 1e-5);
        Assert.Equal(Math.PI / 2, r.AngularRateX, 1e-2);
        Assert.Equal(-Math.PI, r.AngularRateY, 1e-2);
        Assert.Equal(Math.PI / 180 / lsbPerDps, r.AngularRateZ, 1e-7);
    }

    [Theory]
    [InlineData((short)0, 36.53)]
    [InlineData((short)340, 37.53)]
    [InlineData((short)-3400, 26.53)]
    public void TryRead_TemperatureRaw_FollowsDatasheetFormula(short raw, double expectedCelsius)
    {
        Mpu6050 sensor = Create();
        Assert.True(sensor.TryInitialize());
        _chip.SetRawSample(1, 2, 3, raw, 4, 5, 6);
        Assert.True(sensor.TryRead(out Mpu6050Reading r));
        Assert.Equal(expectedCelsius, r.TemperatureCelsius, 1e-4);
    }

    [Fact]
    public void TryRead_NegativeFullScale_IsReadBigEndianSigned()
    {
        Mpu6050 sensor = Create();
        Assert.True(sensor.TryInitialize());
        _chip.SetRawSample(short.MinValue, short.MaxValue, -1, 0, 0, 0, 0);
        Assert.Equal(0x80, _chip.GetRegister(0x3B)); // big-endian high byte first
        Assert.Equal(0x00, _chip.GetRegister(0x3C));
        Assert.True(sensor.TryRead(out Mpu6050Reading r));
        Assert.Equal(-2 * 9.80665, r.AccelerationX, 1e-4);
        Assert.Equal(32767 / 16384.0 * 9.80665, r.AccelerationY, 1e-4);
        Assert.Equal(-9.80665 / 16384, r.AccelerationZ, 1e-7);
    }

    [Fact]
    public void TryInitialize_IdentityMismatch_ReportsHealthEventAndLeavesChipAsleep()
    {
        _chip.SetRegister(0x75, 0x70); // an MPU-6500 answers 0x70
        Mpu6050 sensor = Create();
        Assert.False(sensor.TryInitialize());
        Assert.False(sensor.IsInitialized);
        Assert.Equal(0x40, _chip.GetRegister(0x6B));
        RuntimeHealthEvent e = Assert.Single(Events());
        Assert.Equal(RuntimeHealthFault.IdentityMismatch, e.Fault);
        Assert.Equal("mpu6050@1:0x68", e.Component);
        Assert.Contains("0x70", e.Message, StringComparison.Ordinal);
        Assert.Contains("0x68", e.Message, StringComparison.Ordinal);
        Assert.Equal(_time.GetUtcNow(), e.At);
        Assert.False(sensor.TryRead(out _));
    }

    [Fact]
    public void TryRead_I2cError_ReportsEventReturnsFalseAndRecoversOnNextRead()
    {
        Mpu6050 sensor = Create();
        Assert.True(sensor.TryInitialize());
        _chip.SetRawSample(100, 200, 300, 0, 1, 2, 3);
        _chip.FailNextTransfers(1);
        Assert.False(sensor.TryRead(out _));
        Assert.Equal(1, sensor.I2cErrors);
        RuntimeHealthEvent failure = Assert.Single(Events());
        Assert.Equal(RuntimeHealthFault.I2cError, failure.Fault);
        Assert.Contains("no acknowledge", failure.Message, StringComparison.Ordinal);

        Assert.True(sensor.TryRead(out Mpu6050Reading r));
        Assert.Equal(300 / 16384.0 * 9.80665, r.AccelerationZ, 1e-5);
        Assert.Equal(RuntimeHealthFault.Recovered, Assert.Single(Events()).Fault);
    }

    [Fact]
    public void TryInitialize_BusDown_ReportsI2cErrorNotException()
    {
        _chip.FailNextTransfers(100);
        Mpu6050 sensor = Create();
        Assert.False(sensor.TryInitialize());
        Assert.False(sensor.TryRead(out _));
        List<RuntimeHealthEvent> events = Events();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(RuntimeHealthFault.I2cError, e.Fault));
    }

    [Fact]
    public void TryRead_IdenticalReadings_ReportsStuckOnceAtTheLimitThenRecovered()
    {
        Mpu6050 sensor = Create(new Mpu6050Options { StuckReadingLimit = 3 });
        Assert.True(sensor.TryInitialize());
        _chip.SetRawSample(1, 2, 3, 4, 5, 6, 7);
        Assert.True(sensor.TryRead(out _));
        Assert.True(sensor.TryRead(out _));
        Assert.Empty(Events());
        Assert.False(sensor.IsStuck);
        Assert.True(sensor.TryRead(out _));
        Assert.True(sensor.IsStuck);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(sensor.TryRead(out _));
        }

        RuntimeHealthEvent stuck = Assert.Single(Events());
        Assert.Equal(RuntimeHealthFault.StuckValues, stuck.Fault);
        Assert.Contains("3 identical", stuck.Message, StringComparison.Ordinal);

        _chip.SetRawSample(1, 2, 3, 4, 5, 6, 8); // only the last gyro byte changes
        Assert.True(sensor.TryRead(out _));
        Assert.False(sensor.IsStuck);
        Assert.Equal(RuntimeHealthFault.Recovered, Assert.Single(Events()).Fault);
    }

    [Fact]
    public void TryRead_SteadyState_AllocatesNothing()
    {
        Mpu6050 sensor = Create(new Mpu6050Options { StuckReadingLimit = 0 });
        Assert.True(sensor.TryInitialize());
        _chip.SetRawSample(1, 2, 3, 4, 5, 6, 7);
        Assert.True(sensor.TryRead(out _));
        long before = GC.GetAllocatedBytesForCurrentThread();
        float sum = 0;
        for (int i = 0; i < 1000; i++)
        {
            sensor.TryRead(out Mpu6050Reading r);
            sum += r.AccelerationX;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }

    [Fact]
    public async Task FrameSource_ChipFails_DeliversNaNFrameAndKeepsGoing()
    {
        Mpu6050 sensor = Create();
        var source = new Mpu6050FrameSource(sensor);
        _chip.SetRawSample(0, 0, 16384, 0, 0, 0, 0);
        float[] frame = new float[7];
        Assert.True(await source.ReadFrameAsync(frame));
        Assert.Equal(9.80665f, frame[2], 1e-5f);
        Assert.Equal(36.53f, frame[6], 1e-4f);
        _chip.FailNextTransfers(1);
        Assert.True(await source.ReadFrameAsync(frame));
        Assert.All(frame, v => Assert.True(float.IsNaN(v)));
        Assert.Equal(1, source.FailedFrames);
        Assert.True(await source.ReadFrameAsync(frame));
        Assert.Equal(9.80665f, frame[2], 1e-5f);
        Assert.Equal(["accel_x", "accel_y", "accel_z", "gyro_x", "gyro_y", "gyro_z", "temperature"], source.FeatureNames);
    }

    [Fact]
    public void Options_Invalid_ListsEveryProblem()
    {
        var options = new Mpu6050Options { AccelerometerRange = (AccelerometerRange)7, GyroscopeRange = (GyroscopeRange)9, StuckReadingLimit = 1 };
        Assert.Equal(3, options.Validate().Count);
        ArgumentException e = Assert.Throws<ArgumentException>(() => Create(options));
        Assert.Contains("StuckReadingLimit", e.Message, StringComparison.Ordinal);
    }
}
