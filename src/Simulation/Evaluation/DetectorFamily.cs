namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>The detector families whose alarms the evaluation times separately.</summary>
public enum DetectorFamily
{
    /// <summary>The sequential (CUSUM) bank on the standardized, prewhitened per-sample scores.</summary>
    Sequential = 0,

    /// <summary>The window tests (per-channel tests, Holm across channels) on each completed window.</summary>
    Window = 1,

    /// <summary>Per-inference activation anomalies (Mahalanobis distance of a tap).</summary>
    Activation = 2,
}
