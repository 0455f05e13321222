namespace EdgeSentinel.Monitor.Baselines;

/// <summary>Size limits enforced when reading baseline files.</summary>
internal static class FingerprintLimits
{
    /// <summary>Largest flattened canary input or output.</summary>
    public const int MaxCanaryValues = 1 << 20;

    /// <summary>Largest baseline file accepted, in bytes.</summary>
    public const long MaxFileBytes = 1L << 30;
}
