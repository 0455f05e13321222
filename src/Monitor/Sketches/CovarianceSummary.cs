using System.Buffers.Binary;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Sketches;

/// <summary>
/// Streaming mean and covariance of d-dimensional rows, plus the fourth-order terms
/// Σ‖x − x̄‖⁴ and Σ‖x − x̄‖²(x − x̄) that the Ledoit–Wolf shrinkage needs, all kept centered
/// and merged pairwise (shifting each part's central moments to the common mean), so that a merge
/// of parts equals the summary of the whole up to rounding. Rows holding any NaN or ±∞ are
/// counted in <see cref="RejectedCount"/> and skipped.
/// </summary>
/// <remarks>
/// Add is O(d²) and allocates nothing (scratch buffers are preallocated). Not thread-safe.
/// Deviations beyond about 1e77 overflow Σ‖y‖⁴ to +∞; such a summary cannot be serialized back.
/// </remarks>
internal sealed class CovarianceSummary
{
    /// <summary>Largest dimension accepted.</summary>
    public const int MaxDimension = 1024;

    private const byte FormatVersion = 1;

    private readonly int _d;
    private readonly double[] _mean;
    private readonly double[] _comoment;   // Σ (x − x̄)(x − x̄)ᵀ, full row-major d×d, kept symmetric
    private readonly double[] _cubic;      // Σ ‖x − x̄‖² (x − x̄)
    private readonly double[] _delta;      // scratch
    private readonly double[] _product;    // scratch
    private readonly double[] _row;        // scratch for float rows
    private double _quartic;               // Σ ‖x − x̄‖⁴
    private long _count;

    /// <summary>Creates an empty summary of <paramref name="dimension"/>-dimensional rows (1 … <see cref="MaxDimension"/>).</summary>
    public CovarianceSummary(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, MaxDimension);
        _d = dimension;
        _mean = new double[dimension];
        _comoment = new double[dimension * dimension];
        _cubic = new double[dimension];
        _delta = new double[dimension];
        _product = new double[dimension];
        _row = new double[dimension];
    }

    /// <summary>Row dimension d.</summary>
    public int Dimension => _d;

    /// <summary>Number of rows accepted.</summary>
    public long Count => _count;

    /// <summary>Number of rows skipped because they held NaN or ±∞.</summary>
    public long RejectedCount { get; private set; }

    /// <summary>Mean row (zeros when empty).</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>Adds one row (length d); rows with a non-finite entry are only counted as rejected.</summary>
    public void Add(ReadOnlySpan<double> row)
    {
        CheckLength(row.Length);
        for (var i = 0; i < row.Length; i++)
        {
            if (!double.IsFinite(row[i]))
            {
                RejectedCount++;
                return;
            }
        }

        AddFinite(row);
    }

    /// <summary>Adds one row (length d) of floats; rows with a non-finite entry are only counted as rejected.</summary>
    public void Add(ReadOnlySpan<float> row)
    {
        CheckLength(row.Length);
        var converted = _row;
        for (var i = 0; i < row.Length; i++)
        {
            if (!float.IsFinite(row[i]))
            {
                RejectedCount++;
                return;
            }

            converted[i] = row[i];
        }

        AddFinite(converted);
    }

    /// <summary>Adds the contents of <paramref name="other"/>, which must have the same dimension.</summary>
    public void Merge(CovarianceSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._d != _d)
        {
            throw new ArgumentException($"Cannot merge a covariance summary of dimension {other._d} into one of dimension {_d}.", nameof(other));
        }

        if (ReferenceEquals(other, this))
        {
            other = Clone();
        }

        RejectedCount = checked(RejectedCount + other.RejectedCount);
        if (other._count == 0)
        {
            return;
        }

        if (_count == 0)
        {
            other.CopyMomentsTo(this);
            return;
        }

        var d = _d;
        var na = (double)_count;
        var nb = (double)other._count;
        var total = checked(_count + other._count);
        var n = (double)total;
        var diff = _delta;
        for (var i = 0; i < d; i++)
        {
            diff[i] = other._mean[i] - _mean[i];
        }

        // Shift both parts' central moments to the common mean: δa = (nb/n)·diff, δb = −(na/n)·diff.
        var shiftA = nb / n;
        var shiftB = -na / n;
        var quarticA = ShiftQuartic(_count, _comoment, _cubic, _quartic, diff, shiftA, _product, out var cubicAFactorTrace, out var sA);
        var quarticB = ShiftQuartic(other._count, other._comoment, other._cubic, other._quartic, diff, shiftB, _row, out var cubicBFactorTrace, out var sB);

        // B' = B − tr(C)·δ − 2·C·δ − m·‖δ‖²·δ for each part, δ = shift·diff, C·diff in the scratch buffers.
        for (var i = 0; i < d; i++)
        {
            var cubicA = _cubic[i] - (shiftA * cubicAFactorTrace * diff[i]) - (2 * shiftA * _product[i]) - (na * shiftA * shiftA * sA * shiftA * diff[i]);
            var cubicB = other._cubic[i] - (shiftB * cubicBFactorTrace * diff[i]) - (2 * shiftB * _row[i]) - (nb * shiftB * shiftB * sB * shiftB * diff[i]);
            _cubic[i] = cubicA + cubicB;
        }

        _quartic = quarticA + quarticB;
        var weight = na * nb / n;
        for (var i = 0; i < d; i++)
        {
            var rowOffset = i * d;
            var wi = weight * diff[i];
            for (var j = 0; j < d; j++)
            {
                _comoment[rowOffset + j] += other._comoment[rowOffset + j] + (wi * diff[j]);
            }
        }

        for (var i = 0; i < d; i++)
        {
            _mean[i] += shiftA * diff[i];
        }

        _count = total;
    }

    /// <summary>Sample covariance (divisor n − 1), row-major d×d; all NaN when Count &lt; 2.</summary>
    public double[] Covariance()
    {
        var result = new double[_d * _d];
        if (_count < 2)
        {
            Array.Fill(result, double.NaN);
            return result;
        }

        var scale = 1.0 / (_count - 1);
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _comoment[i] * scale;
        }

        return result;
    }

    /// <summary>
    /// Ledoit–Wolf (2004) shrinkage of the maximum-likelihood covariance S (divisor n) toward μ·I,
    /// μ = tr(S)/d, computed exactly as <c>sklearn.covariance.ledoit_wolf</c> does:
    /// δ̂ = ‖XᵀX‖²_F/n², β = (Σ‖x_k‖⁴/n − δ̂)/(d·n), δ = (δ̂ − 2μ·tr(S) + dμ²)/d,
    /// shrinkage = min(β, δ)/δ (0 when that is 0, and 0 for d = 1), result (1 − s)·S + s·μ·I,
    /// with X the centered rows. Row-major d×d; all NaN (and shrinkage NaN) when empty.
    /// </summary>
    public double[] ShrunkCovariance(out double shrinkage)
    {
        var d = _d;
        var result = new double[d * d];
        if (_count == 0)
        {
            Array.Fill(result, double.NaN);
            shrinkage = double.NaN;
            return result;
        }

        var n = (double)_count;
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _comoment[i] / n;
        }

        if (d == 1)
        {
            shrinkage = 0.0;
            return result;
        }

        double traceC = 0, frobeniusSquared = 0;
        for (var i = 0; i < d; i++)
        {
            traceC += _comoment[(i * d) + i];
        }

        foreach (var c in _comoment)
        {
            frobeniusSquared += c * c;
        }

        var mu = traceC / (n * d);
        var deltaHat = frobeniusSquared / (n * n);
        var beta = 1.0 / (d * n) * ((_quartic / n) - deltaHat);
        var delta = (deltaHat - (2.0 * mu * (traceC / n)) + (d * mu * mu)) / d;
        beta = Math.Min(beta, delta);
        shrinkage = beta == 0.0 || !(delta > 0.0) ? 0.0 : Math.Clamp(beta / delta, 0.0, 1.0);

        for (var i = 0; i < result.Length; i++)
        {
            result[i] *= 1.0 - shrinkage;
        }

        for (var i = 0; i < d; i++)
        {
            result[(i * d) + i] += shrinkage * mu;
        }

        return result;
    }

    /// <summary>Mahalanobis scorer from the mean and the Ledoit–Wolf shrunk covariance; needs Count ≥ 2.</summary>
    public MahalanobisScorer CreateScorer()
    {
        if (_count < 2)
        {
            throw new InvalidOperationException($"A Mahalanobis scorer needs at least 2 rows, the summary has {_count}.");
        }

        var shrunk = ShrunkCovariance(out _);
        return MahalanobisScorer.FromCovariance(_mean, shrunk);
    }

    /// <summary>An independent copy.</summary>
    public CovarianceSummary Clone()
    {
        var copy = new CovarianceSummary(_d) { RejectedCount = RejectedCount };
        CopyMomentsTo(copy);
        return copy;
    }

    /// <summary>Forgets everything.</summary>
    public void Reset()
    {
        _count = 0;
        RejectedCount = 0;
        _quartic = 0;
        Array.Clear(_mean);
        Array.Clear(_comoment);
        Array.Clear(_cubic);
    }

    /// <summary>
    /// Writes: Byte version (1), Int32 d, Int64 count, Int64 rejected, then when count &gt; 0 the mean
    /// (Double array), the upper triangle of the co-moment matrix row by row (Double array),
    /// Σ‖y‖²y (Double array) and Σ‖y‖⁴ (Double).
    /// </summary>
    public void WriteTo(BinaryBufferWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteByte(FormatVersion);
        writer.WriteInt32(_d);
        writer.WriteInt64(_count);
        writer.WriteInt64(RejectedCount);
        if (_count == 0)
        {
            return;
        }

        writer.WriteDoubleArray(_mean);
        var upper = new double[_d * (_d + 1) / 2];
        var index = 0;
        for (var i = 0; i < _d; i++)
        {
            for (var j = i; j < _d; j++)
            {
                upper[index++] = _comoment[(i * _d) + j];
            }
        }

        writer.WriteDoubleArray(upper);
        writer.WriteDoubleArray(_cubic);
        writer.WriteDouble(_quartic);
    }

    /// <summary>Reads and validates a summary written by <see cref="WriteTo"/>.</summary>
    public static CovarianceSummary ReadFrom(ref BinaryBufferReader reader) => ReadFrom(ref reader, build: true, out _)!;

    /// <summary>Reads a summary written by <see cref="WriteTo"/> with every check of <see cref="ReadFrom(ref BinaryBufferReader)"/>; builds it only when <paramref name="build"/> (else returns null); <paramref name="dimension"/> is its dimension.</summary>
    public static CovarianceSummary? ReadFrom(ref BinaryBufferReader reader, bool build, out int dimension)
    {
        SketchFormat.ReadVersion(ref reader, "covariance.version", FormatVersion);
        var d = dimension = SketchFormat.ReadInt32InRange(ref reader, "covariance.dimension", 1, MaxDimension);
        var count = SketchFormat.ReadNonNegativeInt64(ref reader, "covariance.count");
        var rejected = SketchFormat.ReadNonNegativeInt64(ref reader, "covariance.rejectedCount");
        SketchFormat.EnsureSumFits(ref reader, "covariance total count", count, rejected);
        var summary = build ? new CovarianceSummary(d) { _count = count, RejectedCount = rejected } : null;
        if (count == 0)
        {
            return summary;
        }

        var mean = ReadFiniteArray(ref reader, "covariance.mean", d);
        var start = reader.Position;
        var upper = ReadFiniteArray(ref reader, "covariance.comoment", d * (d + 1) / 2);
        var cubic = ReadFiniteArray(ref reader, "covariance.cubic", d);
        var quarticStart = reader.Position;
        var quartic = reader.ReadFiniteDouble("covariance.quartic");
        if (quartic < 0)
        {
            throw reader.Fail(quarticStart, "field 'covariance.quartic' must not be negative");
        }

        var index = 0;
        var allZero = quartic == 0;
        for (var i = 0; i < d; i++)
        {
            var cubicValue = BinaryPrimitives.ReadDoubleLittleEndian(cubic[(i * sizeof(double))..]);
            allZero &= cubicValue == 0;
            if (summary is not null)
            {
                summary._mean[i] = BinaryPrimitives.ReadDoubleLittleEndian(mean[(i * sizeof(double))..]);
                summary._cubic[i] = cubicValue;
            }

            for (var j = i; j < d; j++)
            {
                var value = BinaryPrimitives.ReadDoubleLittleEndian(upper[(index++ * sizeof(double))..]);
                if (i == j && value < 0)
                {
                    throw reader.Fail(start, $"field 'covariance.comoment' has a negative diagonal entry at {i}");
                }

                allZero &= value == 0;
                if (summary is not null)
                {
                    summary._comoment[(i * d) + j] = value;
                    summary._comoment[(j * d) + i] = value;
                }
            }
        }

        if (count == 1 && !allZero)
        {
            throw reader.Fail(start, "a summary of one row must have zero central moments");
        }

        if (summary is not null)
        {
            summary._quartic = quartic;
        }

        return summary;
    }

    /// <summary>Reads a Double array of exactly <paramref name="expectedLength"/> finite values; returns its bytes (little-endian, not copied).</summary>
    private static ReadOnlySpan<byte> ReadFiniteArray(ref BinaryBufferReader reader, string field, int expectedLength)
    {
        var start = reader.Position;
        var bytes = reader.ReadArrayBytes(field, expectedLength, sizeof(double));
        if (bytes.Length != expectedLength * sizeof(double))
        {
            throw reader.Fail(start, $"field '{field}' has {bytes.Length / sizeof(double)} entries, expected {expectedLength}");
        }

        for (var i = 0; i < expectedLength; i++)
        {
            if (!double.IsFinite(BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * sizeof(double))..])))
            {
                throw reader.Fail(start, $"field '{field}' holds a non-finite value");
            }
        }

        return bytes;
    }

    /// <summary>
    /// Σ‖y − δ‖⁴ over a part with central moments (C, B, A), δ = shift·diff; also returns C·diff in
    /// <paramref name="cTimesDiff"/>, tr(C) and ‖diff‖².
    /// </summary>
    private static double ShiftQuartic(
        long count, double[] comoment, double[] cubic, double quartic, double[] diff, double shift,
        double[] cTimesDiff, out double traceC, out double diffNormSquared)
    {
        var d = diff.Length;
        double trace = 0, s = 0, quadratic = 0, cubicDot = 0;
        for (var i = 0; i < d; i++)
        {
            var rowOffset = i * d;
            double sum = 0;
            for (var j = 0; j < d; j++)
            {
                sum += comoment[rowOffset + j] * diff[j];
            }

            cTimesDiff[i] = sum;
            quadratic += diff[i] * sum;
            trace += comoment[rowOffset + i];
            s += diff[i] * diff[i];
            cubicDot += cubic[i] * diff[i];
        }

        traceC = trace;
        diffNormSquared = s;
        var shift2 = shift * shift;
        var deltaNorm2 = shift2 * s;
        return quartic + (count * deltaNorm2 * deltaNorm2) + (4 * shift2 * quadratic) + (2 * deltaNorm2 * trace) - (4 * shift * cubicDot);
    }

    private void AddFinite(ReadOnlySpan<double> x)
    {
        var d = _d;
        if (_count == 0)
        {
            x.CopyTo(_mean);
            _count = 1;
            return;
        }

        var n = (double)_count;
        var n1 = n + 1;
        var delta = _delta;
        for (var i = 0; i < d; i++)
        {
            delta[i] = x[i] - _mean[i];
        }

        // This part shifts by δa = a·δ, the new row contributes the singleton term with δb = −b·δ.
        var a = 1.0 / n1;
        var b = n / n1;
        var quarticShifted = ShiftQuartic(_count, _comoment, _cubic, _quartic, delta, a, _product, out var trace, out var s);
        var b2s = b * b * s;
        _quartic = quarticShifted + (b2s * b2s);
        var cubicScale = (-a * trace) - (n * a * a * a * s) + (b * b2s);
        for (var i = 0; i < d; i++)
        {
            _cubic[i] += (cubicScale * delta[i]) - (2 * a * _product[i]);
        }

        for (var i = 0; i < d; i++)
        {
            var rowOffset = i * d;
            var wi = b * delta[i];
            for (var j = 0; j < d; j++)
            {
                _comoment[rowOffset + j] += wi * delta[j];
            }

            _mean[i] += a * delta[i];
        }

        _count++;
    }

    private void CopyMomentsTo(CovarianceSummary target)
    {
        target._count = _count;
        target._quartic = _quartic;
        _mean.CopyTo(target._mean, 0);
        _comoment.CopyTo(target._comoment, 0);
        _cubic.CopyTo(target._cubic, 0);
    }

    private void CheckLength(int length)
    {
        if (length != _d)
        {
            ThrowLength(length, "row");
        }
    }

    private void ThrowLength(int length, string paramName) =>
        throw new ArgumentException($"Row has {length} values, the covariance summary expects {_d}.", paramName);
}
