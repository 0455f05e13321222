using System.Text.Json;
using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Monitor.Fingerprints;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Fleet;

/// <summary>
/// The fleet summary with device merges and outlier reports kept between reads gives exactly the summary computed
/// from nothing (every window decoded and merged in store order, the outlier check run afresh), after every step of
/// random sequences of stores: windows at the end, late windows in the middle, windows leaving the time range,
/// model changes, new devices and status-only changes.
/// </summary>
public sealed class FleetMergeCacheEquivalenceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Range = TimeSpan.FromHours(2);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-fleetcache-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(T0);
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);
    private IAggregatorStore _store = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(_folder, "s.db") }, _time);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task GetSummary_RandomStores_IdenticalToTheSummaryComputedFromNothing(int seed)
    {
        var random = new Random(seed);
        var view = new FleetView(_store, new FleetViewOptions { MinOutlierDistance = 0.05 }, _time);
        // A pool of real windows per device; every fourth device's input x is shifted (an odd device for the check).
        var pool = Enumerable.Range(0, 7).ToDictionary(
            d => $"d{d}",
            d => new Queue<Fingerprint>(TestFingerprints.Windows((seed * 100) + d, windows: 14, shiftX: d % 4 == 3 ? 1.2 : 0)));
        var models = pool.Keys.ToDictionary(d => d, _ => "model-a", StringComparer.Ordinal);
        var lastStart = pool.Keys.ToDictionary(d => d, _ => T0.AddMinutes(-30), StringComparer.Ordinal);
        var hits = 0;

        for (var step = 0; step < 40; step++)
        {
            var device = $"d{random.Next(random.Next(4) == 0 ? 7 : 5)}"; // d5, d6 join later and rarely
            var op = random.Next(10);
            if (op < 5 && pool[device].Count > 0)
            {
                // a window after the device's last one (the common case: one decode and one merge)
                lastStart[device] = Later(lastStart[device], random);
                await StoreWindowAsync(device, models[device], lastStart[device], pool[device].Dequeue());
            }
            else if (op < 7 && pool[device].Count > 0)
            {
                // a late window (an outbox drained after an outage): lands before windows already merged
                await StoreWindowAsync(device, models[device], _time.GetUtcNow() - TimeSpan.FromMinutes(random.Next(5, 100)), pool[device].Dequeue());
            }
            else if (op == 7)
            {
                _time.Advance(TimeSpan.FromMinutes(random.Next(5, 40))); // older windows leave the summary's range
            }
            else if (op == 8 && random.Next(3) == 0)
            {
                models[device] = models[device] == "model-a" ? "model-b" : "model-a"; // a model change: a second group
            }
            else
            {
                await _store.StoreStatusAsync(new MessageKey("f1", device, Next(device)), _time.GetUtcNow(), new DeviceStatusReport("online", models[device], 0, 0, _time.GetUtcNow()));
            }

            var decodedBefore = view.SummaryCache.DecodedWindows;
            var now = _time.GetUtcNow();
            var cached = await view.GetSummaryAsync("f1", now - Range, now);
            hits += view.SummaryCache.DecodedWindows - decodedBefore < (await _store.GetFingerprintsAsync("f1", null, now - Range, now)).Count ? 1 : 0;
            var fromNothing = await new FleetView(_store, view.Options, _time).GetSummaryAsync("f1", now - Range, now);
            Assert.Equal(JsonSerializer.Serialize(fromNothing), JsonSerializer.Serialize(cached));
            Assert.Equal(JsonSerializer.Serialize(await ReferenceModelsAsync(now - Range, now, view.Options)), JsonSerializer.Serialize(cached.Models.Select(m => new { m.ModelHash, m.Devices, m.Windows, m.Observations, m.Outliers })));
        }

        Assert.True(hits >= 20, $"only {hits} of 40 summaries reused a cached merge: the sequences do not exercise the cache");
    }

    [Fact]
    public async Task GetSummary_DecodesOnlyWhatChangedAndRunsTheCheckOnlyWhenAMergeChanged()
    {
        var view = new FleetView(_store, null, _time);
        for (var d = 0; d < 4; d++)
        {
            var windows = TestFingerprints.Windows(900 + d, windows: 4);
            for (var w = 0; w < 3; w++)
            {
                // device d's windows start at minutes d, 10 + d, 20 + d before T0
                await StoreWindowAsync($"d{d}", "model-a", T0.AddMinutes(-30 + (10 * w) + d), windows[w]);
            }
        }

        var cache = view.SummaryCache;
        async Task<(long Decoded, long Checks)> Summary(TimeSpan range)
        {
            var (decoded, checks) = (cache.DecodedWindows, cache.ChecksRun);
            var now = _time.GetUtcNow();
            var summary = await view.GetSummaryAsync("f1", now - range, now);
            Assert.Equal(JsonSerializer.Serialize(await new FleetView(_store, null, _time).GetSummaryAsync("f1", now - range, now)), JsonSerializer.Serialize(summary));
            return (cache.DecodedWindows - decoded, cache.ChecksRun - checks);
        }

        Assert.Equal((12, 1), await Summary(Range));
        Assert.Equal((0, 0), await Summary(Range)); // nothing changed
        await _store.StoreStatusAsync(new MessageKey("f1", "d0", Next("d0")), T0, new DeviceStatusReport("online", "model-a", 0, 0, T0));
        Assert.Equal((0, 0), await Summary(Range)); // a status change: no fingerprint changed

        await StoreWindowAsync("d1", "model-a", T0.AddMinutes(-2), TestFingerprints.Windows(950, windows: 1)[0]);
        Assert.Equal((1, 1), await Summary(Range)); // a window after d1's last: that window only

        await StoreWindowAsync("d2", "model-a", T0.AddMinutes(-25), TestFingerprints.Windows(951, windows: 1)[0]);
        Assert.Equal((4, 1), await Summary(Range)); // a late window between d2's first two: d2 merged afresh (3 + 1)

        // The range [now − 29.5 min, now) leaves out d0's first window (−30 min) only: d0 merged afresh from its other 2.
        Assert.Equal((2, 1), await Summary(TimeSpan.FromMinutes(29.5)));
    }

    [Fact]
    public async Task GetSummary_ConcurrentReadsSharingCachedMerges_AllIdenticalToTheSummaryComputedFromNothing()
    {
        var view = new FleetView(_store, null, _time);
        for (var d = 0; d < 6; d++)
        {
            var windows = TestFingerprints.Windows(700 + d, windows: 3, shiftX: d == 4 ? 1.5 : 0);
            for (var w = 0; w < windows.Count; w++)
            {
                await StoreWindowAsync($"d{d}", "model-a", T0.AddMinutes(-30 + (10 * w)), windows[w]);
            }
        }

        var now = _time.GetUtcNow();
        await view.GetSummaryAsync("f1", now - Range, now); // merges cached (and their sketch views built)
        await StoreWindowAsync("d2", "model-a", T0.AddMinutes(-1), TestFingerprints.Windows(799, windows: 1)[0]); // the check runs again, over shared merges
        var expected = JsonSerializer.Serialize(await new FleetView(_store, null, _time).GetSummaryAsync("f1", now - Range, now));

        var summaries = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => view.GetSummaryAsync("f1", now - Range, now))));

        Assert.All(summaries, s => Assert.Equal(expected, JsonSerializer.Serialize(s)));
        Assert.Contains("d4", summaries[0].Models.Single().Outliers.DepartingDevices);
    }

    private static DateTimeOffset Later(DateTimeOffset last, Random random) => last + TimeSpan.FromMinutes(random.Next(1, 4));

    /// <summary>The model groups as the summary is defined: each device's windows decoded and merged in store order, then the outlier check.</summary>
    private async Task<List<object>> ReferenceModelsAsync(DateTimeOffset from, DateTimeOffset to, FleetViewOptions options)
    {
        var stored = await _store.GetFingerprintsAsync("f1", null, from, to);
        return stored.GroupBy(f => f.ModelHash, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(model =>
        {
            var devices = model.GroupBy(f => f.Device, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new KeyValuePair<string, Fingerprint>(g.Key, g.OrderBy(f => f.WindowStart).ThenBy(f => f.Sequence).Select(f => Fingerprint.FromBytes(f.Data.Span)).Aggregate(Fingerprint.Merge)))
                .ToList();
            return new
            {
                ModelHash = model.Key,
                Devices = devices.Select(d => d.Key).ToList(),
                Windows = model.Count(),
                Observations = devices.Sum(d => d.Value.ObservationCount),
                Outliers = FleetOutlierCheck.Run(model.Key, devices, options),
            };
        }).ToList<object>();
    }

    private long Next(string device) => _sequences[device] = _sequences.GetValueOrDefault(device) + 1;

    private async Task StoreWindowAsync(string device, string model, DateTimeOffset start, Fingerprint window)
    {
        var sequence = Next(device);
        await _store.StoreFingerprintAsync(
            new MessageKey("f1", device, sequence),
            _time.GetUtcNow(),
            new StoredFingerprint("f1", device, sequence, model, start, start.AddMinutes(1), window.ObservationCount, window.ToBytes()));
    }
}
