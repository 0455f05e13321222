using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Randomness;

/// <summary>
/// SplitMix64 pseudo-random generator (Steele, Lea and Flood 2014; constants of Vigna's reference
/// <c>splitmix64.c</c>): the state advances by 0x9E3779B97F4A7C15 and each output is the state
/// passed through the variant-13 64-bit finalizer.
/// </summary>
/// <remarks>
/// Bit-for-bit reproducible on every IEEE-754 machine: it uses only integer arithmetic, exactly
/// rounded double operations (+, −, ×, ÷, √) and its own logarithm (no <see cref="Math.Log(double)"/>,
/// whose last bit may differ between platforms). Not cryptographic. Not thread-safe.
/// </remarks>
internal sealed class SplitMix64
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private const double Ln2 = 0.693147180559945309417232121458176568;

    private ulong _state;
    private bool _hasSpareGaussian;
    private double _spareGaussian;

    /// <summary>Creates a generator whose first output is determined by <paramref name="seed"/>.</summary>
    public SplitMix64(ulong seed)
    {
        _state = seed;
    }

    /// <summary>Next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        var z = _state += Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>), unbiased (Lemire 2019).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        var bound = (ulong)maxExclusive;
        var high = Math.BigMul(NextUInt64(), bound, out var low);
        if (low < bound)
        {
            var threshold = (0UL - bound) % bound;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), bound, out low);
            }
        }

        return (int)high;
    }

    /// <summary>Next random bit (the top bit of the next output).</summary>
    public bool NextBoolean() => (NextUInt64() >> 63) != 0;

    /// <summary>Standard normal deviate by Marsaglia's polar method (pairs; the second is kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_hasSpareGaussian)
        {
            _hasSpareGaussian = false;
            return _spareGaussian;
        }

        double u, v, s;
        do
        {
            u = (2.0 * NextDouble()) - 1.0;
            v = (2.0 * NextDouble()) - 1.0;
            s = (u * u) + (v * v);
        }
        while (s >= 1.0 || s == 0.0);

        var factor = Math.Sqrt(-2.0 * NaturalLog(s) / s);
        _spareGaussian = v * factor;
        _hasSpareGaussian = true;
        return u * factor;
    }

    /// <summary>Copies the full state (including a cached Gaussian).</summary>
    public SplitMix64 Clone() => new(_state) { _hasSpareGaussian = _hasSpareGaussian, _spareGaussian = _spareGaussian };

    /// <summary>Writes the state: UInt64 state, Boolean has-spare, Double spare (0 when none).</summary>
    public void WriteTo(BinaryBufferWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt64(_state);
        writer.WriteBoolean(_hasSpareGaussian);
        writer.WriteDouble(_hasSpareGaussian ? _spareGaussian : 0.0);
    }

    /// <summary>Reads a state written by <see cref="WriteTo"/>; the spare must be finite, and 0 when absent.</summary>
    public static SplitMix64 ReadFrom(ref BinaryBufferReader reader) => ReadFrom(ref reader, build: true)!;

    /// <summary>Reads a state written by <see cref="WriteTo"/> with the checks of <see cref="ReadFrom(ref BinaryBufferReader)"/>; builds it only when <paramref name="build"/>.</summary>
    public static SplitMix64? ReadFrom(ref BinaryBufferReader reader, bool build)
    {
        var state = reader.ReadUInt64("prng.state");
        var hasSpare = reader.ReadBoolean("prng.hasSpare");
        var start = reader.Position;
        var spare = reader.ReadFiniteDouble("prng.spare");
        if (!hasSpare && BitConverter.DoubleToInt64Bits(spare) != 0)
        {
            throw reader.Fail(start, "field 'prng.spare' must be 0 when no spare Gaussian is cached");
        }

        return build ? new SplitMix64(state) { _hasSpareGaussian = hasSpare, _spareGaussian = spare } : null;
    }

    /// <summary>Natural logarithm of a positive finite normal or subnormal x, from exactly rounded operations only.</summary>
    internal static double NaturalLog(double x)
    {
        if (!(x > 0.0) || !double.IsFinite(x))
        {
            return x == 0.0 ? double.NegativeInfinity : double.NaN;
        }

        var exponentAdjust = 0;
        if (x < 2.2250738585072014E-308)
        {
            x *= 18014398509481984.0; // 2^54: make a subnormal normal
            exponentAdjust = -54;
        }

        var bits = BitConverter.DoubleToInt64Bits(x);
        var exponent = (int)((bits >> 52) & 0x7FF) - 1023 + exponentAdjust;
        var mantissa = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L); // [1, 2)
        if (mantissa > 1.4142135623730951)
        {
            mantissa *= 0.5;
            exponent++;
        }

        // ln(m) = 2·atanh(t), t = (m − 1)/(m + 1), |t| ≤ 0.1716: the series converges below 1e-17 in 12 terms.
        var t = (mantissa - 1.0) / (mantissa + 1.0);
        var t2 = t * t;
        var term = t;
        var sum = t;
        for (var k = 3; k <= 27; k += 2)
        {
            term *= t2;
            sum += term / k;
        }

        return (exponent * Ln2) + (2.0 * sum);
    }
}
