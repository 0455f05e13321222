using System.Collections.ObjectModel;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Baselines;

/// <summary>
/// Per input channel, the values beyond which a single reading is outside what training saw, at a stated
/// per-sample false-alarm rate: the Shewhart limits of the sequential layer's combined Shewhart–CUSUM scheme.
/// </summary>
/// <remarks>
/// <para>A CUSUM on a standardized, winsorized score is slow on a reading that cannot occur in clean data, and
/// blind to where it lies: a range sensor that saturates at its maximum distance reads exactly that maximum in a
/// third of the samples, and a biased sensor reads beyond it at once. Each side of each channel is a peaks-over-
/// threshold fit to its k = ⌈√n⌉ most extreme training values beyond the (k+1)-th: the generalized Pareto by
/// probability-weighted moments (Hosking and Wallis 1987) when its shape ξ is positive (a heavy tail), otherwise the
/// exponential with the mean excess as scale (conservative for light and bounded tails, whose estimated end points
/// are too close). The limit is where that tail is exceeded with the side's rate. A saturating channel (its k most
/// extreme values all equal) gets its saturation value as the limit: only a reading beyond it alarms.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class SupportLimits
{
    /// <summary>Fewest finite training values of a channel for which limits are set.</summary>
    public const int MinValues = 1000;

    /// <summary>Largest number of channels stored.</summary>
    public const int MaxChannels = 1 << 20;

    private const byte FormatVersion = 1;

    private SupportLimits(double ratePerSide, double[] lower, double[] upper)
    {
        RatePerSide = ratePerSide;
        Lower = new ReadOnlyCollection<double>(lower);
        Upper = new ReadOnlyCollection<double>(upper);
        var sides = 0;
        for (var c = 0; c < lower.Length; c++)
        {
            sides += (double.IsNegativeInfinity(lower[c]) ? 0 : 1) + (double.IsPositiveInfinity(upper[c]) ? 0 : 1);
        }

        LimitedSides = sides;
    }

    /// <summary>Per-sample false-alarm rate each finite limit was set for.</summary>
    public double RatePerSide { get; }

    /// <summary>Per channel of the schema, the lowest value in support (−∞: not limited).</summary>
    public IReadOnlyList<double> Lower { get; }

    /// <summary>Per channel of the schema, the highest value in support (+∞: not limited).</summary>
    public IReadOnlyList<double> Upper { get; }

    /// <summary>Number of finite limits (channel sides).</summary>
    public int LimitedSides { get; }

    /// <summary>Per-sample false-alarm rate of all limits together: <see cref="RatePerSide"/> × <see cref="LimitedSides"/>.</summary>
    public double TotalRate => RatePerSide * LimitedSides;

    /// <summary>
    /// Sets both limits of each channel in <paramref name="channels"/> from the rows of <paramref name="rows"/> and
    /// <paramref name="moreRows"/> (row-major, <paramref name="width"/> values per row); other channels, and channels with
    /// fewer than <see cref="MinValues"/> finite values, stay unlimited.
    /// </summary>
    /// <param name="rows">Training rows.</param>
    /// <param name="moreRows">More rows of the same distribution (held-out rows; may be empty).</param>
    /// <param name="width">Values per row (the schema's channel count).</param>
    /// <param name="channels">Channel indices to limit.</param>
    /// <param name="totalRate">Per-sample false-alarm rate of all limits together, split evenly over the sides.</param>
    /// <param name="skipped">Channels left unlimited for want of values.</param>
    public static SupportLimits Estimate(ReadOnlySpan<double> rows, ReadOnlySpan<double> moreRows, int width, IReadOnlyCollection<int> channels, double totalRate, out IReadOnlyList<int> skipped)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentNullException.ThrowIfNull(channels);
        if (rows.Length % width != 0 || moreRows.Length % width != 0)
        {
            throw new ArgumentException($"{rows.Length} and {moreRows.Length} values are not whole rows of {width}", nameof(rows));
        }

        if (!(totalRate > 0 && totalRate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(totalRate), totalRate, "the total rate must be in (0, 1)");
        }

        var lower = new double[width];
        var upper = new double[width];
        lower.AsSpan().Fill(double.NegativeInfinity);
        upper.AsSpan().Fill(double.PositiveInfinity);
        var count = rows.Length / width;
        var moreCount = moreRows.Length / width;
        var values = new double[count + moreCount];
        var ratePerSide = totalRate / Math.Max(1, 2 * channels.Count);
        var left = new List<int>();
        foreach (var c in channels.Order())
        {
            ArgumentOutOfRangeException.ThrowIfNegative(c);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(c, width);
            var n = 0;
            for (var r = 0; r < count; r++)
            {
                var v = rows[(r * width) + c];
                if (double.IsFinite(v))
                {
                    values[n++] = v;
                }
            }

            for (var r = 0; r < moreCount; r++)
            {
                var v = moreRows[(r * width) + c];
                if (double.IsFinite(v))
                {
                    values[n++] = v;
                }
            }

            if (n < MinValues)
            {
                left.Add(c);
                continue;
            }

            var sorted = values.AsSpan(0, n);
            sorted.Sort();
            var k = (int)Math.Ceiling(Math.Sqrt(n));
            var excess = new double[k];
            var u = sorted[n - k - 1];
            for (var i = 0; i < k; i++)
            {
                excess[i] = sorted[n - k + i] - u;
            }

            upper[c] = u + TailQuantile(excess, k / (double)n, ratePerSide);
            u = sorted[k];
            for (var i = 0; i < k; i++)
            {
                excess[i] = u - sorted[k - 1 - i];
            }

            lower[c] = u - TailQuantile(excess, k / (double)n, ratePerSide);
        }

        skipped = left.AsReadOnly();
        return new SupportLimits(ratePerSide, lower, upper);
    }

    /// <summary>
    /// The excess over the threshold exceeded with probability <paramref name="rate"/> (per value), given the
    /// <paramref name="excesses"/> (ascending, ≥ 0) of the values beyond a threshold exceeded with probability
    /// <paramref name="tailProbability"/>: a generalized Pareto tail (PWM) when its shape is positive, else exponential.
    /// </summary>
    internal static double TailQuantile(ReadOnlySpan<double> excesses, double tailProbability, double rate)
    {
        var k = excesses.Length;
        if (k == 0 || rate >= tailProbability)
        {
            return 0.0;
        }

        double a0 = 0, a1 = 0;
        for (var i = 0; i < k; i++)
        {
            a0 += excesses[i];
            a1 += excesses[i] * (1.0 - ((i + 1 - 0.35) / k));
        }

        a0 /= k;
        a1 /= k;
        if (a0 <= 0)
        {
            return 0.0;
        }

        var ratio = tailProbability / rate;
        var denominator = a0 - (2 * a1);
        var shape = denominator > 0 ? 2.0 - (a0 / denominator) : 0.0;
        if (shape <= 0)
        {
            return a0 * Math.Log(ratio);
        }

        var scale = 2.0 * a0 * a1 / denominator;
        return scale / shape * (Math.Pow(ratio, shape) - 1.0);
    }

    /// <summary>True when <paramref name="value"/> of channel <paramref name="channel"/> lies beyond one of its limits.</summary>
    public bool IsOutside(int channel, double value) => value > Upper[channel] || value < Lower[channel];

    internal void WriteTo(BinaryBufferWriter writer)
    {
        writer.WriteByte(FormatVersion);
        writer.WriteDouble(RatePerSide);
        writer.WriteDoubleArray([.. Lower]);
        writer.WriteDoubleArray([.. Upper]);
    }

    internal static SupportLimits ReadFrom(ref BinaryBufferReader reader, int channelCount)
    {
        var at = reader.Position;
        var version = reader.ReadByte("support limits version");
        if (version != FormatVersion)
        {
            throw reader.Fail(at, $"unsupported support limits version {version} (expected {FormatVersion})");
        }

        at = reader.Position;
        var rate = reader.ReadFiniteDouble("support limits rate per side");
        if (!(rate > 0 && rate < 1))
        {
            throw reader.Fail(at, $"support limits rate per side {rate} is outside (0, 1)");
        }

        at = reader.Position;
        var lower = reader.ReadDoubleArray("support lower limits", MaxChannels);
        var upper = reader.ReadDoubleArray("support upper limits", MaxChannels);
        if (lower.Length != channelCount || upper.Length != channelCount)
        {
            throw reader.Fail(at, $"expected {channelCount} lower and upper support limits, found {lower.Length} and {upper.Length}");
        }

        for (var c = 0; c < channelCount; c++)
        {
            if (double.IsNaN(lower[c]) || double.IsNaN(upper[c]) || double.IsPositiveInfinity(lower[c]) || double.IsNegativeInfinity(upper[c]) || lower[c] > upper[c])
            {
                throw reader.Fail(at, $"support limits of channel {c} [{lower[c]}, {upper[c]}] are not an interval");
            }
        }

        return new SupportLimits(rate, lower, upper);
    }
}
