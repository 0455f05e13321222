using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Monitor.Fingerprints;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Fleet;

public sealed class FleetViewTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-fleet-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(T0);
    private IAggregatorStore _store = null!;
    private long _sequence;

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

    private async Task StoreWindowsAsync(string device, List<Fingerprint> windows, string model = "model-a", string fleet = "f1")
    {
        for (var i = 0; i < windows.Count; i++)
        {
            var seq = Interlocked.Increment(ref _sequence);
            var start = T0.AddMinutes(i);
            await _store.StoreFingerprintAsync(
                new MessageKey(fleet, device, seq),
                _time.GetUtcNow(),
                new StoredFingerprint(fleet, device, seq, model, start, start.AddMinutes(1), windows[i].ObservationCount, windows[i].ToBytes()));
        }
    }

    [Fact]
    public async Task JudgeLiveness_OfflineOnlyAfterNKeepAlivesOfSilenceOrWhenReportedOffline()
    {
        var view = new FleetView(_store, new FleetViewOptions { KeepAliveInterval = TimeSpan.FromSeconds(30), OfflineAfterKeepAlives = 3 }, _time);
        await _store.RegisterDeviceAsync("f1", "never", "k");
        await _store.StoreStatusAsync(new MessageKey("f1", "d1", 1), _time.GetUtcNow(), new DeviceStatusReport("online", "model-a", 0, 0, T0));
        await _store.StoreStatusAsync(new MessageKey("f1", "d2", 1), _time.GetUtcNow(), new DeviceStatusReport("offline", "model-a", 0, 0, T0));

        async Task<DeviceLiveness> Of(string d) => (await view.GetDeviceAsync("f1", d))!.Liveness;
        Assert.Equal(DeviceLiveness.Unknown, await Of("never"));
        Assert.Equal(DeviceLiveness.Online, await Of("d1"));
        Assert.Equal(DeviceLiveness.Offline, await Of("d2"));

        _time.Advance(TimeSpan.FromSeconds(90)); // exactly 3 keep-alives: still within the limit
        Assert.Equal(DeviceLiveness.Online, await Of("d1"));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(DeviceLiveness.Offline, await Of("d1"));
        var d1 = await view.GetDeviceAsync("f1", "d1");
        Assert.Equal(TimeSpan.FromMilliseconds(90_001), d1!.SilentFor);
        Assert.Null(await view.GetDeviceAsync("f1", "nope"));
    }

    [Fact]
    public async Task GetDevices_CountsOnlyOpenAlertsPerDevice()
    {
        var view = new FleetView(_store, timeProvider: _time);
        await _store.StoreAlertAsync(new MessageKey("f1", "d1", 1), T0, new StoredAlert("a1", "f1", "d1", "m", "input-drift", "inputs", "warning", "raised", 0, 1, "{}", T0, T0));
        await _store.StoreAlertAsync(new MessageKey("f1", "d1", 2), T0, new StoredAlert("a2", "f1", "d1", "m", "canary-mismatch", "canary", "critical", "escalated", 0, 1, "{}", T0, T0));
        await _store.StoreAlertAsync(new MessageKey("f1", "d1", 3), T0, new StoredAlert("a3", "f1", "d1", "m", "runtime-health", "latency", "info", "cleared", 0, 1, "{}", T0, T0));
        var devices = await view.GetDevicesAsync("f1");
        Assert.Equal(2, Assert.Single(devices).OpenAlerts);
    }

    [Fact]
    public async Task MergeDevice_EqualsMergingTheWindowsDirectlyAndSeparatesModels()
    {
        var view = new FleetView(_store, timeProvider: _time);
        var windows = TestFingerprints.Windows(seed: 1, windows: 3);
        await StoreWindowsAsync("d1", windows);
        var other = TestFingerprints.Windows(seed: 2, windows: 1);
        var seq = ++_sequence;
        await _store.StoreFingerprintAsync(new MessageKey("f1", "d1", seq), T0, new StoredFingerprint("f1", "d1", seq, "model-b", T0.AddMinutes(5), T0.AddMinutes(6), 64, other[0].ToBytes()));

        var merged = await view.MergeDeviceAsync("f1", "d1", T0, T0.AddHours(1));
        Assert.Equal(["model-a", "model-b"], merged.Keys.Order(StringComparer.Ordinal));
        var expected = windows[0].Merge(windows[1]).Merge(windows[2]);
        Assert.Equal(3 * TestFingerprints.WindowSize, merged["model-a"].ObservationCount);
        Assert.Equal(expected.ToBytes(), merged["model-a"].ToBytes());
        Assert.Equal(64, merged["model-b"].ObservationCount);

        var fleet = await view.MergeFleetAsync("f1", "model-a", T0, T0.AddMinutes(2));
        Assert.Equal(2 * TestFingerprints.WindowSize, fleet!.ObservationCount);
        Assert.Null(await view.MergeFleetAsync("f1", "model-z", T0, T0.AddHours(1)));
    }

    [Fact]
    public async Task GetTimeline_OnePointPerWindowOrPerBucket_WithTheWindowsQuantiles()
    {
        var view = new FleetView(_store, timeProvider: _time);
        var windows = TestFingerprints.Windows(seed: 3, windows: 4);
        await StoreWindowsAsync("d1", windows);

        var points = await view.GetTimelineAsync("f1", "d1", "input.x", T0, T0.AddHours(1));
        Assert.Equal(4, points.Count);
        for (var i = 0; i < 4; i++)
        {
            var x = windows[i]["input.x"];
            Assert.Equal(T0.AddMinutes(i), points[i].From);
            Assert.Equal(x.Quantile(0.5), points[i].P50);
            Assert.Equal(x.Quantile(0.95), points[i].P95);
            Assert.Equal(x.Mean, points[i].Mean);
            Assert.Equal(TestFingerprints.WindowSize, points[i].Count);
        }

        var buckets = await view.GetTimelineAsync("f1", "d1", "input.x", T0, T0.AddHours(1), TimeSpan.FromMinutes(2));
        Assert.Equal(2, buckets.Count);
        Assert.All(buckets, b => Assert.Equal(2, b.Windows));
        Assert.Equal(windows[2].Merge(windows[3])["input.x"].Quantile(0.25), buckets[1].P25);
        Assert.Equal(T0.AddMinutes(4), buckets[1].To);

        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => view.GetTimelineAsync("f1", "d1", "input.nope", T0, T0.AddHours(1)));
        Assert.Contains("input.nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetFleetTimeline_MergesEveryDevicesWindowsPerBucketOfOneModel()
    {
        var view = new FleetView(_store, timeProvider: _time);
        var a = TestFingerprints.Windows(seed: 11, windows: 2);
        var b = TestFingerprints.Windows(seed: 12, windows: 2);
        await StoreWindowsAsync("d1", a);
        await StoreWindowsAsync("d2", b);
        await StoreWindowsAsync("d3", TestFingerprints.Windows(seed: 13, windows: 2), model: "model-b");

        var points = await view.GetFleetTimelineAsync("f1", "model-a", "input.x", T0, T0.AddHours(1), TimeSpan.FromMinutes(1));
        Assert.Equal(2, points.Count);
        Assert.All(points, p => Assert.Equal(2, p.Windows));
        Assert.Equal(a[1].Merge(b[1])["input.x"].Quantile(0.75), points[1].P75);
        Assert.Equal(2 * TestFingerprints.WindowSize, points[0].Count);
    }

    [Fact]
    public void OutlierCheck_OneShiftedDevice_IsTheOnlyOneFlaggedOnTheShiftedChannels()
    {
        var devices = Enumerable.Range(0, 5)
            .Select(i => new KeyValuePair<string, Fingerprint>($"d{i}", MergeAll(TestFingerprints.Windows(seed: 100 + i, windows: 10, shiftX: i == 3 ? 1.5 : 0))))
            .ToList();
        var report = FleetOutlierCheck.Run("model-a", devices, new FleetViewOptions());

        Assert.True(report.Checked);
        Assert.Equal(["d3"], report.DepartingDevices);
        var d3 = report.Devices[0];
        Assert.Equal("d3", d3.Device);
        Assert.Equal(0.01 / 5, d3.Level, 12);
        var departing = d3.Channels.Where(c => c.Departs).Select(c => c.Channel).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("input.x", departing);
        Assert.DoesNotContain("input.y", departing);

        // N(1.5, 1) against N(0, 1): KS distance 2Φ(0.75) − 1 = 0.5467 (the rest is the unshifted mixture).
        var x = d3.Channels.Single(c => c.Channel == "input.x");
        Assert.InRange(x.Statistic, 0.5467 - 0.08, 0.5467 + 0.08);
        Assert.True(x.ErrorBound > 0 && x.ErrorBound < 0.1);
    }

    [Fact]
    public void OutlierCheck_WholeFleetShiftedTogether_FlagsNobody()
    {
        var devices = Enumerable.Range(0, 5)
            .Select(i => new KeyValuePair<string, Fingerprint>($"d{i}", MergeAll(TestFingerprints.Windows(seed: 200 + i, windows: 10, shiftX: 1.5))))
            .ToList();
        var report = FleetOutlierCheck.Run("model-a", devices, new FleetViewOptions());
        Assert.True(report.Checked);
        Assert.Empty(report.DepartingDevices);
        Assert.Equal(5, report.Devices.Count);
    }

    [Fact]
    public void OutlierCheck_TwoDevices_NotCheckedWithReason()
    {
        var devices = Enumerable.Range(0, 2)
            .Select(i => new KeyValuePair<string, Fingerprint>($"d{i}", MergeAll(TestFingerprints.Windows(seed: 300 + i, windows: 2, shiftX: i * 3))))
            .ToList();
        var report = FleetOutlierCheck.Run("model-a", devices, new FleetViewOptions());
        Assert.False(report.Checked);
        Assert.Contains("at least 3", report.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSummary_CountsLivenessAlertsAndFlagsTheOddDevice()
    {
        var view = new FleetView(_store, timeProvider: _time);
        for (var i = 0; i < 4; i++)
        {
            await StoreWindowsAsync($"d{i}", TestFingerprints.Windows(seed: 400 + i, windows: 8, scaleX: i == 1 ? 3 : 1));
            await _store.StoreStatusAsync(new MessageKey("f1", $"d{i}", 1000 + i), _time.GetUtcNow(), new DeviceStatusReport(i == 2 ? "offline" : "online", "model-a", i, 0, T0));
        }

        await _store.StoreAlertAsync(new MessageKey("f1", "d0", 2000), T0, new StoredAlert("a0", "f1", "d0", "model-a", "input-drift", "inputs", "warning", "raised", 0, 1, "{}", T0, T0));
        await _store.StoreAlertAsync(new MessageKey("f1", "d3", 2000), T0, new StoredAlert("a3", "f1", "d3", "model-a", "input-drift", "inputs", "critical", "raised", 0, 1, "{}", T0, T0));
        await _store.StoreAlertAsync(new MessageKey("f1", "d1", 2000), T0, new StoredAlert("a1", "f1", "d1", "model-a", "canary-mismatch", "canary", "critical", "raised", 0, 1, "{}", T0, T0));

        var summary = await view.GetSummaryAsync("f1", T0, T0.AddHours(1));
        Assert.Equal((4, 3, 1, 0), (summary.DeviceCount, summary.Online, summary.Offline, summary.Unknown));
        Assert.Equal(2, summary.OpenAlertsBySeverity["critical"]);
        Assert.Equal(1, summary.OpenAlertsBySeverity["warning"]);
        Assert.Equal(2, summary.OpenAlertsByKind["input-drift"]);
        var group = Assert.Single(summary.Models);
        Assert.Equal(4 * 8 * TestFingerprints.WindowSize, group.Observations);
        Assert.Equal(32, group.Windows);
        Assert.Equal(["d1"], group.Outliers.DepartingDevices);
        Assert.Equal(["input-drift"], group.FleetWideAlertKinds); // 2 of 4 devices ≥ share 0.5; canary-mismatch on 1 of 4 is not
    }

    [Fact]
    public void Options_Invalid_EveryProblemListed()
    {
        var options = new FleetViewOptions { KeepAliveInterval = TimeSpan.Zero, OfflineAfterKeepAlives = 0, OutlierAlpha = 0, MinOutlierDistance = 1, MinDevicesForOutlierCheck = 2, FleetWideShare = 0 };
        var problems = options.Validate();
        Assert.Equal(6, problems.Count);
        var error = Assert.Throws<ArgumentException>(() => new FleetView(_store, options, _time));
        Assert.Contains("MinDevicesForOutlierCheck", error.Message, StringComparison.Ordinal);
    }

    private static Fingerprint MergeAll(List<Fingerprint> windows) => windows.Aggregate(Fingerprint.Merge);
}
