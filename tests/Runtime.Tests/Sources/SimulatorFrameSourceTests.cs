using EdgeSentinel.Runtime.Sources;

namespace EdgeSentinel.Runtime.Tests.Sources;

public sealed class SimulatorFrameSourceTests
{
    /// <summary>A deterministic world: step k yields (k, k²) and the scenario lasts three steps.</summary>
    private sealed class CountingWorld : ISimulatedWorld
    {
        private int _step;

        public IReadOnlyList<string> FeatureNames => ["k", "k2"];

        public bool TryStep(Span<float> destination)
        {
            if (_step == 3)
            {
                return false;
            }

            destination[0] = _step;
            destination[1] = _step * _step;
            _step++;
            return true;
        }
    }

    [Fact]
    public async Task ReadFrame_WorldSteps_PassedThroughUntilTheScenarioEnds()
    {
        await using var source = new SimulatorFrameSource(new CountingWorld());
        float[] frame = new float[2];
        var seen = new List<float[]>();
        while (await source.ReadFrameAsync(frame))
        {
            seen.Add((float[])frame.Clone());
        }

        Assert.Equal([[0f, 0f], [1f, 1f], [2f, 4f]], seen);
        Assert.Equal(3, source.FramesProduced);
    }

    [Fact]
    public async Task ReadFrame_Cancelled_ReturnsCanceledTask()
    {
        await using var source = new SimulatorFrameSource(new CountingWorld());
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await source.ReadFrameAsync(new float[2], cts.Token));
    }

    [Fact]
    public async Task Composite_ConcatenatesPartsInOrder()
    {
        await using var composite = new CompositeFrameSource([new SimulatorFrameSource(new CountingWorld()), new SimulatorFrameSource(new RenamedWorld())]);
        Assert.Equal(["k", "k2", "r", "r2"], composite.FeatureNames);
        float[] frame = new float[4];
        Assert.True(await composite.ReadFrameAsync(frame));
        Assert.True(await composite.ReadFrameAsync(frame));
        Assert.Equal([1f, 1f, 1f, 1f], frame);
        Assert.Throws<ArgumentException>(() => new CompositeFrameSource([new SimulatorFrameSource(new CountingWorld()), new SimulatorFrameSource(new CountingWorld())]));
    }

    private sealed class RenamedWorld : ISimulatedWorld
    {
        private readonly CountingWorld _inner = new();

        public IReadOnlyList<string> FeatureNames => ["r", "r2"];

        public bool TryStep(Span<float> destination) => _inner.TryStep(destination);
    }
}
