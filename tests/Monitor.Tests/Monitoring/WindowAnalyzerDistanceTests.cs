using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Monitor.Statistics;
using EdgeSentinel.Monitor.Tests.Support;

namespace EdgeSentinel.Monitor.Tests.Monitoring;

/// <summary>
/// The window analysis sorts each window once and asks for the KS p-value only on the path that uses it: its per-channel
/// KS statistic, p-value and Wasserstein-1 must be, bit for bit, what the unsorted two-sample functions give with the
/// documented p-value rule (calibrated null: asymptotic at count / design effect; uncalibrated and autocorrelated: AR(1)
/// effective size; otherwise ks_2samp's own, exact for window sizes).
/// </summary>
public sealed class WindowAnalyzerDistanceTests(SyntheticBaselineFixture fixture) : IClassFixture<SyntheticBaselineFixture>
{
    [Fact]
    public void CalibratedBaseline_KsAndWasserstein_EqualTheUnsortedReferenceFormulas()
    {
        Assert.True(fixture.Baseline.Calibration.WindowNull.IsCalibrated);
        var compared = CompareWindows(fixture.Baseline, windows: 3);
        Assert.True(compared >= 3 * SyntheticModel.Inputs, $"only {compared} channel windows compared");
    }

    [Fact]
    public void UncalibratedBaseline_ExactAndAutocorrelatedPaths_EqualTheUnsortedReferenceFormulas()
    {
        // 1,000 training rows make 7 windows of 128, fewer than the 20 the null calibration needs.
        var baseline = SyntheticModel.BuildBaseline(training: 1000);
        Assert.False(baseline.Calibration.WindowNull.IsCalibrated);
        var compared = CompareWindows(baseline, windows: 3);
        Assert.True(compared >= 3 * SyntheticModel.Inputs, $"only {compared} channel windows compared");
    }

    private static int CompareWindows(Baseline baseline, int windows)
    {
        var monitor = new DriftMonitor(baseline);
        var model = new SyntheticModel(99);
        var x = new float[SyntheticModel.Inputs];
        var p = new float[SyntheticModel.Outputs];
        var h = new float[SyntheticModel.Hidden];
        var compared = 0;
        var exactPaths = 0;
        for (var analyzed = 0; analyzed < windows;)
        {
            model.Next(x, p, h, out var latency);
            monitor.Observe(x, p, h, latency);
            while (monitor.TryTakeWindow(out var window))
            {
                var report = monitor.AnalyzeWindow(window);
                foreach (var channel in baseline.Schema.Channels)
                {
                    var stats = report.Channels.SingleOrDefault(s => s.Channel == channel.Name);
                    if (stats is null || double.IsNaN(stats.KolmogorovSmirnov))
                    {
                        continue;
                    }

                    var live = window.Column(channel.Index).ToArray().Where(double.IsFinite).ToArray();
                    var reference = baseline.ReferenceSample(channel.Index).ToArray().Select(v => (double)v).ToArray();
                    var (expected, exact) = ExpectedKs(baseline, channel.Index, live, reference);
                    Assert.Equal(expected.Statistic, stats.KolmogorovSmirnov);
                    Assert.Equal(expected.PValue, stats.PValue);
                    var summary = baseline.Fingerprint.Channels[channel.Index];
                    Assert.Equal(Wasserstein.Distance(live, reference) / ScoringModel.Scale(summary.StandardDeviation, summary.Mean), stats.Wasserstein);
                    compared++;
                    exactPaths += exact ? 1 : 0;
                }

                monitor.ReturnWindow(window);
                analyzed++;
            }
        }

        Assert.True(baseline.Calibration.WindowNull.IsCalibrated || exactPaths > 0, "the uncalibrated baseline never took the exact path");
        return compared;
    }

    private static (TestResult Result, bool Exact) ExpectedKs(Baseline baseline, int channel, double[] live, double[] reference)
    {
        var ks = KolmogorovSmirnov.TwoSample(live, reference);
        var windowNull = baseline.Calibration.WindowNull;
        if (windowNull.IsCalibrated)
        {
            var effect = channel < windowNull.ChannelDesignEffects.Count ? windowNull.ChannelDesignEffects[channel] : 1.0;
            return (new TestResult(ks.Statistic, KolmogorovSmirnov.AsymptoticPValue(ks.Statistic, Math.Max(1.0, live.Length / effect), reference.Length)), false);
        }

        var stream = Array.IndexOf(baseline.Scoring.StreamChannels, channel);
        var rho = stream < 0 ? 0 : baseline.Scoring.Autocorrelation[stream];
        return rho > 0
            ? (new TestResult(ks.Statistic, KolmogorovSmirnov.AsymptoticPValue(ks.Statistic, Math.Max(1.0, live.Length * (1 - rho) / (1 + rho)), reference.Length)), false)
            : (ks, true);
    }
}
