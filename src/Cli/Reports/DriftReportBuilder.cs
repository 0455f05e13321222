using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;

namespace EdgeSentinel.Cli.Reports;

/// <summary>
/// Collects a <see cref="DriftReport"/>: window by window from a replay through the monitor, or from window
/// fingerprints a device reported. Channels drive the verdict when a calibrated test names them.
/// </summary>
internal sealed class DriftReportBuilder
{
    /// <summary>Fewest finite values a stored window's channel needs to be tested (as the monitor's own window tests require).</summary>
    private const int MinimumWindowValues = 8;

    private readonly Baseline _baseline;
    private readonly int[] _alarms;
    private readonly double[] _worstPValue;
    private readonly List<double>[] _psi;
    private readonly List<ReportedAlert> _alerts = [];
    private readonly List<string> _notes = [];
    private readonly Dictionary<string, int> _channelIndex;
    private Fingerprint? _live;
    private long _windows;

    public DriftReportBuilder(Baseline baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        _baseline = baseline;
        var channels = baseline.Schema.Channels;
        _alarms = new int[channels.Count];
        _worstPValue = Enumerable.Repeat(double.NaN, channels.Count).ToArray();
        _psi = channels.Select(_ => new List<double>()).ToArray();
        _channelIndex = channels.ToDictionary(c => c.Name, c => c.Index, StringComparer.Ordinal);
    }

    /// <summary>Adds a window the monitor tested: its fingerprint and p-values; a channel drove the window's verdict when its test's multiplicity-adjusted p-value is at or below the window false-alarm rate (the monitor's own rule).</summary>
    public void AddWindow(WindowReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _windows++;
        Merge(report.Fingerprint);
        foreach (var statistics in report.Channels)
        {
            if (!_channelIndex.TryGetValue(statistics.Channel, out var i))
            {
                continue;
            }

            if (!double.IsNaN(statistics.PValue))
            {
                _worstPValue[i] = double.IsNaN(_worstPValue[i]) ? statistics.PValue : Math.Min(_worstPValue[i], statistics.PValue);
            }

            if (double.IsFinite(statistics.PopulationStabilityIndex))
            {
                _psi[i].Add(statistics.PopulationStabilityIndex);
            }
        }

        var outcomes = report.Outcomes;
        var pValues = outcomes.Select(o => o.PValue).ToArray();
        var adjusted = PValueAdjustment.Adjust(pValues, _baseline.Calibration.MultipleTesting);
        var named = new HashSet<int>();
        for (var k = 0; k < outcomes.Count; k++)
        {
            if (adjusted[k] <= _baseline.Calibration.WindowAlpha)
            {
                named.UnionWith(ChannelsOf(outcomes[k].Channel));
            }
        }

        foreach (var i in named)
        {
            _alarms[i]++;
        }
    }

    /// <summary>Adds a window known only by its fingerprint (as stored by the aggregator): each channel is tested with the sketch KS test (conservative p-value), Holm across channels at the baseline's window false-alarm rate.</summary>
    public void AddStoredWindow(Fingerprint window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (!window.Schema.Equals(_baseline.Schema))
        {
            throw new InvalidOperationException("a stored fingerprint has another channel layout than the baseline (was it reported by a device running another model or baseline?)");
        }

        _windows++;
        Merge(window);
        var tested = new List<int>();
        var pValues = new List<double>();
        var untested = new HashSet<int>(_baseline.Calibration.UntestedChannels);
        for (var i = 0; i < window.Channels.Count; i++)
        {
            var live = window.Channels[i];
            var reference = _baseline.Fingerprint.Channels[i];
            if (untested.Contains(i) || live.Channel.ValueKind != ChannelValueKind.Continuous || live.Count < MinimumWindowValues || reference.Count == 0)
            {
                continue;
            }

            var comparison = ChannelSummary.KolmogorovSmirnov(reference, live);
            tested.Add(i);
            pValues.Add(comparison.ConservativePValue);
            _worstPValue[i] = double.IsNaN(_worstPValue[i]) ? comparison.ConservativePValue : Math.Min(_worstPValue[i], comparison.ConservativePValue);
        }

        var adjusted = new double[pValues.Count];
        PValueAdjustment.Holm(pValues.ToArray(), adjusted);
        for (var k = 0; k < adjusted.Length; k++)
        {
            if (adjusted[k] <= _baseline.Calibration.WindowAlpha)
            {
                _alarms[tested[k]]++;
            }
        }
    }

    /// <summary>Marks the channel a sequential alarm or activation anomaly names (those signals name exactly the stream or tap that alarmed).</summary>
    public void AddSignal(DetectionSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (signal.Score < signal.Threshold)
        {
            return;
        }

        var named = new HashSet<int>();
        foreach (var contribution in signal.Evidence.TopChannels)
        {
            named.UnionWith(ChannelsOf(contribution.Channel));
        }

        foreach (var i in named)
        {
            _alarms[i]++;
        }
    }

    /// <summary>Records an alert transition raised at data row <paramref name="row"/>.</summary>
    public void AddAlert(AlertTransition transition, long row)
    {
        ArgumentNullException.ThrowIfNull(transition);
        var alert = transition.Alert;
        _alerts.Add(new ReportedAlert(
            AlertKinds.ToWireName(alert.Kind), AlertSeverities.ToWireName(alert.Severity), AlertStates.ToWireName(transition.Current), row,
            alert.Evidence.Statistic, alert.Evidence.Value, alert.Evidence.Threshold, alert.Evidence.FalseAlarmRate, alert.Evidence.FalseAlarmUnit,
            alert.Evidence.TopChannels.Select(c => c.Channel).ToArray()));
    }

    /// <summary>Adds a caveat shown at the top of the report.</summary>
    public void AddNote(string note) => _notes.Add(note);

    /// <summary>Builds the report; throws when no window was added (nothing to compare).</summary>
    public DriftReport Build(string title, string source)
    {
        if (_live is null)
        {
            throw new InvalidOperationException($"no complete window of {_baseline.Calibration.WindowSize} observations in {source}: nothing to compare with the baseline");
        }

        var channels = new List<ChannelReport>();
        foreach (var definition in _baseline.Schema.Channels)
        {
            var i = definition.Index;
            var reference = _baseline.Fingerprint.Channels[i];
            var live = _live.Channels[i];
            var continuous = definition.ValueKind == ChannelValueKind.Continuous;
            var sketch = continuous && reference.Count > 0 && live.Count > 0 ? ChannelSummary.KolmogorovSmirnov(reference, live) : null;
            var psi = _psi[i];
            psi.Sort();
            channels.Add(new ChannelReport(
                definition.Name,
                definition.Role,
                _alarms[i] > 0,
                _alarms[i],
                reference.Mean,
                reference.StandardDeviation,
                live.Mean,
                live.StandardDeviation,
                sketch?.Statistic ?? double.NaN,
                sketch?.ErrorBound ?? double.NaN,
                _worstPValue[i],
                psi.Count == 0 ? double.NaN : psi[psi.Count / 2],
                continuous ? reference.HistogramEdges.ToArray() : [],
                continuous ? reference.HistogramCounts.ToArray() : reference.CategoryCounts.ToArray(),
                continuous ? live.HistogramCounts.ToArray() : live.CategoryCounts.ToArray()));
        }

        var model = _baseline.Model.Sha256;
        var description = string.IsNullOrWhiteSpace(_baseline.Description) ? $"model {model[..12]}" : $"{_baseline.Description} (model {model[..12]})";
        return new DriftReport(title, source, description, _live.ObservationCount, _windows, _baseline.Calibration.WindowSize,
            _baseline.Calibration.WindowAlpha, _alerts.ToArray(), channels, _notes.ToArray());
    }

    private void Merge(Fingerprint window) => _live = _live is null ? window : _live.Merge(window);

    // A test names a channel, or a group of channels: a tap-level test ("tap.NAME") covers the tap's projected channels.
    private IEnumerable<int> ChannelsOf(string name)
    {
        if (_channelIndex.TryGetValue(name, out var i))
        {
            return [i];
        }

        var prefix = name + ".";
        return _channelIndex.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(kv => kv.Value);
    }
}
