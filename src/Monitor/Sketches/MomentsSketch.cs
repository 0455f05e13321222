using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Sketches;

/// <summary>
/// Exact streaming moments of the finite values: count, mean, unbiased variance, min and max
/// (Welford update, Chan et al. pairwise merge). NaN, +∞ and −∞ are counted apart and never
/// enter the statistics.
/// </summary>
/// <remarks>
/// The moments are kept for the shifted data x − s, with s the first value added ("shifted data"
/// algorithm): when the values share a large common offset, x − s is exact and the mean's rounding
/// happens at the scale of the spread, not of the offset.
/// </remarks>
/// <remarks>
/// Finite values beyond about ±1e154 can overflow the sum of squares to +∞ (then Variance is +∞).
/// Not thread-safe.
/// </remarks>
internal sealed class MomentsSketch
{
    private const byte FormatVersion = 1;

    private long _count;
    private double _shift;
    private double _mean; // mean of (x − _shift)
    private double _m2;
    private double _min;
    private double _max;

    /// <summary>Number of finite values added.</summary>
    public long Count => _count;

    /// <summary>Number of NaN values seen.</summary>
    public long NaNCount { get; private set; }

    /// <summary>Number of +∞ values seen.</summary>
    public long PositiveInfinityCount { get; private set; }

    /// <summary>Number of −∞ values seen.</summary>
    public long NegativeInfinityCount { get; private set; }

    /// <summary>All values seen, finite or not.</summary>
    public long TotalCount => _count + NaNCount + PositiveInfinityCount + NegativeInfinityCount;

    /// <summary>Mean of the finite values; NaN when there are none.</summary>
    public double Mean => _count == 0 ? double.NaN : _shift + _mean;

    /// <summary>Unbiased (n − 1) sample variance of the finite values; NaN when Count &lt; 2.</summary>
    public double Variance => _count < 2 ? double.NaN : _m2 / (_count - 1);

    /// <summary>Square root of <see cref="Variance"/>.</summary>
    public double StandardDeviation => Math.Sqrt(Variance);

    /// <summary>Sum of squared deviations from the mean (the second central co-moment, n·σ²_MLE).</summary>
    public double SumOfSquaredDeviations => _count == 0 ? double.NaN : _m2;

    /// <summary>Smallest finite value; NaN when empty.</summary>
    public double Min => _count == 0 ? double.NaN : _min;

    /// <summary>Largest finite value; NaN when empty.</summary>
    public double Max => _count == 0 ? double.NaN : _max;

    /// <summary>Adds one value (Welford's update; no allocation).</summary>
    public void Add(double value)
    {
        if (!double.IsFinite(value))
        {
            CountNonFinite(value);
            return;
        }

        var n = ++_count;
        if (n == 1)
        {
            _shift = value;
            _mean = 0.0;
            _m2 = 0.0;
            _min = value;
            _max = value;
            return;
        }

        var shifted = value - _shift;
        var delta = shifted - _mean;
        _mean += delta / n;
        _m2 += delta * (shifted - _mean);
        if (value < _min)
        {
            _min = value;
        }

        if (value > _max)
        {
            _max = value;
        }
    }

    /// <summary>Adds the contents of <paramref name="other"/> (Chan, Golub and LeVeque 1979 pairwise update).</summary>
    public void Merge(MomentsSketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        NaNCount = checked(NaNCount + other.NaNCount);
        PositiveInfinityCount = checked(PositiveInfinityCount + other.PositiveInfinityCount);
        NegativeInfinityCount = checked(NegativeInfinityCount + other.NegativeInfinityCount);
        if (other._count == 0)
        {
            return;
        }

        if (_count == 0)
        {
            _count = other._count;
            _shift = other._shift;
            _mean = other._mean;
            _m2 = other._m2;
            _min = other._min;
            _max = other._max;
            return;
        }

        var na = (double)_count;
        var nb = (double)other._count;
        var n = checked(_count + other._count);
        var delta = (other._shift - _shift) + other._mean - _mean;
        _mean += delta * (nb / n);
        _m2 += other._m2 + (delta * delta * (na * nb / n));
        _count = n;
        _min = Math.Min(_min, other._min);
        _max = Math.Max(_max, other._max);
    }

    /// <summary>An independent copy.</summary>
    public MomentsSketch Clone() => (MomentsSketch)MemberwiseClone();

    /// <summary>Forgets everything.</summary>
    public void Reset()
    {
        _count = 0;
        _shift = 0;
        _mean = 0;
        _m2 = 0;
        _min = 0;
        _max = 0;
        NaNCount = 0;
        PositiveInfinityCount = 0;
        NegativeInfinityCount = 0;
    }

    /// <summary>
    /// Writes: Byte version (1), Int64 count, NaN, +∞, −∞ counts, then when count &gt; 0
    /// Double shift (first value), mean of the shifted values, sum of squared deviations, min, max.
    /// </summary>
    public void WriteTo(BinaryBufferWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteByte(FormatVersion);
        writer.WriteInt64(_count);
        writer.WriteInt64(NaNCount);
        writer.WriteInt64(PositiveInfinityCount);
        writer.WriteInt64(NegativeInfinityCount);
        if (_count > 0)
        {
            writer.WriteDouble(_shift);
            writer.WriteDouble(_mean);
            writer.WriteDouble(_m2);
            writer.WriteDouble(_min);
            writer.WriteDouble(_max);
        }
    }

    /// <summary>Reads and validates a sketch written by <see cref="WriteTo"/>.</summary>
    public static MomentsSketch ReadFrom(ref BinaryBufferReader reader) => ReadFrom(ref reader, build: true)!;

    /// <summary>Reads a sketch written by <see cref="WriteTo"/> with every check of <see cref="ReadFrom(ref BinaryBufferReader)"/>; builds it only when <paramref name="build"/> (else returns null).</summary>
    public static MomentsSketch? ReadFrom(ref BinaryBufferReader reader, bool build)
    {
        SketchFormat.ReadVersion(ref reader, "moments.version", FormatVersion);
        var count = SketchFormat.ReadNonNegativeInt64(ref reader, "moments.count");
        var nanCount = SketchFormat.ReadNonNegativeInt64(ref reader, "moments.nanCount");
        var positiveInfinityCount = SketchFormat.ReadNonNegativeInt64(ref reader, "moments.positiveInfinityCount");
        var negativeInfinityCount = SketchFormat.ReadNonNegativeInt64(ref reader, "moments.negativeInfinityCount");
        SketchFormat.EnsureSumFits(ref reader, "moments total count", count, nanCount, positiveInfinityCount, negativeInfinityCount);
        double shift = 0, mean = 0, m2 = 0, min = 0, max = 0;
        if (count > 0)
        {
            shift = reader.ReadFiniteDouble("moments.shift");
            var start = reader.Position;
            mean = reader.ReadDouble("moments.shiftedMean");
            if (double.IsNaN(mean) || (count == 1 && mean != 0.0))
            {
                throw reader.Fail(start, "field 'moments.shiftedMean' must not be NaN (and must be 0 for a single value)");
            }

            start = reader.Position;
            m2 = reader.ReadDouble("moments.sumOfSquaredDeviations");
            if (!(m2 >= 0.0) || (count == 1 && m2 != 0.0))
            {
                throw reader.Fail(start, $"field 'moments.sumOfSquaredDeviations' must be >= 0 (and 0 for a single value), found {m2}");
            }

            min = reader.ReadFiniteDouble("moments.min");
            start = reader.Position;
            max = reader.ReadFiniteDouble("moments.max");
            if (max < min || (count == 1 && max != min))
            {
                throw reader.Fail(start, $"field 'moments.max' = {max} is inconsistent with min = {min}");
            }
        }

        return build
            ? new MomentsSketch
            {
                _count = count,
                NaNCount = nanCount,
                PositiveInfinityCount = positiveInfinityCount,
                NegativeInfinityCount = negativeInfinityCount,
                _shift = shift,
                _mean = mean,
                _m2 = m2,
                _min = min,
                _max = max,
            }
            : null;
    }

    private void CountNonFinite(double value)
    {
        if (double.IsNaN(value))
        {
            NaNCount++;
        }
        else if (value > 0)
        {
            PositiveInfinityCount++;
        }
        else
        {
            NegativeInfinityCount++;
        }
    }
}
