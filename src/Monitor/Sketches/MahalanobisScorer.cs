using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Sketches;

/// <summary>
/// Squared Mahalanobis distance (x − μ)ᵀ Σ⁻¹ (x − μ) to a fixed mean and covariance, through the
/// Cholesky factor Σ = L·Lᵀ (forward substitution, O(d²) per call).
/// </summary>
/// <remarks>
/// Immutable after construction and thread-safe: the distance methods use a stack buffer
/// (d ≤ 1024, at most 8 KiB) and allocate nothing. If Σ is not numerically positive definite,
/// construction adds a ridge to its diagonal (see <see cref="Ridge"/>).
/// </remarks>
internal sealed class MahalanobisScorer
{
    private const byte FormatVersion = 1;
    private const double PivotTolerance = 1e-12;

    private readonly double[] _mean;
    private readonly double[] _cholesky; // lower triangle, row-major d×d (upper part zero)

    private MahalanobisScorer(double[] mean, double[] cholesky, double ridge)
    {
        _mean = mean;
        _cholesky = cholesky;
        Ridge = ridge;
    }

    /// <summary>Dimension d.</summary>
    public int Dimension => _mean.Length;

    /// <summary>Mean μ.</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>
    /// Value added to the covariance diagonal before factorization: 0 normally; otherwise
    /// 1e-9·μ̄·10^j (μ̄ = mean variance, or 1 when all variances are 0) for the smallest j that
    /// makes every Cholesky pivot exceed 1e-12 times the largest diagonal entry.
    /// </summary>
    public double Ridge { get; }

    /// <summary>Builds a scorer from a mean and a symmetric covariance (row-major d×d; both copied).</summary>
    public static MahalanobisScorer FromCovariance(ReadOnlySpan<double> mean, ReadOnlySpan<double> covariance)
    {
        var d = mean.Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(d, 1, nameof(mean));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(d, CovarianceSummary.MaxDimension, nameof(mean));
        if (covariance.Length != d * d)
        {
            throw new ArgumentException($"Covariance has {covariance.Length} entries, expected {d}×{d}.", nameof(covariance));
        }

        foreach (var v in mean)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException("The mean must be finite.", nameof(mean));
            }
        }

        double trace = 0;
        foreach (var v in covariance)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException("The covariance must be finite.", nameof(covariance));
            }
        }

        for (var i = 0; i < d; i++)
        {
            trace += covariance[(i * d) + i];
        }

        var factor = new double[d * d];
        var ridge = 0.0;
        var ridgeStep = 1e-9 * (trace > 0 ? trace / d : 1.0);
        for (var attempt = 0; attempt < 40; attempt++)
        {
            if (TryCholesky(covariance, d, ridge, factor))
            {
                return new MahalanobisScorer(mean.ToArray(), factor, ridge);
            }

            ridge = attempt == 0 ? ridgeStep : ridge * 10;
        }

        throw new ArgumentException("The covariance cannot be made positive definite (is it symmetric?).", nameof(covariance));
    }

    /// <summary>Squared Mahalanobis distance of <paramref name="x"/> (length d); NaN or ∞ when x holds them. No allocation.</summary>
    public double DistanceSquared(ReadOnlySpan<double> x)
    {
        CheckLength(x.Length);
        var d = _mean.Length;
        Span<double> z = stackalloc double[d];
        var factor = _cholesky;
        double total = 0;
        for (var i = 0; i < d; i++)
        {
            var rowOffset = i * d;
            var sum = x[i] - _mean[i];
            for (var j = 0; j < i; j++)
            {
                sum -= factor[rowOffset + j] * z[j];
            }

            var zi = sum / factor[rowOffset + i];
            z[i] = zi;
            total += zi * zi;
        }

        return total;
    }

    /// <summary>Squared Mahalanobis distance of a float row (length d). No allocation.</summary>
    public double DistanceSquared(ReadOnlySpan<float> x)
    {
        CheckLength(x.Length);
        Span<double> widened = stackalloc double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            widened[i] = x[i];
        }

        return DistanceSquared(widened);
    }

    /// <summary>The precision matrix Σ⁻¹ = L⁻ᵀ·L⁻¹ (row-major d×d, symmetric).</summary>
    public double[] Precision()
    {
        var d = _mean.Length;
        var inverse = new double[d * d]; // L⁻¹, lower triangular
        for (var column = 0; column < d; column++)
        {
            for (var i = column; i < d; i++)
            {
                var sum = i == column ? 1.0 : 0.0;
                for (var j = column; j < i; j++)
                {
                    sum -= _cholesky[(i * d) + j] * inverse[(j * d) + column];
                }

                inverse[(i * d) + column] = sum / _cholesky[(i * d) + i];
            }
        }

        var precision = new double[d * d];
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                double sum = 0;
                for (var k = i; k < d; k++)
                {
                    sum += inverse[(k * d) + i] * inverse[(k * d) + j];
                }

                precision[(i * d) + j] = sum;
                precision[(j * d) + i] = sum;
            }
        }

        return precision;
    }

    /// <summary>The covariance actually used, L·Lᵀ (row-major d×d; includes <see cref="Ridge"/>).</summary>
    public double[] CovarianceUsed()
    {
        var d = _mean.Length;
        var result = new double[d * d];
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                double sum = 0;
                for (var k = 0; k <= j; k++)
                {
                    sum += _cholesky[(i * d) + k] * _cholesky[(j * d) + k];
                }

                result[(i * d) + j] = sum;
                result[(j * d) + i] = sum;
            }
        }

        return result;
    }

    /// <summary>Writes: Byte version (1), Double array mean, Double array of the Cholesky factor's lower triangle row by row, Double ridge.</summary>
    public void WriteTo(BinaryBufferWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var d = _mean.Length;
        writer.WriteByte(FormatVersion);
        writer.WriteDoubleArray(_mean);
        var lower = new double[d * (d + 1) / 2];
        var index = 0;
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                lower[index++] = _cholesky[(i * d) + j];
            }
        }

        writer.WriteDoubleArray(lower);
        writer.WriteDouble(Ridge);
    }

    /// <summary>Reads and validates a scorer written by <see cref="WriteTo"/> (finite values, positive diagonal).</summary>
    public static MahalanobisScorer ReadFrom(ref BinaryBufferReader reader)
    {
        SketchFormat.ReadVersion(ref reader, "mahalanobis.version", FormatVersion);
        var start = reader.Position;
        var mean = reader.ReadDoubleArray("mahalanobis.mean", CovarianceSummary.MaxDimension);
        var d = mean.Length;
        if (d == 0)
        {
            throw reader.Fail(start, "field 'mahalanobis.mean' must hold at least one value");
        }

        foreach (var v in mean)
        {
            if (!double.IsFinite(v))
            {
                throw reader.Fail(start, "field 'mahalanobis.mean' holds a non-finite value");
            }
        }

        start = reader.Position;
        var expected = d * (d + 1) / 2;
        var lower = reader.ReadDoubleArray("mahalanobis.cholesky", expected);
        if (lower.Length != expected)
        {
            throw reader.Fail(start, $"field 'mahalanobis.cholesky' has {lower.Length} entries, expected {expected}");
        }

        var factor = new double[d * d];
        var index = 0;
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var value = lower[index++];
                if (!double.IsFinite(value) || (i == j && !(value > 0)))
                {
                    throw reader.Fail(start, $"field 'mahalanobis.cholesky' entry ({i},{j}) = {value} is not finite or not a positive diagonal");
                }

                factor[(i * d) + j] = value;
            }
        }

        start = reader.Position;
        var ridge = reader.ReadFiniteDouble("mahalanobis.ridge");
        if (ridge < 0)
        {
            throw reader.Fail(start, "field 'mahalanobis.ridge' must not be negative");
        }

        return new MahalanobisScorer(mean, factor, ridge);
    }

    private static bool TryCholesky(ReadOnlySpan<double> a, int d, double ridge, double[] factor)
    {
        Array.Clear(factor);
        var maxDiagonal = 0.0;
        for (var i = 0; i < d; i++)
        {
            maxDiagonal = Math.Max(maxDiagonal, a[(i * d) + i] + ridge);
        }

        if (!(maxDiagonal > 0))
        {
            return false;
        }

        for (var j = 0; j < d; j++)
        {
            var pivot = a[(j * d) + j] + ridge;
            for (var k = 0; k < j; k++)
            {
                pivot -= factor[(j * d) + k] * factor[(j * d) + k];
            }

            if (!(pivot > PivotTolerance * maxDiagonal))
            {
                return false;
            }

            var diagonal = Math.Sqrt(pivot);
            factor[(j * d) + j] = diagonal;
            for (var i = j + 1; i < d; i++)
            {
                var sum = a[(i * d) + j];
                for (var k = 0; k < j; k++)
                {
                    sum -= factor[(i * d) + k] * factor[(j * d) + k];
                }

                factor[(i * d) + j] = sum / diagonal;
            }
        }

        return true;
    }

    private void CheckLength(int length)
    {
        if (length != _mean.Length)
        {
            ThrowLength(length, "x");
        }
    }

    private void ThrowLength(int length, string paramName) =>
        throw new ArgumentException($"Input has {length} values, the scorer expects {_mean.Length}.", paramName);
}
