using System.Text.Json;
using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Monitor.Fingerprints;

namespace EdgeSentinel.Cloud.Tests.Fleet;

/// <summary>The outlier check with shared prefix merges gives exactly the report of the plain leave-one-out check it replaced.</summary>
public sealed class FleetOutlierCheckEquivalenceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Run_RandomFleet_ReportIdenticalToLeaveOneOutWithFreshMerges(int seed)
    {
        var random = new Random(seed);
        var count = random.Next(3, 13);
        var devices = Enumerable.Range(0, count)
            .Select(i => new KeyValuePair<string, Fingerprint>(
                $"d{random.Next(100):D2}-{i}",
                TestFingerprints.Windows(seed * 1000 + i, windows: random.Next(1, 9), shiftX: random.Next(4) == 0 ? 0.5 + random.NextDouble() : 0, scaleX: random.Next(5) == 0 ? 2 : 1).Aggregate(Fingerprint.Merge)))
            .ToList();
        var options = new FleetViewOptions { MinOutlierDistance = random.NextDouble() * 0.1 };

        var expected = LeaveOneOut("model-a", devices, options);
        var actual = FleetOutlierCheck.Run("model-a", devices, options);

        // Every statistic and p-value bit for bit (JSON writes doubles round-trippably).
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));
    }

    [Fact]
    public void Run_SeveralOddDevices_PeelsThemAllAndStillMatchesLeaveOneOut()
    {
        var devices = Enumerable.Range(0, 9)
            .Select(i => new KeyValuePair<string, Fingerprint>($"d{i}", TestFingerprints.Windows(500 + i, windows: 6, shiftX: i is 2 or 5 or 7 ? 1.0 + (0.5 * i / 7.0) : 0).Aggregate(Fingerprint.Merge)))
            .ToList();

        var report = FleetOutlierCheck.Run("model-a", devices, new FleetViewOptions());

        Assert.Equal(["d2", "d5", "d7"], report.DepartingDevices.Order(StringComparer.Ordinal));
        Assert.Equal(JsonSerializer.Serialize(LeaveOneOut("model-a", devices, new FleetViewOptions())), JsonSerializer.Serialize(report));
    }

    /// <summary>The check as it was first written: each device's rest merged afresh, in device order, for every device and round.</summary>
    private static FleetOutlierReport LeaveOneOut(string modelHash, List<KeyValuePair<string, Fingerprint>> withData, FleetViewOptions options)
    {
        var level = options.OutlierAlpha / withData.Count;
        var maxOutliers = (withData.Count - 1) / 2;
        var outliers = new HashSet<int>();
        var results = new DeviceDeparture[withData.Count];
        Fingerprint RestOf(int self) => withData.Where((_, j) => j != self && !outliers.Contains(j)).Select(d => d.Value).Aggregate(Fingerprint.Merge);
        while (true)
        {
            var worst = -1;
            var worstDistance = double.NegativeInfinity;
            for (var i = 0; i < withData.Count; i++)
            {
                if (outliers.Contains(i))
                {
                    continue;
                }

                results[i] = FleetOutlierCheck.Compare(withData[i].Key, withData[i].Value, RestOf(i), level, options.MinOutlierDistance);
                if (results[i].Departs && results[i].Channels[0].Statistic > worstDistance)
                {
                    worst = i;
                    worstDistance = results[i].Channels[0].Statistic;
                }
            }

            if (worst < 0 || outliers.Count == maxOutliers)
            {
                break;
            }

            outliers.Add(worst);
        }

        foreach (var i in outliers)
        {
            results[i] = FleetOutlierCheck.Compare(withData[i].Key, withData[i].Value, RestOf(i), level, options.MinOutlierDistance);
        }

        return new FleetOutlierReport(modelHash, true, null, results.OrderByDescending(r => r.Departs).ThenBy(r => r.Device, StringComparer.Ordinal).ToList());
    }
}
