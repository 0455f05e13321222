namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>What one <see cref="DriftMonitor.Observe"/> call found; flags combine.</summary>
[Flags]
public enum ObserveResult
{
    /// <summary>Nothing to act on.</summary>
    None = 0,

    /// <summary>A sequential detector crossed its calibrated threshold; take it with <see cref="DriftMonitor.TryTakeSequentialAlarm"/>.</summary>
    SequentialAlarm = 1,

    /// <summary>This inference's activations were far outside the baseline and began an episode (none in the baseline's episode gap before); take it with <see cref="DriftMonitor.TryTakeActivationAnomaly"/>.</summary>
    ActivationAnomaly = 2,

    /// <summary>A window of observations is complete; take it with <see cref="DriftMonitor.TryTakeWindow"/>.</summary>
    WindowReady = 4,

    /// <summary>The observation held NaN or ±∞ values (counted; scores skipped for them).</summary>
    NonFiniteValues = 8,

    /// <summary>A completed window or an event was dropped because the consumer fell behind (counted).</summary>
    Dropped = 16,
}
