using EdgeSentinel.Simulation.Numerics;

namespace EdgeSentinel.Simulation.Tests.Numerics;

public sealed class DeterministicMathTests
{
    // Reference: the platform's libm (correct to < 1 ulp on glibc); ours must agree to a few ulps.
    [Fact]
    public void Trigonometry_AgreesWithLibm_OnAGrid()
    {
        for (var x = -50.0; x <= 50.0; x += 0.0137)
        {
            Assert.InRange(DeterministicMath.Sin(x) - Math.Sin(x), -1e-14, 1e-14);
            Assert.InRange(DeterministicMath.Cos(x) - Math.Cos(x), -1e-14, 1e-14);
        }
    }

    [Fact]
    public void Atan2_AgreesWithLibm_InEveryQuadrant()
    {
        for (var a = -3.14; a <= 3.14; a += 0.01)
        {
            foreach (var r in new[] { 1e-3, 1.0, 37.5 })
            {
                var y = r * Math.Sin(a);
                var x = r * Math.Cos(a);
                Assert.InRange(DeterministicMath.Atan2(y, x) - Math.Atan2(y, x), -1e-14, 1e-14);
            }
        }

        Assert.Equal(0.0, DeterministicMath.Atan2(0.0, 0.0));
        Assert.Equal(Math.PI, DeterministicMath.Atan2(0.0, -1.0), 15);
        Assert.Equal(Math.PI / 2, DeterministicMath.Atan2(1.0, 0.0), 15);
    }

    [Fact]
    public void ExpAndLog_AgreeWithLibm_AndHandleEdges()
    {
        for (var x = -700.0; x <= 700.0; x += 0.731)
        {
            var expected = Math.Exp(x);
            Assert.InRange(Math.Abs(DeterministicMath.Exp(x) - expected) / expected, 0.0, 4e-16 * 8);
        }

        for (var x = 1e-300; x < 1e300; x *= 7.3)
        {
            Assert.InRange(DeterministicMath.Log(x) - Math.Log(x), -1e-12, 1e-12);
        }

        Assert.Equal(double.PositiveInfinity, DeterministicMath.Exp(710.0));
        Assert.Equal(0.0, DeterministicMath.Exp(-746.0));
        Assert.Equal(double.NegativeInfinity, DeterministicMath.Log(0.0));
        Assert.True(double.IsNaN(DeterministicMath.Log(-1.0)));
        Assert.Equal(0.5, DeterministicMath.Sigmoid(0.0));
    }

    [Fact]
    public void WrapAngle_MapsIntoHalfOpenInterval()
    {
        Assert.Equal(-Math.PI, DeterministicMath.WrapAngle(Math.PI), 14);
        Assert.Equal(0.5, DeterministicMath.WrapAngle(0.5 + (4 * Math.PI)), 12);
        Assert.Equal(-0.5, DeterministicMath.WrapAngle(-0.5 - (2 * Math.PI)), 12);
    }

    [Fact]
    public void Random_FirstOutput_MatchesSplitMix64Reference()
    {
        // Vigna's splitmix64.c with state 0: first output 0xE220A8397B1DCDAF.
        var random = new SimulationRandom(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, random.NextUInt64());
    }

    [Fact]
    public void Random_Gaussian_HasUnitMomentsAndIsReproducible()
    {
        var a = new SimulationRandom(5);
        var b = new SimulationRandom(5);
        double sum = 0, sumSquares = 0;
        const int n = 200_000;
        for (var i = 0; i < n; i++)
        {
            var value = a.NextGaussian();
            Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(b.NextGaussian()));
            sum += value;
            sumSquares += value * value;
        }

        // Standard errors: mean 1/√n ≈ 0.0022, variance √(2/n) ≈ 0.0032; 5 standard errors.
        Assert.InRange(sum / n, -0.011, 0.011);
        Assert.InRange(sumSquares / n, 1 - 0.016, 1 + 0.016);
    }
}
