using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Fingerprints;

namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>The window tests of one live window against the baseline.</summary>
/// <param name="FirstSample">Index of the window's first observation.</param>
/// <param name="LastSample">Index of its last observation.</param>
/// <param name="Outcomes">Each channel test's statistic, p-value and effect size (before multiple-testing control).</param>
/// <param name="Channels">Distances per channel.</param>
/// <param name="Signals">Alert signals, one per subject, above or below threshold.</param>
/// <param name="Fingerprint">Fingerprint of the window on the baseline's bins (merge these into hours, devices into fleets).</param>
public sealed record WindowReport(
    long FirstSample,
    long LastSample,
    IReadOnlyList<ChannelTestOutcome> Outcomes,
    IReadOnlyList<ChannelWindowStatistics> Channels,
    IReadOnlyList<DetectionSignal> Signals,
    Fingerprint Fingerprint);
