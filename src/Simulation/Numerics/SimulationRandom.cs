namespace EdgeSentinel.Simulation.Numerics;

/// <summary>
/// SplitMix64 pseudo-random generator (Steele, Lea and Flood 2014; constants of Vigna's reference
/// <c>splitmix64.c</c>) with uniform and Gaussian draws built only from exactly rounded operations.
/// </summary>
/// <remarks>
/// Every value depends only on the seed and the sequence of calls, so the same seed gives the same
/// bits on every IEEE-754 machine (the Gaussian uses <see cref="DeterministicMath.Log"/>, not
/// <see cref="Math.Log(double)"/>). Not cryptographic. Not thread-safe.
/// </remarks>
internal sealed class SimulationRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    private ulong _state;
    private bool _hasSpare;
    private double _spare;

    /// <summary>Creates a generator whose outputs are determined by <paramref name="seed"/>.</summary>
    public SimulationRandom(ulong seed)
    {
        _state = seed;
    }

    /// <summary>Derives an independent seed for a named sub-stream (one SplitMix64 finalizer over seed and tag).</summary>
    public static ulong DeriveSeed(ulong seed, ulong tag)
    {
        var z = seed + (tag * Golden) + Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
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

    /// <summary>Uniform double in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double NextDouble(double low, double high) => low + ((high - low) * NextDouble());

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

    /// <summary>Standard normal deviate (Marsaglia's polar method; the second of each pair is kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }

        double u, v, s;
        do
        {
            u = (2.0 * NextDouble()) - 1.0;
            v = (2.0 * NextDouble()) - 1.0;
            s = (u * u) + (v * v);
        }
        while (s >= 1.0 || s == 0.0);

        var factor = Math.Sqrt(-2.0 * DeterministicMath.Log(s) / s);
        _spare = v * factor;
        _hasSpare = true;
        return u * factor;
    }

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher–Yates).</summary>
    public void Shuffle(Span<int> values)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
