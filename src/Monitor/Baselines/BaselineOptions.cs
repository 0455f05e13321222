using System.Globalization;
using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Detection.Sequential;

namespace EdgeSentinel.Monitor.Baselines;

/// <summary>How a baseline is built and calibrated. Plain options with documented defaults; <see cref="Validate"/> lists every problem.</summary>
public sealed class BaselineOptions
{
    /// <summary>Smallest live window.</summary>
    public const int MinWindowSize = 16;

    /// <summary>Largest live window.</summary>
    public const int MaxWindowSize = 1 << 20;

    /// <summary>Largest accepted <see cref="ActivationEpisodeGap"/>.</summary>
    public const int MaxActivationEpisodeGap = 1_000_000;

    /// <summary>Average run length, in samples, between false alarms of the sequential detectors under no drift. Default 10^6.</summary>
    public double TargetAverageRunLength { get; set; } = 1e6;

    /// <summary>
    /// Share of the sequential layer's false-alarm budget (1 / <see cref="TargetAverageRunLength"/> per sample) given to the
    /// input channels' support limits, split over their sides; the CUSUM bank keeps its own 1 / ARL, so the layer's rate is
    /// (1 + share) / ARL. 0 sets no limits. Default 0.01.
    /// </summary>
    public double SupportLimitShare { get; set; } = 0.01;

    /// <summary>Sequential detector family. Default CUSUM.</summary>
    public SequentialDetectorKind SequentialDetector { get; set; } = SequentialDetectorKind.Cusum;

    /// <summary>
    /// Per-sample false-alarm rate of the activation-anomaly threshold. Default 10^-6, the same
    /// budget as the sequential detectors' default average run length.
    /// </summary>
    public double ActivationAnomalyRate { get; set; } = 1e-6;

    /// <summary>
    /// Run length R of an activation-anomaly episode: an alarm is raised at the first exceedance of a
    /// tap's threshold after at least R samples without one on that tap, and the thresholds are
    /// calibrated for that onset rate (0: every exceedance alarms). Default 50.
    /// </summary>
    public int ActivationEpisodeGap { get; set; } = 50;

    /// <summary>Observations per live window. Default 256.</summary>
    public int WindowSize { get; set; } = 256;

    /// <summary>
    /// Level of the window tests per window, across all channels. Default 10^-4: at 10 inferences
    /// per second and 256-observation windows, one false window alarm in about 30 days.
    /// </summary>
    public double WindowAlpha { get; set; } = 1e-4;

    /// <summary>Multiple-testing control across channels. Default Holm (family-wise).</summary>
    public MultipleTestingMethod MultipleTesting { get; set; } = MultipleTestingMethod.Holm;

    /// <summary>Training values kept per channel for exact window tests. Default 2000.</summary>
    public int ReferenceSampleSize { get; set; } = 2000;

    /// <summary>Histogram bins per continuous channel, at equal-mass edges of the training data. Default 10.</summary>
    public int HistogramBins { get; set; } = 10;

    /// <summary>Fewest training rows accepted. Default 200.</summary>
    public int MinTrainingRows { get; set; } = 200;

    /// <summary>Fewest held-out (calibration) rows accepted. Default 1000.</summary>
    public int MinHeldOutRows { get; set; } = 1000;

    /// <summary>Seed of every random choice (reference sample, bootstrap): the same data and seed give the same baseline.</summary>
    public ulong Seed { get; set; } = 1;

    /// <summary>
    /// Channels summarized in fingerprints but not tested for drift: clocks, dates and other
    /// features expected to change after deployment (declared deployment cues are tested by cue
    /// probes instead). Full channel names (<c>input.mission_day</c>) or bare input feature names.
    /// </summary>
    public IList<string> UntestedChannels { get; } = [];

    /// <summary>
    /// A value stream whose held-out mean lies more than this many training standard deviations
    /// from its training mean is not stationary; it is left out of the sequential detectors (which
    /// would otherwise calibrate to its shift and lose sensitivity everywhere). Default 0.25, half the
    /// CUSUM allowance: a larger held-out shift makes a CUSUM climb steadily on held-out data.
    /// </summary>
    public double NonStationaryShift { get; set; } = 0.25;

    /// <summary>
    /// Length of the blocks of consecutive held-out rows the calibration bootstrap resamples. Default 1
    /// (rows are independent). For time series (sensor streams) give the held-out data in time order
    /// and a block longer than the autocorrelation, so the calibrated false-alarm rate holds for them.
    /// </summary>
    public int CalibrationBlockLength { get; set; } = 1;

    /// <summary>
    /// Gives streams far apart in how high their clean statistics climb thresholds of their own
    /// (<see cref="Detection.Sequential.SequentialStreamGroups"/>): groups by each stream's own level, each group's highest at
    /// least this many times the next group's, at most 4 groups, each calibrated at the target ARL times the number of groups.
    /// Only streams whose block (mission) means vary no more than one common mean explains may leave the first group; the
    /// others keep its threshold. Default 4. +∞: one threshold for every stream. Needs <see cref="CalibrationBlockLength"/>
    /// &gt; 1 and at least 20 whole blocks (otherwise one threshold).
    /// </summary>
    /// <value>
    /// At least 1. Quiet streams then alarm much sooner (demo robot, 1σ acceleration bias: 5–12 samples instead of about 317).
    /// Without the block-dispersion rule (session 9) the quiet groups took streams whose missions each have their own offset,
    /// and missions rarer than 1 in 1000 drove them to 3–5 times their training maximum (88 alarms on 10^7 clean inferences
    /// against 19); with it, the demo policy's quiet group is the acceleration, goal-distance and one action-probability stream.
    /// </value>
    public double SequentialGroupSeparation { get; set; } = 4.0;

    /// <summary>
    /// Fewest consecutive training windows (of <see cref="WindowSize"/> rows) needed to calibrate the window
    /// tests' null (<see cref="WindowNullCalibration"/>). Default 20. With fewer, the window tests assume
    /// independent rows (AR(1) effective size for autocorrelated channels), and the baseline says so.
    /// </summary>
    public int MinNullCalibrationWindows { get; set; } = 20;

    /// <summary>Free text stored in the baseline.</summary>
    public string Description { get; set; } = string.Empty;

    /// <summary>Every problem, each naming the property; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!(TargetAverageRunLength >= 10) || double.IsInfinity(TargetAverageRunLength))
        {
            problems.Add(F($"TargetAverageRunLength: {TargetAverageRunLength} must be finite and at least 10"));
        }

        if (!Enum.IsDefined(SequentialDetector))
        {
            problems.Add(F($"SequentialDetector: unknown value {(int)SequentialDetector}"));
        }

        if (!(ActivationAnomalyRate > 0 && ActivationAnomalyRate < 0.5))
        {
            problems.Add(F($"ActivationAnomalyRate: {ActivationAnomalyRate} must be in (0, 0.5)"));
        }

        if (!(SupportLimitShare >= 0 && SupportLimitShare <= 1))
        {
            problems.Add(F($"SupportLimitShare: {SupportLimitShare} must be in 0..1"));
        }

        if (ActivationEpisodeGap is < 0 or > MaxActivationEpisodeGap)
        {
            problems.Add(F($"ActivationEpisodeGap: {ActivationEpisodeGap} must be in 0..{MaxActivationEpisodeGap}"));
        }

        if (WindowSize < MinWindowSize || WindowSize > MaxWindowSize)
        {
            problems.Add(F($"WindowSize: {WindowSize} must be in {MinWindowSize}..{MaxWindowSize}"));
        }

        if (!(WindowAlpha > 0 && WindowAlpha < 0.5))
        {
            problems.Add(F($"WindowAlpha: {WindowAlpha} must be in (0, 0.5)"));
        }

        if (!Enum.IsDefined(MultipleTesting))
        {
            problems.Add(F($"MultipleTesting: unknown value {(int)MultipleTesting}"));
        }

        if (ReferenceSampleSize < 50 || ReferenceSampleSize > 1_000_000)
        {
            problems.Add(F($"ReferenceSampleSize: {ReferenceSampleSize} must be in 50..1000000"));
        }

        if (HistogramBins < 2 || HistogramBins > 1000)
        {
            problems.Add(F($"HistogramBins: {HistogramBins} must be in 2..1000"));
        }

        if (MinTrainingRows < 10)
        {
            problems.Add(F($"MinTrainingRows: {MinTrainingRows} must be at least 10"));
        }

        if (MinHeldOutRows < 100)
        {
            problems.Add(F($"MinHeldOutRows: {MinHeldOutRows} must be at least 100"));
        }

        if (!(NonStationaryShift > 0) || double.IsInfinity(NonStationaryShift))
        {
            problems.Add(F($"NonStationaryShift: {NonStationaryShift} must be finite and positive"));
        }

        if (double.IsNaN(SequentialGroupSeparation) || SequentialGroupSeparation < 1)
        {
            problems.Add(F($"SequentialGroupSeparation: {SequentialGroupSeparation} must be at least 1 (+Infinity: one threshold for every stream)"));
        }

        if (CalibrationBlockLength < 1 || CalibrationBlockLength > 100_000)
        {
            problems.Add(F($"CalibrationBlockLength: {CalibrationBlockLength} must be in 1..100000"));
        }

        if (MinNullCalibrationWindows < 10 || MinNullCalibrationWindows > 1_000_000)
        {
            problems.Add(F($"MinNullCalibrationWindows: {MinNullCalibrationWindows} must be in 10..1000000"));
        }

        if (Description is null || Description.Length > 4096)
        {
            problems.Add("Description: must be set and at most 4096 characters");
        }

        return problems;

        static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    }
}
