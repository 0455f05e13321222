namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>One inference whose projected activations were far from the baseline's.</summary>
/// <param name="Sample">Index of the observation.</param>
/// <param name="Tap">Tap index in the schema.</param>
/// <param name="DistanceSquared">Squared Mahalanobis distance to the baseline activations.</param>
/// <param name="Threshold">Calibrated threshold on the squared distance.</param>
public readonly record struct ActivationAnomaly(long Sample, int Tap, double DistanceSquared, double Threshold);
