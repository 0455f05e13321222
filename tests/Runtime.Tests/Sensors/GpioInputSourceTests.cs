using System.Device.Gpio;
using EdgeSentinel.Runtime.Sensors;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Runtime.Tests.Sensors;

public sealed class GpioInputSourceTests : IDisposable
{
    private readonly FakeGpioDriver _driver = new();
    private readonly RuntimeHealthInbox _health = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _driver.Dispose();

    [Fact]
    public async Task ReadFrame_PinLevels_AreOneAndZeroInConfiguredOrder()
    {
        using var controller = new GpioController(_driver);
        await using var source = new GpioInputSource(controller, [new GpioInput(17, "door", PinMode.InputPullUp), new GpioInput(27, "limit")], _health, _time);
        Assert.Equal(PinMode.InputPullUp, _driver.ModeOf(17));
        Assert.Equal(PinMode.Input, _driver.ModeOf(27));
        _driver.SetInput(17, PinValue.High);
        float[] frame = new float[2];
        Assert.True(await source.ReadFrameAsync(frame));
        Assert.Equal([1f, 0f], frame);
        _driver.SetInput(17, PinValue.Low);
        _driver.SetInput(27, PinValue.High);
        Assert.True(await source.ReadFrameAsync(frame));
        Assert.Equal([0f, 1f], frame);
        Assert.Equal(["door", "limit"], source.FeatureNames);
    }

    [Fact]
    public async Task ReadFrame_PinReadFails_NaNAndOneHealthEventPerEpisode()
    {
        using var controller = new GpioController(_driver);
        await using var source = new GpioInputSource(controller, [new GpioInput(5, "a"), new GpioInput(6, "b")], _health, _time);
        _driver.SetInput(6, PinValue.High);
        _driver.FailingReads.Add(5);
        float[] frame = new float[2];
        Assert.True(await source.ReadFrameAsync(frame));
        Assert.True(await source.ReadFrameAsync(frame));
        Assert.True(float.IsNaN(frame[0]));
        Assert.Equal(1f, frame[1]);
        Assert.True(_health.TryTake(out RuntimeHealthEvent? e));
        Assert.Equal(RuntimeHealthFault.GpioError, e.Fault);
        Assert.Equal("gpio-input:5", e.Component);
        Assert.False(_health.TryTake(out _));
        _driver.FailingReads.Clear();
        Assert.True(await source.ReadFrameAsync(frame));
        Assert.Equal(0f, frame[0]);
        Assert.True(_health.TryTake(out e));
        Assert.Equal(RuntimeHealthFault.Recovered, e.Fault);
    }

    [Fact]
    public void Create_RepeatedPinOrOutputMode_Throws()
    {
        using var controller = new GpioController(_driver);
        Assert.Throws<ArgumentException>(() => new GpioInputSource(controller, [new GpioInput(5, "a"), new GpioInput(5, "b")], _health, _time));
        Assert.Throws<ArgumentException>(() => new GpioInputSource(controller, [new GpioInput(5, "a", PinMode.Output)], _health, _time));
    }

    [Fact]
    public async Task Dispose_ClosesPins()
    {
        using var controller = new GpioController(_driver);
        var source = new GpioInputSource(controller, [new GpioInput(5, "a")], _health, _time);
        Assert.Contains(5, _driver.OpenPins);
        await source.DisposeAsync();
        Assert.DoesNotContain(5, _driver.OpenPins);
    }
}
