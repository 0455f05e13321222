using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace EdgeSentinel.Monitor.Detection.Sequential;

/// <summary>
/// Two-sided tabular CUSUM on standardized scores: C⁺ₙ = max(0, C⁺ₙ₋₁ + z − k),
/// C⁻ₙ = max(0, C⁻ₙ₋₁ − z − k); alarm when either side reaches h.
/// </summary>
/// <remarks>
/// Not thread-safe. Scores must be finite: the caller decides what NaN/±∞ mean and counts them
/// before calling <see cref="Update"/> (checked by <see cref="Debug.Assert(bool)"/> only).
/// </remarks>
internal sealed class TwoSidedCusum
{
    /// <summary>Default allowance: half of a 1σ shift, the optimal reference value for detecting it.</summary>
    public const double DefaultAllowance = 0.5;

    private double _upper;
    private double _lower;

    public TwoSidedCusum(double threshold, double allowance = DefaultAllowance)
    {
        SequentialParameters.ValidateThreshold(threshold, nameof(threshold));
        SequentialParameters.ValidateShift(allowance, nameof(allowance));
        Threshold = threshold;
        Allowance = allowance;
    }

    /// <summary>Reference value k in σ units.</summary>
    public double Allowance { get; }

    /// <summary>Decision threshold h in σ units.</summary>
    public double Threshold { get; }

    /// <summary>Upper side C⁺ (detects an increase of the mean).</summary>
    public double Upper => _upper;

    /// <summary>Lower side C⁻ (detects a decrease of the mean).</summary>
    public double Lower => _lower;

    /// <summary>max(C⁺, C⁻).</summary>
    public double Statistic => Math.Max(_upper, _lower);

    /// <summary>Adds one finite standardized score; true when either side is at or above h.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Update(double z) => Step(ref _upper, ref _lower, z, Allowance) >= Threshold;

    /// <summary>Restarts both sides at zero.</summary>
    public void Reset()
    {
        _upper = 0;
        _lower = 0;
    }

    /// <summary>One CUSUM step on the given state; returns max(C⁺, C⁻).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Step(ref double upper, ref double lower, double z, double allowance)
    {
        Debug.Assert(double.IsFinite(z), "scores must be finite; the caller filters and counts NaN/±Inf");
        upper = Math.Max(0.0, upper + z - allowance);
        lower = Math.Max(0.0, lower - z - allowance);
        return Math.Max(upper, lower);
    }
}
