using EdgeSentinel.Monitor.Decisions;

namespace EdgeSentinel.Cli.Reports;

/// <summary>What an offline drift report shows: where the data came from, the alerts raised, and each channel compared with its baseline.</summary>
/// <param name="Title">One line naming the data and the baseline.</param>
/// <param name="Source">Where the live data came from (file name, or device and time range).</param>
/// <param name="BaselineDescription">The baseline's description and model hash.</param>
/// <param name="Observations">Live observations summarised.</param>
/// <param name="WindowsTested">Windows the monitor tested (0 when the report was made from stored fingerprints).</param>
/// <param name="WindowSize">Observations per window.</param>
/// <param name="WindowAlpha">The baseline's per-window false-alarm rate for the window tests.</param>
/// <param name="Alerts">Alert transitions raised while the data was replayed (empty for stored fingerprints).</param>
/// <param name="Channels">One entry per channel, in schema order.</param>
/// <param name="Notes">Caveats the reader must know (skipped rows, trailing rows, missing histograms).</param>
internal sealed record DriftReport(
    string Title,
    string Source,
    string BaselineDescription,
    long Observations,
    long WindowsTested,
    int WindowSize,
    double WindowAlpha,
    IReadOnlyList<ReportedAlert> Alerts,
    IReadOnlyList<ChannelReport> Channels,
    IReadOnlyList<string> Notes)
{
    /// <summary>The channels that drove a verdict, most significant first.</summary>
    public IEnumerable<ChannelReport> Drifted => Channels.Where(c => c.Drifted).OrderByDescending(c => c.Alarms).ThenByDescending(c => c.KolmogorovSmirnov);
}

/// <summary>One alert transition in a report.</summary>
internal sealed record ReportedAlert(string Kind, string Severity, string State, long Row, string Statistic, double Value, double Threshold, double FalseAlarmRate, string FalseAlarmUnit, IReadOnlyList<string> Channels);

/// <summary>One channel of a report: baseline against live summary statistics, the sketch KS test over all the live data, window-test results and the two histograms.</summary>
/// <param name="Name">Channel name.</param>
/// <param name="Role">Input, output, tap or latency.</param>
/// <param name="Drifted">Whether the channel drove an alarm (a window test or sequential detector above its calibrated threshold named it).</param>
/// <param name="Alarms">Alarms (window tests or sequential detectors above their calibrated thresholds) that named the channel.</param>
/// <param name="BaselineMean">Baseline mean.</param>
/// <param name="BaselineStandardDeviation">Baseline standard deviation.</param>
/// <param name="LiveMean">Live mean.</param>
/// <param name="LiveStandardDeviation">Live standard deviation.</param>
/// <param name="KolmogorovSmirnov">KS statistic between the baseline's and the live quantile sketches.</param>
/// <param name="KolmogorovSmirnovErrorBound">How far the sketch KS can be from the exact one.</param>
/// <param name="WorstWindowPValue">Smallest window p-value of the channel's primary test (before multiple-testing control; NaN without windows).</param>
/// <param name="MedianWindowPsi">Median population stability index over the windows (NaN without windows).</param>
/// <param name="BinEdges">Histogram bin edges shared by both histograms (empty for categorical channels).</param>
/// <param name="BaselineCounts">Baseline counts per bin or category.</param>
/// <param name="LiveCounts">Live counts per bin or category.</param>
internal sealed record ChannelReport(
    string Name,
    ChannelRole Role,
    bool Drifted,
    int Alarms,
    double BaselineMean,
    double BaselineStandardDeviation,
    double LiveMean,
    double LiveStandardDeviation,
    double KolmogorovSmirnov,
    double KolmogorovSmirnovErrorBound,
    double WorstWindowPValue,
    double MedianWindowPsi,
    IReadOnlyList<double> BinEdges,
    IReadOnlyList<long> BaselineCounts,
    IReadOnlyList<long> LiveCounts)
{
    /// <summary>Live mean minus baseline mean in baseline standard deviations (NaN when the baseline is constant).</summary>
    public double StandardisedMeanShift => BaselineStandardDeviation > 0 ? (LiveMean - BaselineMean) / BaselineStandardDeviation : double.NaN;
}
