using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace EdgeSentinel.Monitor.Detection.Sequential;

/// <summary>
/// Two-sided Page–Hinkley test (Page 1954, Hinkley 1971) with a running-mean estimate:
/// with x̄ₜ the mean of the first t scores, Uₜ = Σᵢ≤ₜ (xᵢ − x̄ᵢ − δ) and Lₜ = Σᵢ≤ₜ (xᵢ − x̄ᵢ + δ),
/// PH⁺ = Uₜ − minₛ≤ₜ Uₛ and PH⁻ = maxₛ≤ₜ Lₛ − Lₜ (U₀ = L₀ = 0); alarm when either reaches λ.
/// </summary>
/// <remarks>
/// <para>The textbook min/max form equals the Lindley recursion PH⁺ₜ = max(0, PH⁺ₜ₋₁ + xₜ − x̄ₜ − δ)
/// (and its mirror), which is what is computed: it stays bounded where Uₜ drifts without bound.
/// With a known mean of 0 (x̄ₜ ≡ 0) Page–Hinkley coincides with the two-sided CUSUM with k = δ; the
/// only difference here is the running mean, which slowly absorbs a persistent shift.</para>
/// <para>Not thread-safe. Scores must be finite (see <see cref="TwoSidedCusum"/>).</para>
/// </remarks>
internal sealed class PageHinkley
{
    /// <summary>Default magnitude tolerance δ, in σ units.</summary>
    public const double DefaultTolerance = 0.5;

    private double _count;
    private double _mean;
    private double _upper;
    private double _lower;

    public PageHinkley(double threshold, double tolerance = DefaultTolerance)
    {
        SequentialParameters.ValidateThreshold(threshold, nameof(threshold));
        SequentialParameters.ValidateShift(tolerance, nameof(tolerance));
        Threshold = threshold;
        Tolerance = tolerance;
    }

    /// <summary>Magnitude tolerance δ in σ units.</summary>
    public double Tolerance { get; }

    /// <summary>Decision threshold λ.</summary>
    public double Threshold { get; }

    /// <summary>Number of scores since the last reset.</summary>
    public long Count => (long)_count;

    /// <summary>Running mean estimate x̄ₜ.</summary>
    public double Mean => _mean;

    /// <summary>PH⁺ (increase of the mean).</summary>
    public double Upper => _upper;

    /// <summary>PH⁻ (decrease of the mean).</summary>
    public double Lower => _lower;

    /// <summary>max(PH⁺, PH⁻).</summary>
    public double Statistic => Math.Max(_upper, _lower);

    /// <summary>Adds one finite score; true when either side is at or above λ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Update(double z) => Step(ref _count, ref _mean, ref _upper, ref _lower, z, Tolerance) >= Threshold;

    /// <summary>Forgets the running mean and restarts both sides at zero.</summary>
    public void Reset()
    {
        _count = 0;
        _mean = 0;
        _upper = 0;
        _lower = 0;
    }

    /// <summary>One Page–Hinkley step on the given state; returns max(PH⁺, PH⁻).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Step(ref double count, ref double mean, ref double upper, ref double lower, double z, double tolerance)
    {
        Debug.Assert(double.IsFinite(z), "scores must be finite; the caller filters and counts NaN/±Inf");
        count += 1.0;
        mean += (z - mean) / count;
        var deviation = z - mean;
        upper = Math.Max(0.0, upper + deviation - tolerance);
        lower = Math.Max(0.0, lower - deviation - tolerance);
        return Math.Max(upper, lower);
    }
}
