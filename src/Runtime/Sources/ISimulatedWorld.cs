namespace EdgeSentinel.Runtime.Sources;

/// <summary>A simulated world that produces sensor frames; implemented by the Simulation project and adapted by <see cref="SimulatorFrameSource"/>.</summary>
/// <remarks>Called from one thread at a time; implementations need not be thread-safe.</remarks>
public interface ISimulatedWorld
{
    /// <summary>The feature name of each value in a frame.</summary>
    IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Advances the world by one step and writes its sensor readings into <paramref name="destination"/> (length = feature count); false when the scenario has ended.</summary>
    bool TryStep(Span<float> destination);
}
