using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Fingerprints;

namespace EdgeSentinel.Cloud.Fleet;

/// <summary>
/// Finds devices whose fingerprint departs from the rest of the devices running the same model:
/// per continuous channel, the sketch KS distance of the device against the merged rest (with the
/// sketches' error bound taken off), Holm across the device's channels, Bonferroni across devices.
/// </summary>
/// <remarks>
/// A departing device would contaminate the "rest" of every other device, so the check peels:
/// the most departing device is set apart and the others are compared again without it, until
/// nobody departs or half the group (rounded down, less one) is set apart — "the fleet" is the
/// majority. The comparison is relative: a whole fleet drifting together moves the device and the rest alike
/// and flags nobody, which is exactly how the two causes are told apart.
/// <para>Cost: each device's "rest" is the merge, in device order, of the others; quantile sketch merges are
/// randomized (KLL compaction), so the order is part of the result and cannot change (prefix and suffix merges
/// would give different, equally valid sketches). What is shared without changing any merge: the merge of the
/// devices before device i (a running prefix, reused by every device after it), and one rest for every device
/// set apart. About n²/2 + n merges per round instead of n² − n.</para>
/// </remarks>
public static class FleetOutlierCheck
{
    /// <summary>Runs the check over each device's merged fingerprint (all of one schema).</summary>
    /// <exception cref="SchemaMismatchException">Fingerprints of different schemas were given.</exception>
    public static FleetOutlierReport Run(string modelHash, IReadOnlyList<KeyValuePair<string, Fingerprint>> devices, FleetViewOptions options)
    {
        ArgumentNullException.ThrowIfNull(modelHash);
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(options);
        var withData = devices.Where(d => d.Value.ObservationCount > 0).ToList();
        if (withData.Count < options.MinDevicesForOutlierCheck)
        {
            return new FleetOutlierReport(
                modelHash,
                false,
                $"{withData.Count} device(s) with fingerprints for model {Short(modelHash)}; the check needs at least {options.MinDevicesForOutlierCheck}",
                []);
        }

        var level = options.OutlierAlpha / withData.Count;
        var maxOutliers = (withData.Count - 1) / 2;
        var outliers = new HashSet<int>();
        var results = new DeviceDeparture[withData.Count];
        while (true)
        {
            // Compare every device not yet set apart with the merged rest of the devices not set apart.
            var worst = -1;
            var worstDistance = double.NegativeInfinity;
            Fingerprint? before = null; // the devices before i, not set apart, merged in order
            for (var i = 0; i < withData.Count; i++)
            {
                if (outliers.Contains(i))
                {
                    continue;
                }

                results[i] = Compare(withData[i].Key, withData[i].Value, MergeOnto(before, withData, outliers, i + 1), level, options.MinOutlierDistance);
                if (results[i].Departs && results[i].Channels[0].Statistic > worstDistance)
                {
                    worst = i;
                    worstDistance = results[i].Channels[0].Statistic;
                }

                before = before is null ? withData[i].Value : Fingerprint.Merge(before, withData[i].Value);
            }

            if (worst < 0 || outliers.Count == maxOutliers)
            {
                break;
            }

            outliers.Add(worst);
        }

        // Devices set apart are reported against the devices that agree with each other (the same rest for each).
        var agreeing = outliers.Count == 0 ? null : MergeOnto(null, withData, outliers, 0);
        foreach (var i in outliers)
        {
            results[i] = Compare(withData[i].Key, withData[i].Value, agreeing!, level, options.MinOutlierDistance);
        }

        return new FleetOutlierReport(
            modelHash,
            true,
            null,
            results.OrderByDescending(r => r.Departs).ThenBy(r => r.Device, StringComparer.Ordinal).ToList());
    }

    /// <summary>Merges onto <paramref name="merged"/> (null: nothing yet), in order, the devices from index <paramref name="from"/> on that are not set apart.</summary>
    private static Fingerprint MergeOnto(Fingerprint? merged, List<KeyValuePair<string, Fingerprint>> devices, HashSet<int> outliers, int from)
    {
        for (var j = from; j < devices.Count; j++)
        {
            if (!outliers.Contains(j))
            {
                merged = merged is null ? devices[j].Value : Fingerprint.Merge(merged, devices[j].Value);
            }
        }

        return merged!;
    }

    internal static DeviceDeparture Compare(string device, Fingerprint own, Fingerprint rest, double level, double minDistance)
    {
        own.Schema.EnsureSameAs(rest.Schema, $"device {device} runs a fingerprint schema unlike the rest of its model group");
        var names = new List<string>();
        var comparisons = new List<SketchComparison>();
        for (var c = 0; c < own.Channels.Count; c++)
        {
            var a = own.Channels[c];
            var b = rest.Channels[c];
            if (a.Channel.ValueKind != ChannelValueKind.Continuous || a.Count == 0 || b.Count == 0)
            {
                continue;
            }

            names.Add(a.Channel.Name);
            comparisons.Add(ChannelSummary.KolmogorovSmirnov(a, b));
        }

        if (comparisons.Count == 0)
        {
            return new DeviceDeparture(device, own.ObservationCount, false, level, []);
        }

        var adjusted = PValueAdjustment.Adjust([.. comparisons.Select(c => c.ConservativePValue)], MultipleTestingMethod.Holm);
        var channels = new List<ChannelDeparture>(comparisons.Count);
        for (var k = 0; k < comparisons.Count; k++)
        {
            var c = comparisons[k];
            var departs = adjusted[k] <= level && c.Statistic - c.ErrorBound >= minDistance;
            channels.Add(new ChannelDeparture(names[k], c.Statistic, c.ErrorBound, c.ConservativePValue, adjusted[k], departs));
        }

        var ordered = channels.OrderByDescending(c => c.Departs).ThenByDescending(c => c.Statistic).ToList();
        return new DeviceDeparture(device, own.ObservationCount, ordered.Exists(c => c.Departs), level, ordered);
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
