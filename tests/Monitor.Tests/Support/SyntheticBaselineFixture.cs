using EdgeSentinel.Monitor.Baselines;

namespace EdgeSentinel.Monitor.Tests.Support;

/// <summary>Builds the synthetic baseline once per test class.</summary>
public sealed class SyntheticBaselineFixture
{
    public SyntheticBaselineFixture()
    {
        Baseline = SyntheticModel.BuildBaseline();
        Bytes = Baseline.ToBytes();
    }

    internal Baseline Baseline { get; }

    internal byte[] Bytes { get; }
}
