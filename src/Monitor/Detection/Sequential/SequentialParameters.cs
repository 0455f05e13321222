namespace EdgeSentinel.Monitor.Detection.Sequential;

/// <summary>Validation shared by the sequential detectors' constructors.</summary>
internal static class SequentialParameters
{
    /// <summary>Thresholds must be finite and positive.</summary>
    public static void ValidateThreshold(double threshold, string name)
    {
        if (!double.IsFinite(threshold) || threshold <= 0)
        {
            throw new ArgumentOutOfRangeException(name, threshold, "must be finite and positive");
        }
    }

    /// <summary>Allowances and shift sizes must be finite and non-negative (positive for Shiryaev–Roberts).</summary>
    public static void ValidateShift(double shift, string name, bool positive = false)
    {
        if (!double.IsFinite(shift) || shift < 0 || (positive && shift == 0))
        {
            throw new ArgumentOutOfRangeException(name, shift, positive ? "must be finite and positive" : "must be finite and non-negative");
        }
    }

    /// <summary>Score clips must be positive; +∞ means no clipping.</summary>
    public static void ValidateClip(double clip, string name)
    {
        if (double.IsNaN(clip) || clip <= 0)
        {
            throw new ArgumentOutOfRangeException(name, clip, "must be positive (+Infinity: no clipping)");
        }
    }
}
