using System.Runtime.CompilerServices;

namespace EdgeSentinel.Monitor.Detection.Sequential;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, fast, seedable generator whose sequence is
/// fixed by its seed on every runtime, used for reproducible bootstrap resampling.
/// </summary>
/// <remarks>Mutable value type: keep it in a field or local and pass it by reference.</remarks>
internal struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed)
    {
        _state = seed;
    }

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform integer in [0, bound) by Lemire's multiply-high (bias below 2⁻³²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextInt32(int bound)
    {
        System.Diagnostics.Debug.Assert(bound > 0, "bound must be positive");
        return (int)Math.BigMul(NextUInt64(), (ulong)bound, out _);
    }
}
