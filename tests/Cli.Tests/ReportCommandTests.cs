using System.Globalization;
using System.Text.RegularExpressions;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Cli.Tests;

/// <summary>
/// <c>edgesentinel report</c> on the offline workspace's model: a +1σ shift on input b must make b (and only
/// channels the shift reaches) drive the verdict, with one plot each; clean data gives none.
/// </summary>
public sealed partial class ReportCommandTests : IClassFixture<OfflineVerbsTests.Workspace>
{
    private readonly OfflineVerbsTests.Workspace _w;

    public ReportCommandTests(OfflineVerbsTests.Workspace workspace) => _w = workspace;

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await EdgeSentinelCommand.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [GeneratedRegex("<figure class=\"plot\" data-channel=\"([^\"]+)\"")]
    private static partial Regex PlotPattern();

    private static string[] PlottedChannels(string html) => [.. PlotPattern().Matches(html).Select(m => m.Groups[1].Value)];

    [Fact]
    public async Task Report_OneSigmaShiftOnB_BDrivesTheVerdictWithOnePlotPerDriftedChannel()
    {
        var data = Path.Combine(_w.Folder, "report-shift.csv");
        OfflineVerbsTests.Workspace.WriteCsv(data, 4096, seed: 21, shiftFrom: 1024);
        var html = Path.Combine(_w.Folder, "report-shift.html");

        var (exit, output, error) = await Run("report", "--baseline", _w.Baseline, "--model", _w.Model, "--data", data, "--out", html);

        Assert.True(exit == 0, error);
        var text = await File.ReadAllTextAsync(html);
        var plotted = PlottedChannels(text);
        Assert.Contains("input.b", plotted);
        // a, c and d are independent of b and unchanged: they must not be blamed.
        Assert.DoesNotContain("input.a", plotted);
        Assert.DoesNotContain("input.c", plotted);
        Assert.DoesNotContain("input.d", plotted);
        // One plot per drifted channel: the rows marked as drifted in the table are exactly the plotted channels.
        var driftedRows = Regex.Matches(text, "<tr class=\"drift\"><td>([^<]+)</td>").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(driftedRows.Order(StringComparer.Ordinal), plotted.Order(StringComparer.Ordinal));
        Assert.Contains("input.b", output, StringComparison.Ordinal);
        // Self-contained: the charting library is inlined, nothing is fetched.
        Assert.DoesNotContain("<script src", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Chart", text, StringComparison.Ordinal);
        Assert.Contains("input-drift", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_CleanData_NoDriftedChannelAndNoPlot()
    {
        var data = Path.Combine(_w.Folder, "report-clean.csv");
        OfflineVerbsTests.Workspace.WriteCsv(data, 4096, seed: 22, shiftFrom: int.MaxValue);
        var html = Path.Combine(_w.Folder, "report-clean.html");

        var (exit, output, error) = await Run("report", "--baseline", _w.Baseline, "--model", _w.Model, "--data", data, "--out", html);

        Assert.True(exit == 0, error);
        var text = await File.ReadAllTextAsync(html);
        Assert.Empty(PlottedChannels(text));
        Assert.Contains("No channel drove an alarm.", text, StringComparison.Ordinal);
        Assert.Contains("no channel drove an alarm", output, StringComparison.Ordinal);
        // Every channel of the baseline is in the table.
        Assert.Equal(4, Regex.Count(text, "<td>input\\.[abcd]</td>"));
    }

    [Theory]
    [InlineData("--data", "x.csv")]
    [InlineData("--store", "x.db")]
    [InlineData("--store", "x.db", "--data", "x.csv")]
    public async Task Report_IncompleteSourceOptions_UsageErrorNamingWhatIsMissing(params string[] source)
    {
        var html = Path.Combine(_w.Folder, "never.html");
        var (exit, _, error) = await Run(["report", "--baseline", _w.Baseline, "--out", html, .. source]);

        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        Assert.Matches("--model|--fleet and --device|not both", error);
        Assert.False(File.Exists(html));
    }

    [Fact]
    public async Task Report_StoreThatDoesNotExist_ClearErrorNoFileCreated()
    {
        var store = Path.Combine(_w.Folder, "missing.db");
        var (exit, _, error) = await Run("report", "--baseline", _w.Baseline, "--out", Path.Combine(_w.Folder, "r.html"),
            "--store", store, "--fleet", "f", "--device", "d");

        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
        Assert.False(File.Exists(store));
    }

    [Fact]
    public async Task Report_FromStoredDeviceWindows_BDrivesTheVerdict()
    {
        // What a device reports: the fingerprint of each window it tested, stored by the aggregator.
        var baseline = Baseline.FromBytes(await File.ReadAllBytesAsync(_w.Baseline));
        var hostOptions = new OnnxModelHostOptions();
        foreach (var tap in baseline.Schema.Taps)
        {
            hostOptions.Taps.Add(tap.Name);
        }

        using var host = OnnxModelHost.Load(_w.Model, hostOptions);
        var monitor = new DriftMonitor(baseline);
        var data = Path.Combine(_w.Folder, "report-store.csv");
        OfflineVerbsTests.Workspace.WriteCsv(data, 2048, seed: 23, shiftFrom: 0);
        var storePath = Path.Combine(_w.Folder, "report-store.db");
        await using (var store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = storePath }))
        {
            await store.RegisterDeviceAsync("yard", "robot-7", "key-1");
            var start = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);
            var sequence = 0L;
            foreach (var line in File.ReadLines(data).Skip(1))
            {
                var row = line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                host.SetInputs(row);
                var frame = host.Run();
                monitor.Observe(frame.Inputs, frame.Outputs, frame.Taps, frame.LatencyMilliseconds);
                while (monitor.TryTakeWindow(out var window))
                {
                    var fingerprint = monitor.AnalyzeWindow(window).Fingerprint;
                    monitor.ReturnWindow(window);
                    sequence++;
                    var key = new MessageKey("yard", "robot-7", sequence);
                    var stored = new StoredFingerprint("yard", "robot-7", sequence, baseline.Model.Sha256,
                        start.AddMinutes(sequence), start.AddMinutes(sequence + 1), fingerprint.ObservationCount, fingerprint.ToBytes());
                    await store.StoreFingerprintAsync(key, start.AddMinutes(sequence + 1), stored);
                }
            }

            Assert.Equal(8, sequence);
        }

        var html = Path.Combine(_w.Folder, "report-store.html");
        var (exit, output, error) = await Run("report", "--baseline", _w.Baseline, "--store", storePath, "--fleet", "yard", "--device", "robot-7", "--out", html);

        Assert.True(exit == 0, error);
        var text = await File.ReadAllTextAsync(html);
        var plotted = PlottedChannels(text);
        Assert.Contains("input.b", plotted);
        Assert.DoesNotContain("input.a", plotted);
        Assert.DoesNotContain("input.c", plotted);
        Assert.DoesNotContain("input.d", plotted);
        Assert.Contains("2,048 observations in 8", text, StringComparison.Ordinal);
        Assert.Contains("8 windows", output, StringComparison.Ordinal);
    }
}
