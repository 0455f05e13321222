using System.Globalization;
using EdgeSentinel.Runtime.Device;

namespace EdgeSentinel.Runtime.Benchmarks;

/// <summary>
/// Bench command <c>device [frames]</c>: steady-state bytes allocated per <see cref="DeviceLoop.Step"/> on the inference
/// thread (what the zero-allocation target is about) and in the whole process (the analysis thread's window tests
/// included), for both analysis modes, on the setup of <see cref="DeviceLoopBenchmarks"/>. BenchmarkDotNet's
/// MemoryDiagnoser counts every thread, so it shows the analysis thread's amortized allocation in Background mode.
/// </summary>
internal static class DeviceLoopAllocation
{
    public static void Run(int frames)
    {
        foreach (var mode in new[] { AnalysisMode.Background, AnalysisMode.Inline })
        {
            var (host, loop, rows) = DeviceLoopBenchmarks.Create(mode);
            using (host)
            using (loop)
            {
                var next = 0;
                for (var i = 0; i < 8192; i++)
                {
                    loop.Step(rows.AsSpan((next++ & 1023) * 16, 16));
                }

                loop.Flush();
                var thread = GC.GetAllocatedBytesForCurrentThread();
                var total = GC.GetTotalAllocatedBytes(precise: true);
                var start = TimeProvider.System.GetTimestamp();
                for (var i = 0; i < frames; i++)
                {
                    loop.Step(rows.AsSpan((next++ & 1023) * 16, 16));
                }

                var elapsed = TimeProvider.System.GetElapsedTime(start);
                var threadBytes = GC.GetAllocatedBytesForCurrentThread() - thread;
                loop.Flush();
                var totalBytes = GC.GetTotalAllocatedBytes(precise: true) - total;
                var c = loop.Counters;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{mode,-10} {frames} frames: inference thread {threadBytes / (double)frames:F2} B/frame ({threadBytes} B), whole process {totalBytes / (double)frames:F1} B/frame; " +
                    $"{elapsed.TotalMicroseconds / frames:F2} µs/frame; windows analyzed {c.WindowsAnalyzed} (dropped {loop.MonitorCounters.DroppedWindows}), canary checks {c.CanaryChecks}, cue probes {c.CueProbes}, alert transitions {c.AlertTransitions}"));
            }
        }
    }
}
