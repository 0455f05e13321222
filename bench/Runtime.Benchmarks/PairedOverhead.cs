using System.Diagnostics;
using System.Globalization;

namespace EdgeSentinel.Runtime.Benchmarks;

/// <summary>
/// Host overhead over bare <c>RunWithBinding</c> measured in alternating short batches (order flipped every round),
/// so that load from other processes hits both sides alike; reports the median per-round ratio.
/// Run: <c>dotnet run -c Release --project bench/Runtime.Benchmarks/EdgeSentinel.Runtime.Benchmarks.csproj -- paired [rounds]</c>.
/// </summary>
internal static class PairedOverhead
{
    private const int FramesPerBatch = 2_000;

    public static void Run(int rounds)
    {
        var bench = new InferenceBenchmarks();
        bench.Setup();
        try
        {
            var sink = 0f;
            for (var i = 0; i < 20_000; i++)
            {
                sink += bench.BareRunWithBinding() + bench.HostRun();
            }

            var bare = new double[rounds];
            var host = new double[rounds];
            var ratios = new double[rounds];
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            for (var r = 0; r < rounds; r++)
            {
                if ((r & 1) == 0)
                {
                    bare[r] = Time(bench, useHost: false, ref sink);
                    host[r] = Time(bench, useHost: true, ref sink);
                }
                else
                {
                    host[r] = Time(bench, useHost: true, ref sink);
                    bare[r] = Time(bench, useHost: false, ref sink);
                }

                ratios[r] = host[r] / bare[r];
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            Array.Sort(bare);
            Array.Sort(host);
            Array.Sort(ratios);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"rounds {rounds} x {FramesPerBatch} frames per side | bare median {bare[rounds / 2]:F3} us/frame | host median {host[rounds / 2]:F3} us/frame | host/bare per-round ratio: median {ratios[rounds / 2]:F4}, quartiles {ratios[rounds / 4]:F4}..{ratios[3 * rounds / 4]:F4} | allocated during measurement {allocated} B (sink {sink:E1})"));
        }
        finally
        {
            bench.Cleanup();
        }
    }

    private static double Time(InferenceBenchmarks bench, bool useHost, ref float sink)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < FramesPerBatch; i++)
        {
            sink += useHost ? bench.HostRun() : bench.BareRunWithBinding();
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / FramesPerBatch;
    }
}
