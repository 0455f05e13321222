using EdgeSentinel.Monitor.Detection.Sequential;

namespace EdgeSentinel.Monitor.Tests.Detection.Sequential;

public sealed class DetectionDelayBoundTests
{
    [Fact]
    public void LordenMinimumDelay_Arl1e4OneSigmaShift_Is18Point42()
    {
        var kl = DetectionDelayBound.GaussianMeanShiftKl(1.0);
        Assert.Equal(0.5, kl);
        Assert.Equal(Math.Log(1e4) / 0.5, DetectionDelayBound.LordenMinimumDelay(1e4, kl), 12);
        Assert.Equal(18.42, DetectionDelayBound.LordenMinimumDelay(1e4, kl), 2);
        Assert.Equal(0.125, DetectionDelayBound.GaussianMeanShiftKl(-0.5));
    }

    [Theory]
    [InlineData(0.5, 0.5)]
    [InlineData(double.NaN, 0.5)]
    [InlineData(100, 0)]
    [InlineData(100, double.PositiveInfinity)]
    public void LordenMinimumDelay_InvalidArguments_Throws(double arl, double kl)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DetectionDelayBound.LordenMinimumDelay(arl, kl));
    }
}
