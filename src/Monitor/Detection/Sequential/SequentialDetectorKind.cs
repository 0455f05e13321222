namespace EdgeSentinel.Monitor.Detection.Sequential;

/// <summary>The sequential change detector run on each per-sample score stream.</summary>
public enum SequentialDetectorKind
{
    /// <summary>Two-sided tabular CUSUM with allowance k and threshold h.</summary>
    Cusum = 0,

    /// <summary>Two-sided Page–Hinkley test with a running-mean estimate, tolerance δ and threshold λ.</summary>
    PageHinkley = 1,

    /// <summary>Two-sided Shiryaev–Roberts procedure for post-change means ±δ with threshold A on R.</summary>
    ShiryaevRoberts = 2,
}
