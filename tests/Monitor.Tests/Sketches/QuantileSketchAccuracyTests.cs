using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Sketches;
using Xunit.Abstractions;

namespace EdgeSentinel.Monitor.Tests.Sketches;

/// <summary>
/// KLL acceptance: on 10^6 values, for several distributions and adversarial orders, and for merges of
/// many partial sketches, the maximum rank error over ≥ 1000 query points stays within RankErrorBound
/// (exact ranks from the sorted data).
/// </summary>
public sealed class QuantileSketchAccuracyTests
{
    private const int N = 1_000_000;
    private const int GridSize = 2000;

    // Sorted data per distribution, shared by the order cases (read-only).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Distribution, double[]> SortedData = new();

    private readonly ITestOutputHelper _output;

    public QuantileSketchAccuracyTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public enum Distribution
    {
        Uniform,
        Normal,
        LogNormalHeavyTail,
        DiscreteManyTies,
    }

    public enum Order
    {
        Random,
        Sorted,
        ReverseSorted,
        ZoomIn,   // alternately the smallest and the largest remaining value
        ZoomOut,  // from the median outwards, alternating sides
    }

    public static TheoryData<Distribution, Order> Cases()
    {
        var data = new TheoryData<Distribution, Order>();
        foreach (var d in Enum.GetValues<Distribution>())
        {
            foreach (var o in Enum.GetValues<Order>())
            {
                data.Add(d, o);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RankError_MillionValues_WithinBound(Distribution distribution, Order order)
    {
        var sorted = SortedData.GetOrAdd(distribution, d =>
        {
            var values = Generate(d, N, 1000 + (ulong)d);
            Array.Sort(values);
            return values;
        });
        var stream = Arrange(sorted, order, 77);
        var sketch = new QuantileSketch();
        foreach (var v in stream)
        {
            sketch.Add(v);
        }

        Assert.Equal(N, sketch.Count);
        Assert.Equal(sorted[0], sketch.Min);
        Assert.Equal(sorted[^1], sketch.Max);
        var (rankError, quantileError) = MaxErrors(sketch, sorted);
        _output.WriteLine($"{distribution}/{order}: max rank error {rankError:F5}, max quantile error {quantileError:F5}, bound {sketch.RankErrorBound:F5}, retained {sketch.RetainedCount}");
        Assert.True(rankError <= sketch.RankErrorBound, $"rank error {rankError} > {sketch.RankErrorBound}");
        Assert.True(quantileError <= sketch.RankErrorBound, $"quantile error {quantileError} > {sketch.RankErrorBound}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RankError_MergeOfSixteenPartialSketches_WithinBound(bool treeMerge)
    {
        // Parts see different distributions and orders, including disjoint sorted ranges.
        const int Parts = 16;
        var all = new List<double>(N);
        var sketches = new QuantileSketch[Parts];
        for (var p = 0; p < Parts; p++)
        {
            var distribution = (Distribution)(p % 4);
            var order = (Order)(p % 5);
            var values = Generate(distribution, N / Parts, 500 + (ulong)p);
            if (p % 3 == 0)
            {
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] += p * 10; // shifted, partly disjoint ranges
                }
            }

            var stream = Arrange(values, order, (ulong)p);
            sketches[p] = new QuantileSketch(QuantileSketch.DefaultK, 9000 + (ulong)p);
            foreach (var v in stream)
            {
                sketches[p].Add(v);
            }

            all.AddRange(values);
        }

        QuantileSketch merged;
        if (treeMerge)
        {
            var level = sketches.ToList();
            while (level.Count > 1)
            {
                var next = new List<QuantileSketch>();
                for (var i = 0; i < level.Count; i += 2)
                {
                    var m = level[i].Clone();
                    if (i + 1 < level.Count)
                    {
                        m.Merge(level[i + 1]);
                    }

                    next.Add(m);
                }

                level = next;
            }

            merged = level[0];
        }
        else
        {
            merged = new QuantileSketch();
            foreach (var s in sketches)
            {
                merged.Merge(s);
            }
        }

        var sorted = all.ToArray();
        Array.Sort(sorted);
        Assert.Equal(sorted.Length, merged.Count);
        Assert.Equal(sorted[0], merged.Min);
        Assert.Equal(sorted[^1], merged.Max);
        var (rankError, quantileError) = MaxErrors(merged, sorted);
        _output.WriteLine($"merge (tree={treeMerge}): max rank error {rankError:F5}, max quantile error {quantileError:F5}, bound {merged.RankErrorBound:F5}, retained {merged.RetainedCount}");
        Assert.True(rankError <= merged.RankErrorBound, $"rank error {rankError} > {merged.RankErrorBound}");
        Assert.True(quantileError <= merged.RankErrorBound, $"quantile error {quantileError} > {merged.RankErrorBound}");
        Assert.True(merged.RetainedCount <= (3 * QuantileSketch.DefaultK) + (8 * merged.LevelCount));
    }

    private static (double RankError, double QuantileError) MaxErrors(QuantileSketch sketch, double[] sorted)
    {
        var n = sorted.Length;
        double rankError = 0, quantileError = 0;
        for (var i = 0; i <= GridSize; i++)
        {
            var x = sorted[(int)((long)i * (n - 1) / GridSize)];
            foreach (var query in new[] { x, Math.BitDecrement(x) })
            {
                var exact = (double)UpperBound(sorted, query) / n;
                rankError = Math.Max(rankError, Math.Abs(sketch.Rank(query) - exact));
            }

            var q = (double)i / GridSize;
            var v = sketch.Quantile(q);
            var low = (double)LowerBound(sorted, v) / n;
            var high = (double)UpperBound(sorted, v) / n;
            quantileError = Math.Max(quantileError, Math.Max(0, Math.Max(low - q, q - high)));
        }

        return (rankError, quantileError);
    }

    private static int UpperBound(double[] sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static int LowerBound(double[] sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    internal static double[] Generate(Distribution distribution, int count, ulong seed)
    {
        var random = new SplitMix64(seed);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = distribution switch
            {
                Distribution.Uniform => random.NextDouble(),
                Distribution.Normal => random.NextGaussian(),
                Distribution.LogNormalHeavyTail => Math.Exp(3 * random.NextGaussian()),
                _ => random.NextInt(20) + (random.NextInt(10) == 0 ? 0.5 : 0.0),
            };
        }

        return values;
    }

    internal static double[] Arrange(double[] values, Order order, ulong seed)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var n = sorted.Length;
        var result = new double[n];
        switch (order)
        {
            case Order.Random:
                values.CopyTo(result, 0);
                var random = new SplitMix64(seed);
                for (var i = n - 1; i > 0; i--)
                {
                    var j = random.NextInt(i + 1);
                    (result[i], result[j]) = (result[j], result[i]);
                }

                break;
            case Order.Sorted:
                return sorted;
            case Order.ReverseSorted:
                Array.Reverse(sorted);
                return sorted;
            case Order.ZoomIn:
                for (int i = 0, lo = 0, hi = n - 1; lo <= hi; i++)
                {
                    result[i] = i % 2 == 0 ? sorted[lo++] : sorted[hi--];
                }

                break;
            default:
                var middle = n / 2;
                for (int i = 0, down = middle - 1, up = middle; i < n; i++)
                {
                    result[i] = (i % 2 == 0 && up < n) || down < 0 ? sorted[up++] : sorted[down--];
                }

                break;
        }

        return result;
    }
}
