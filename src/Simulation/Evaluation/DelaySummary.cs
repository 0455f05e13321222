namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>Detection delays over a set of streams.</summary>
/// <param name="Streams">Streams with a change.</param>
/// <param name="Detected">Streams where the change was detected (first alarm at or after the change point).</param>
/// <param name="MeanDelay">Mean delay in samples over the detected streams (NaN when none).</param>
/// <param name="WorstDelay">Largest delay in samples over the detected streams (null when none).</param>
public sealed record DelaySummary(int Streams, int Detected, double MeanDelay, long? WorstDelay)
{
    /// <summary>Fraction of streams detected (NaN when there are none).</summary>
    public double DetectionRate => Streams == 0 ? double.NaN : (double)Detected / Streams;
}
