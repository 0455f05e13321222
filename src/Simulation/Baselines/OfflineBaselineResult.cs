using EdgeSentinel.Monitor.Baselines;

namespace EdgeSentinel.Simulation.Baselines;

/// <summary>A baseline built by <see cref="OfflineBaseline.Build"/> and how the rows were used.</summary>
/// <param name="Baseline">The calibrated baseline.</param>
/// <param name="TrainingRows">Rows summarized into the fingerprint.</param>
/// <param name="HeldOutRows">Rows used to calibrate the thresholds.</param>
/// <param name="Canaries">Held-out rows kept as canaries.</param>
public sealed record OfflineBaselineResult(Baseline Baseline, int TrainingRows, int HeldOutRows, int Canaries);
