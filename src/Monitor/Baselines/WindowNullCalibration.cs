using System.Globalization;
using System.Collections.ObjectModel;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Baselines;

/// <summary>
/// The null distribution of the window tests as calibrated on clean windows of the training data:
/// per tested channel and per tap a design effect (variance inflation) that the window tests divide
/// their window size (KS) or statistic (chi-square, tap mean shift) by.
/// </summary>
/// <remarks>
/// <para>A window of consecutive rows is less informative than as many independent rows when the data
/// comes in correlated stretches (autocorrelation, missions, sessions, layouts). The builder cuts the
/// training rows, in the order they were added, into consecutive windows of the window size, tests each
/// against the training reference less the rows within max(4 windows, one
/// <see cref="BaselineOptions.CalibrationBlockLength"/>) of it, and finds for each test the
/// smallest design effect D ≥ 1 at which the clean windows' p-values are not below uniform at the
/// 10%, 25% and 50% quantiles and in the tail: the smallest of the W clean windows' p-values is at least
/// <see cref="TailLevel"/>/W.
/// Matching the bulk alone let rare, very different stretches (a robot stuck for a whole window, a
/// mission unlike the others) through: those set the tail, and the design effect now covers them. A KS test then uses the asymptotic p-value at window size n/D; a
/// chi-square or mean-shift statistic is divided by D (the first-order Rao–Scott correction).</para>
/// <para>A window alarms on all its tests together (the smallest Holm-adjusted p-value, as
/// <see cref="Decisions.DriftDecision"/> decides), and whole missions move many channels at once, so matching each test
/// alone can leave the decision's clean tail heavier than the window alpha. With enough training windows (the top 3% at
/// least 20 windows) every design effect is then multiplied by the smallest common factor at which the training windows'
/// decision scores, with an exponential tail fitted to their top 3%, reach the alarm level −log10 alpha with probability
/// at most alpha.</para>
/// <para>With fewer than <see cref="BaselineOptions.MinNullCalibrationWindows"/> training windows the
/// null is not calibrated: every design effect is 1 and the window tests behave as before (exact KS
/// p-values; AR(1) effective window size for autocorrelated channels). Immutable and thread-safe.</para>
/// </remarks>
public sealed class WindowNullCalibration
{
    /// <summary>Method name of a calibrated null.</summary>
    public const string QuantileMatchedMethod = "quantile-matched design effect";

    /// <summary>Method name of an uncalibrated null (too few training windows).</summary>
    public const string UncalibratedMethod = "uncalibrated: independent rows, AR(1) effective size for autocorrelated channels";

    /// <summary>The tail condition: the smallest of W clean windows' calibrated p-values is at least this / W.</summary>
    public const double TailLevel = 0.1;

    /// <summary>Upper-tail fractions of clean windows at which the p-values are matched to uniform.</summary>
    public static IReadOnlyList<double> MatchedQuantiles { get; } = Array.AsReadOnly(new[] { 0.1, 0.25, 0.5 });

    internal WindowNullCalibration(int windowCount, bool isCalibrated, IReadOnlyList<double> channelDesignEffects, IReadOnlyList<double> tapDesignEffects, int rejectedTrainingWindows = 0)
    {
        WindowCount = windowCount;
        RejectedTrainingWindows = rejectedTrainingWindows;
        IsCalibrated = isCalibrated;
        ChannelDesignEffects = new ReadOnlyCollection<double>([.. channelDesignEffects]);
        TapDesignEffects = new ReadOnlyCollection<double>([.. tapDesignEffects]);
    }

    /// <summary>Clean training windows the design effects were estimated on.</summary>
    public int WindowCount { get; }

    /// <summary>
    /// Clean training windows on which the window decision (Holm over all calibrated tests, as live) would still alarm at the baseline's window alpha:
    /// about <c>WindowCount × WindowAlpha</c> when the calibrated null fits; more means the clean data has a heavier
    /// tail (rare, very different stretches) than the design effects can absorb, and live false alarms will exceed the target.
    /// </summary>
    public int RejectedTrainingWindows { get; }

    /// <summary>Whether there were enough windows; when false every design effect is 1.</summary>
    public bool IsCalibrated { get; }

    /// <summary>How the null was obtained (<see cref="QuantileMatchedMethod"/> or <see cref="UncalibratedMethod"/>).</summary>
    public string Method => IsCalibrated ? QuantileMatchedMethod : UncalibratedMethod;

    /// <summary>Per channel (schema order), the design effect of its window test; 1 for untested channels and taps' projected channels.</summary>
    public IReadOnlyList<double> ChannelDesignEffects { get; }

    /// <summary>Per tap, the design effect of its window mean-shift test.</summary>
    public IReadOnlyList<double> TapDesignEffects { get; }

    internal static WindowNullCalibration Uncalibrated(int windowCount, int channelCount, int tapCount) =>
        new(windowCount, false, Enumerable.Repeat(1.0, channelCount).ToArray(), Enumerable.Repeat(1.0, tapCount).ToArray());

    internal void WriteTo(BinaryBufferWriter writer)
    {
        writer.WriteInt32(WindowCount);
        writer.WriteByte(IsCalibrated ? (byte)1 : (byte)0);
        writer.WriteInt32(RejectedTrainingWindows);
        writer.WriteDoubleArray([.. ChannelDesignEffects]);
        writer.WriteDoubleArray([.. TapDesignEffects]);
    }

    internal static WindowNullCalibration ReadFrom(ref BinaryBufferReader reader, int channelCount, int tapCount, int windowSize)
    {
        var at = reader.Position;
        var windows = reader.ReadInt32("window-null window count");
        if (windows < 0)
        {
            throw reader.Fail(at, $"window-null window count {windows} is negative");
        }

        at = reader.Position;
        var flag = reader.ReadByte("window-null calibrated flag");
        if (flag > 1)
        {
            throw reader.Fail(at, $"window-null calibrated flag {flag} is neither 0 nor 1");
        }

        at = reader.Position;
        var rejected = reader.ReadInt32("window-null rejected training windows");
        if (rejected < 0 || rejected > windows)
        {
            throw reader.Fail(at, $"window-null rejected training windows {rejected} is outside 0..{windows}");
        }

        // A KS window's effective size is at least one row (effect at most the window size); a divided statistic's effect
        // (chi-square channels, tap mean shifts) may exceed it, up to WindowNullCalibrator.MaxDividedStatisticEffect.
        var limit = Math.Max(windowSize, WindowNullCalibrator.MaxDividedStatisticEffect);
        var channels = ReadEffects(ref reader, "window-null channel design effects", channelCount, limit, flag == 1);
        var taps = ReadEffects(ref reader, "window-null tap design effects", tapCount, limit, flag == 1);
        return new WindowNullCalibration(windows, flag == 1, channels, taps, rejected);

        static double[] ReadEffects(ref BinaryBufferReader reader, string field, int expected, double limit, bool calibrated)
        {
            var at = reader.Position;
            var values = reader.ReadDoubleArray(field, Math.Max(expected, 1));
            if (values.Length != expected)
            {
                throw reader.Fail(at, $"{field}: expected {expected} values, found {values.Length}");
            }

            foreach (var v in values)
            {
                if (!double.IsFinite(v) || v < 1 || v > limit || (!calibrated && v != 1))
                {
                    throw reader.Fail(at, string.Create(CultureInfo.InvariantCulture, $"{field}: {v} is outside 1..{limit}") + (calibrated ? string.Empty : " or not 1 in an uncalibrated null"));
                }
            }

            return values;
        }
    }
}
