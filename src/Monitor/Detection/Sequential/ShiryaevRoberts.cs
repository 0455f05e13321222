using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace EdgeSentinel.Monitor.Detection.Sequential;

/// <summary>
/// Two-sided Shiryaev–Roberts procedure on standardized scores: for post-change means +δ and −δ,
/// Rₙ = (1 + Rₙ₋₁)·exp(±δz − δ²/2), R₀ = 0; alarm when either R reaches A.
/// </summary>
/// <remarks>
/// <para>Kept in log space to avoid overflow: the state is ℓ = ln(1 + R), updated as
/// ℓₙ = softplus(ℓₙ₋₁ ± δz − δ²/2), and the alarm test R ≥ A is ℓ ≥ ln(1 + A).
/// <see cref="Statistic"/> is therefore ln(1 + R), which starts at 0 like a CUSUM.</para>
/// <para>Under no change Rₙ − n is a martingale, so E[Rₙ] = n for each side.</para>
/// <para>Not thread-safe. Scores must be finite (see <see cref="TwoSidedCusum"/>).</para>
/// </remarks>
internal sealed class ShiryaevRoberts
{
    /// <summary>Default post-change mean δ (σ units): tuned to a 1σ shift.</summary>
    public const double DefaultShift = 1.0;

    private readonly double _halfShiftSquared;
    private double _logUpper;
    private double _logLower;

    public ShiryaevRoberts(double threshold, double shift = DefaultShift)
    {
        SequentialParameters.ValidateThreshold(threshold, nameof(threshold));
        SequentialParameters.ValidateShift(shift, nameof(shift), positive: true);
        Threshold = threshold;
        Shift = shift;
        LogThreshold = StatisticFromThreshold(threshold);
        _halfShiftSquared = 0.5 * shift * shift;
    }

    /// <summary>Post-change mean δ in σ units (the detector watches +δ and −δ).</summary>
    public double Shift { get; }

    /// <summary>Threshold A on R.</summary>
    public double Threshold { get; }

    /// <summary>ln(1 + A): the threshold on <see cref="Statistic"/>.</summary>
    public double LogThreshold { get; }

    /// <summary>R for the +δ side (may be +∞ when it overflows a double; the state itself never does).</summary>
    public double UpperR => Math.Exp(_logUpper) - 1.0;

    /// <summary>R for the −δ side.</summary>
    public double LowerR => Math.Exp(_logLower) - 1.0;

    /// <summary>max over both sides of ln(1 + R).</summary>
    public double Statistic => Math.Max(_logUpper, _logLower);

    /// <summary>Adds one finite standardized score; true when either R is at or above A.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Update(double z) => Step(ref _logUpper, ref _logLower, z, Shift, _halfShiftSquared) >= LogThreshold;

    /// <summary>Restarts both sides at R = 0.</summary>
    public void Reset()
    {
        _logUpper = 0;
        _logLower = 0;
    }

    /// <summary>Maps a threshold A on R to the threshold ln(1 + A) on the statistic.</summary>
    internal static double StatisticFromThreshold(double threshold) => Math.Log(1.0 + threshold);

    /// <summary>Maps a threshold s on ln(1 + R) back to A = eˢ − 1.</summary>
    internal static double ThresholdFromStatistic(double statistic) => Math.Exp(statistic) - 1.0;

    /// <summary>One step on the log-space state ℓ = ln(1 + R) of both sides; returns the larger.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Step(ref double logUpper, ref double logLower, double z, double shift, double halfShiftSquared)
    {
        Debug.Assert(double.IsFinite(z), "scores must be finite; the caller filters and counts NaN/±Inf");
        var drift = shift * z;
        logUpper = Softplus(logUpper + drift - halfShiftSquared);
        logLower = Softplus(logLower - drift - halfShiftSquared);
        return Math.Max(logUpper, logLower);
    }

    /// <summary>ln(1 + eʳ) without overflow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Softplus(double r) => Math.Max(r, 0.0) + Math.Log(1.0 + Math.Exp(-Math.Abs(r)));
}
