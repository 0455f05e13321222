namespace EdgeSentinel.Simulation.Baselines;

/// <summary>A clock that always reads one instant: baselines built with it carry a fixed creation time, so their bytes are reproducible.</summary>
/// <param name="now">The instant the clock reads.</param>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    /// <summary>The fixed instant.</summary>
    public override DateTimeOffset GetUtcNow() => now;
}
