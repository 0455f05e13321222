using EdgeSentinel.Simulation.Policies;

namespace EdgeSentinel.Simulation.Tests;

/// <summary>The shipped-configuration models for seed 42, trained once per test run.</summary>
internal static class TrainedModels
{
    public const ulong Seed = 42;

    private static readonly Lazy<DemoModelSet> Instance = new(() => DemoModelSet.Train(Seed));

    public static DemoModelSet Default => Instance.Value;
}
