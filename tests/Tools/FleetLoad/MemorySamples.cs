using System.Globalization;

namespace EdgeSentinel.FleetLoad;

/// <summary>One sample of the memory probe (tests/Tools/MemoryProbe) in the aggregator process.</summary>
/// <param name="Elapsed">Since the process started.</param>
/// <param name="HeapAfterLastGc">Managed heap size at the end of the last collection (live objects and fragmentation).</param>
/// <param name="AllocatedNow">Managed bytes allocated now, garbage included (<see cref="GC.GetTotalMemory(bool)"/>).</param>
/// <param name="Rss">Resident set size of the process.</param>
/// <param name="Gen2Collections">Full collections so far.</param>
/// <param name="Forced">Taken right after a requested full blocking collection: the heap figure is the live heap.</param>
public readonly record struct MemorySample(TimeSpan Elapsed, long HeapAfterLastGc, long AllocatedNow, long Rss, int Gen2Collections, bool Forced = false);

/// <summary>Reads the memory probe's file and summarises windows of it.</summary>
public static class MemorySamples
{
    /// <summary>The samples written so far (an incomplete last line is skipped).</summary>
    public static IReadOnlyList<MemorySample> Read(string file)
    {
        if (!File.Exists(file))
        {
            return [];
        }

        var samples = new List<MemorySample>();
        foreach (var line in File.ReadAllLines(file))
        {
            var f = line.Split(' ');
            if (f.Length is 5 or 6 && long.TryParse(f[0], CultureInfo.InvariantCulture, out var ms) && long.TryParse(f[1], CultureInfo.InvariantCulture, out var heap)
                && long.TryParse(f[2], CultureInfo.InvariantCulture, out var now) && long.TryParse(f[3], CultureInfo.InvariantCulture, out var rss) && int.TryParse(f[4], CultureInfo.InvariantCulture, out var gen2))
            {
                samples.Add(new MemorySample(TimeSpan.FromMilliseconds(ms), heap, now, rss, gen2, f.Length == 6 && f[5] == "forced"));
            }
        }

        return samples;
    }

    /// <summary>Asks the probe for a full blocking collection and returns the sample taken right after it.</summary>
    /// <exception cref="TimeoutException">No forced sample appeared within <paramref name="timeout"/>.</exception>
    public static async Task<MemorySample> CollectAsync(string file, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var before = Read(file).Count(s => s.Forced);
        await File.WriteAllTextAsync(file + ".collect", "", cancellationToken).ConfigureAwait(false);
        var deadline = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var forced = Read(file).Where(s => s.Forced).ToList();
            if (forced.Count > before)
            {
                return forced[^1];
            }

            if (TimeProvider.System.GetElapsedTime(deadline) > timeout)
            {
                throw new TimeoutException($"the memory probe wrote no forced sample to {file} within {timeout}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Median heap-after-GC and RSS, and their maxima, of the samples in [from, to).</summary>
    public static WindowMemory Window(IReadOnlyList<MemorySample> samples, TimeSpan from, TimeSpan to)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var w = samples.Where(s => s.Elapsed >= from && s.Elapsed < to).ToList();
        if (w.Count == 0)
        {
            throw new InvalidOperationException($"no memory samples between {from} and {to} (of {samples.Count})");
        }

        return new WindowMemory(w.Count, Stats.Median(w.Select(s => (double)s.HeapAfterLastGc)), w.Max(s => s.HeapAfterLastGc), Stats.Median(w.Select(s => (double)s.Rss)), w.Max(s => s.Rss));
    }
}

/// <summary>Memory over a window of samples.</summary>
/// <param name="Samples">How many samples.</param>
/// <param name="MedianHeap">Median heap size after the last GC, bytes.</param>
/// <param name="MaxHeap">Largest heap size after a GC, bytes.</param>
/// <param name="MedianRss">Median RSS, bytes.</param>
/// <param name="MaxRss">Largest RSS, bytes.</param>
public readonly record struct WindowMemory(int Samples, double MedianHeap, long MaxHeap, double MedianRss, long MaxRss)
{
    /// <summary>"heap median 12.3 MiB (max 14.0), RSS median 120.1 MiB (max 121.0)".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"heap after GC median {MedianHeap / 1048576:F1} MiB (max {MaxHeap / 1048576.0:F1}), RSS median {MedianRss / 1048576:F1} MiB (max {MaxRss / 1048576.0:F1}), {Samples} samples");
}

/// <summary>Order statistics.</summary>
public static class Stats
{
    /// <summary>The median (mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            throw new ArgumentException("no values", nameof(values));
        }

        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The nearest-rank percentile (q in (0, 1]) of a sorted list: the smallest value with at least q of the values at or below it.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            throw new ArgumentException("no values", nameof(sorted));
        }

        var rank = (int)Math.Ceiling(q * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
