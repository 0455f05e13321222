using System.Diagnostics;
using System.Globalization;

#pragma warning disable CA1050 // the runtime looks for a type named exactly "StartupHook" in no namespace

/// <summary>
/// Loaded into a .NET process by <c>DOTNET_STARTUP_HOOKS=&lt;this dll&gt;</c>: when
/// <c>EDGESENTINEL_MEMORY_PROBE</c> names a file, appends one line per interval
/// (<c>EDGESENTINEL_MEMORY_PROBE_MS</c>, default 1000) to it:
/// <c>elapsed-ms gc-heap-after-last-gc-bytes gc-allocated-now-bytes rss-bytes gen2-collections</c>.
/// When a file named like the sample file plus <c>.collect</c> appears, it is deleted, a full blocking
/// collection runs (the second one aggressive: freed memory goes back to the OS), and the next line ends with <c> forced</c> (its heap figure is then the live heap).
/// The process is not changed otherwise (no collections unless asked).
/// </summary>
public static class StartupHook
{
    private static ITimer? _timer;

    /// <summary>Called by the runtime before the program's Main.</summary>
    public static void Initialize()
    {
        var file = Environment.GetEnvironmentVariable("EDGESENTINEL_MEMORY_PROBE");
        if (string.IsNullOrEmpty(file))
        {
            return;
        }

        var interval = int.TryParse(Environment.GetEnvironmentVariable("EDGESENTINEL_MEMORY_PROBE_MS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms : 1000;
        var clock = Stopwatch.StartNew();
        var gate = new Lock();
        _timer = TimeProvider.System.CreateTimer(_ => Sample(file, clock, gate), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(interval));
    }

    private static void Sample(string file, Stopwatch clock, Lock gate)
    {
        lock (gate)
        {
            var forced = false;
            var request = file + ".collect";
            if (File.Exists(request))
            {
                File.Delete(request);
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                // Aggressive: also returns the freed memory to the OS, so the RSS on this line is what the process holds,
                // not what the GC keeps committed for later (which lags by a load-dependent amount).
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                forced = true;
            }

            var info = GC.GetGCMemoryInfo();
            var line = string.Create(CultureInfo.InvariantCulture, $"{clock.ElapsedMilliseconds} {info.HeapSizeBytes} {GC.GetTotalMemory(false)} {Environment.WorkingSet} {GC.CollectionCount(2)}{(forced ? " forced" : "")}\n");
            try
            {
                File.AppendAllText(file, line);
            }
            catch (IOException)
            {
                // the reader deleted the folder: stop quietly, the process under test must not notice the probe
                _timer?.Dispose();
            }
        }
    }
}
