using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Tests.Baselines;

/// <summary>
/// The input channels' support limits (<see cref="SupportLimits"/>) on samples whose tail quantiles are known in closed
/// form, on a saturating channel, and in their file form.
/// </summary>
/// <remarks>
/// The tolerances were checked beforehand over eight NumPy seeds of the same estimator at the same n and rate: the
/// generalized Pareto (ξ = 0.25) limit landed at 0.76–1.23 of the true quantile where the exponential fit alone gave
/// 0.25–0.27; the exponential sample's at 0.96–1.24; the Gaussian's at 6.20–6.44 against the exact 5.61 (above it:
/// the exponential tail is conservative on a light tail).
/// </remarks>
public sealed class SupportLimitsTests
{
    private const int N = 1_000_000;
    private const double Rate = 1e-8;

    private static double[] Draw(int seed, Func<Random, double> draw)
    {
        var random = new Random(seed);
        var x = new double[N];
        for (var i = 0; i < N; i++)
        {
            x[i] = draw(random);
        }

        return x;
    }

    private static double Upper(double[] values) =>
        SupportLimits.Estimate(values, [], 1, [0], 2 * Rate, out _).Upper[0];

    [Fact]
    public void Estimate_ExponentialSample_UpperLimitNearTheExactQuantile()
    {
        // Exp(1) is exceeded with probability r beyond −ln r: 18.42 at 1e-8.
        var limit = Upper(Draw(11, r => -Math.Log(1 - r.NextDouble())));

        Assert.InRange(limit / -Math.Log(Rate), 0.85, 1.35);
    }

    [Fact]
    public void Estimate_HeavyTail_FitsTheParetoShapeInsteadOfTheExponential()
    {
        // Generalized Pareto, ξ = 0.25, σ = 1: P(X > x) = (1 + ξx)^(−1/ξ), so the 1e-8 quantile is (1e-8^−ξ − 1)/ξ = 396.
        const double Xi = 0.25;
        var values = Draw(12, r => (Math.Pow(1 - r.NextDouble(), -Xi) - 1) / Xi);
        var truth = (Math.Pow(Rate, -Xi) - 1) / Xi;

        var limit = Upper(values);

        Assert.InRange(limit / truth, 0.6, 1.6);

        // The exponential fit on the same top values alone would put the limit at about a quarter of the quantile.
        Array.Sort(values);
        var k = (int)Math.Ceiling(Math.Sqrt(N));
        var u = values[N - k - 1];
        var meanExcess = values.AsSpan(N - k).ToArray().Average(v => v - u);
        Assert.True(u + (meanExcess * Math.Log(k / (double)N / Rate)) < 0.4 * truth);
    }

    [Fact]
    public void Estimate_GaussianSample_LimitIsConservative()
    {
        // Standard normal: exceeded with probability 1e-8 beyond 5.612. A light tail keeps the exponential fit: above it.
        var limit = Upper(Draw(13, r => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble())));

        Assert.InRange(limit, 5.612, 5.612 + 1.5);
    }

    [Fact]
    public void Estimate_SaturatingChannel_LimitIsTheSaturationValueAndAnythingBeyondIsOutside()
    {
        // A range sensor reading its maximum, 5, in 30% of the samples (as the demo robot's side sensors do).
        var values = Draw(14, r => r.NextDouble() < 0.3 ? 5.0 : 5.0 * r.NextDouble());

        var limits = SupportLimits.Estimate(values, [], 1, [0], 2 * Rate, out var skipped);

        Assert.Empty(skipped);
        Assert.Equal(5.0, limits.Upper[0]);
        Assert.False(limits.IsOutside(0, 5.0));
        Assert.True(limits.IsOutside(0, 5.0 + 1e-9));
        Assert.True(limits.Lower[0] < 0, "the lower side is a continuous tail: its limit lies below the smallest reading");
    }

    [Fact]
    public void Estimate_RowsAndMoreRows_AreOneSampleAndOtherChannelsStayUnlimited()
    {
        // Two channels per row; only channel 1 is limited. Its values split over the two row sets: the same limits as one set.
        var values = Draw(15, r => -Math.Log(1 - r.NextDouble()));
        var rows = new double[2 * N];
        for (var i = 0; i < N; i++)
        {
            rows[(2 * i) + 1] = values[i];
        }

        var split = SupportLimits.Estimate(rows.AsSpan(0, N), rows.AsSpan(N), 2, [1], 2 * Rate, out _);
        var whole = SupportLimits.Estimate(values, [], 1, [0], 2 * Rate, out _);

        Assert.Equal(whole.Upper[0], split.Upper[1]);
        Assert.Equal(whole.Lower[0], split.Lower[1]);
        Assert.Equal(double.PositiveInfinity, split.Upper[0]);
        Assert.Equal(double.NegativeInfinity, split.Lower[0]);
        Assert.Equal(2, split.LimitedSides);
        Assert.Equal(Rate, split.RatePerSide, 15);
    }

    [Fact]
    public void Estimate_TooFewValues_LeavesTheChannelUnlimitedAndSaysWhich()
    {
        var limits = SupportLimits.Estimate(new double[SupportLimits.MinValues - 1], [], 1, [0], 1e-6, out var skipped);

        Assert.Equal([0], skipped);
        Assert.Equal(0, limits.LimitedSides);
        Assert.False(limits.IsOutside(0, 1e300));
    }

    [Fact]
    public void Estimate_NonFiniteValues_AreLeftOutNotLimits()
    {
        var values = Draw(16, r => r.NextDouble());
        values[0] = double.NaN;
        values[1] = double.PositiveInfinity;

        var limits = SupportLimits.Estimate(values, [], 1, [0], 1e-6, out _);

        Assert.True(double.IsFinite(limits.Upper[0]) && double.IsFinite(limits.Lower[0]));
    }

    [Fact]
    public void ReadFrom_WrittenLimits_RoundTripExactly_AndReversedLimitsAreRefusedWithTheChannel()
    {
        var limits = SupportLimits.Estimate(Draw(17, r => r.NextDouble()), [], 1, [0], 1e-6, out _);
        var writer = new BinaryBufferWriter();
        limits.WriteTo(writer);
        var bytes = writer.ToArray();

        var reader = new BinaryBufferReader(bytes, "test");
        var back = SupportLimits.ReadFrom(ref reader, 1);
        Assert.Equal(limits.Lower, back.Lower);
        Assert.Equal(limits.Upper, back.Upper);
        Assert.Equal(limits.RatePerSide, back.RatePerSide);

        // Swap the lower and upper arrays (count 1, one double each) so that lower > upper.
        var swapped = (byte[])bytes.Clone();
        var lowerAt = 1 + 8;
        var length = 4 + 8;
        bytes.AsSpan(lowerAt, length).CopyTo(swapped.AsSpan(lowerAt + length));
        bytes.AsSpan(lowerAt + length, length).CopyTo(swapped.AsSpan(lowerAt));
        var error = Assert.Throws<MonitorFormatException>(() =>
        {
            var r = new BinaryBufferReader(swapped, "test");
            SupportLimits.ReadFrom(ref r, 1);
        });
        Assert.Contains("support limits of channel 0", error.Message, StringComparison.Ordinal);
    }
}
