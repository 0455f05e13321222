namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>Whether a channel carries real numbers or category indices.</summary>
public enum ChannelValueKind
{
    /// <summary>Real-valued: moments, quantile sketch and histogram.</summary>
    Continuous,

    /// <summary>Category indices 0..CategoryCount-1: category counts.</summary>
    Categorical,
}
