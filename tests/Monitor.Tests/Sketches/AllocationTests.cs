using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Sketches;

namespace EdgeSentinel.Monitor.Tests.Sketches;

/// <summary>The per-inference paths (Add, DistanceSquared, Project) allocate nothing (STYLE.md rule 5).</summary>
public sealed class AllocationTests
{
    private static long AllocatedBy(Action action)
    {
        action(); // warm up (JIT, lazy statics)
        action();
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Add_EverySketch_AllocatesNothing()
    {
        var values = new double[50_000];
        var random = new SplitMix64(1);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i % 1000 == 0 ? double.NaN : random.NextGaussian();
        }

        var moments = new MomentsSketch();
        var quantiles = new QuantileSketch();
        var histogram = BinnedHistogram.FromEdges([-1, 0, 1]);
        var categories = new CategoryCounts(10);
        Assert.Equal(0, AllocatedBy(() =>
        {
            foreach (var v in values)
            {
                moments.Add(v);
                quantiles.Add(v);
                histogram.Add(v);
                categories.Add((int)(v * 3));
            }
        }));
    }

    [Fact]
    public void HotPaths_CovarianceScorerProjection_AllocateNothing()
    {
        var covariance = new CovarianceSummary(16);
        var rowD = new double[16];
        var rowF = new float[16];
        var random = new SplitMix64(2);
        for (var i = 0; i < 16; i++)
        {
            rowD[i] = random.NextGaussian();
            rowF[i] = (float)random.NextGaussian();
        }

        for (var i = 0; i < 100; i++)
        {
            rowD[i % 16] += 1;
            covariance.Add(rowD);
        }

        var scorer = covariance.CreateScorer();
        var projection = RandomProjection.Create(64, 16, 3);
        var input = new float[64];
        var output = new float[16];
        double sink = 0;
        Assert.Equal(0, AllocatedBy(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                covariance.Add(rowD);
                covariance.Add(rowF);
                sink += scorer.DistanceSquared(rowD);
                sink += scorer.DistanceSquared(rowF);
                projection.Project(input, output);
            }
        }));
        Assert.True(double.IsFinite(sink));
    }
}
