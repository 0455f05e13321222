using System.Collections.ObjectModel;
using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Detection.Sequential;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Baselines;

/// <summary>Detector thresholds calibrated on held-out baseline data, each with the false-alarm rate it was calibrated for.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class BaselineCalibration
{
    internal BaselineCalibration(
        SequentialCalibration sequential,
        double activationAnomalyRate,
        IReadOnlyList<double> activationAnomalyThresholds,
        string activationThresholdMethod,
        int windowSize,
        double windowAlpha,
        MultipleTestingMethod multipleTesting,
        IReadOnlyList<int> untestedChannels,
        IReadOnlyList<int> nonStationaryChannels,
        WindowNullCalibration? windowNull = null,
        int activationEpisodeGap = 0,
        IReadOnlyList<double>? activationExtremalIndices = null,
        SupportLimits? support = null)
    {
        if (activationExtremalIndices is not null && activationExtremalIndices.Count != activationAnomalyThresholds.Count)
        {
            throw new ArgumentException($"{activationExtremalIndices.Count} extremal indices for {activationAnomalyThresholds.Count} taps", nameof(activationExtremalIndices));
        }

        ActivationEpisodeGap = activationEpisodeGap;
        ActivationExtremalIndices = new ReadOnlyCollection<double>(activationExtremalIndices is null ? [.. activationAnomalyThresholds.Select(_ => 1.0)] : [.. activationExtremalIndices]);
        UntestedChannels = new ReadOnlyCollection<int>([.. untestedChannels]);
        NonStationaryChannels = new ReadOnlyCollection<int>([.. nonStationaryChannels]);
        Sequential = sequential;
        ActivationAnomalyRate = activationAnomalyRate;
        ActivationAnomalyThresholds = new ReadOnlyCollection<double>([.. activationAnomalyThresholds]);
        ActivationThresholdMethod = activationThresholdMethod;
        WindowSize = windowSize;
        WindowAlpha = windowAlpha;
        MultipleTesting = multipleTesting;
        WindowNull = windowNull ?? WindowNullCalibration.Uncalibrated(0, 0, activationAnomalyThresholds.Count);
        Support = support;
    }

    /// <summary>The sequential detector bank's threshold, calibrated for a target average run length.</summary>
    public SequentialCalibration Sequential { get; }

    /// <summary>Per-sample, per-tap false-alarm rate of activation-anomaly alarms (episode onsets).</summary>
    public double ActivationAnomalyRate { get; }

    /// <summary>Per tap, the squared Mahalanobis distance above which one inference exceeds (an activation anomaly row).</summary>
    public IReadOnlyList<double> ActivationAnomalyThresholds { get; }

    /// <summary>
    /// Run length R of an activation episode: an alarm is raised at the first exceedance after at least R
    /// samples without one on that tap (0: every exceedance alarms, as baselines of format version 2).
    /// </summary>
    public int ActivationEpisodeGap { get; }

    /// <summary>Per tap, the extremal index θ (episodes per exceedance) measured on the held-out rows; the thresholds are set at rate/θ per row.</summary>
    public IReadOnlyList<double> ActivationExtremalIndices { get; }

    /// <summary>How the activation thresholds were found (<c>empirical-quantile</c> or <c>exponential-tail</c>).</summary>
    public string ActivationThresholdMethod { get; }

    /// <summary>Observations per live window for the window tests.</summary>
    public int WindowSize { get; }

    /// <summary>Family-wise (Holm) or false-discovery (BH) level of the window tests, per window.</summary>
    public double WindowAlpha { get; }

    /// <summary>Multiple-testing control across channels.</summary>
    public MultipleTestingMethod MultipleTesting { get; }

    /// <summary>Channel indices summarized but never tested for drift (declared clocks and cues).</summary>
    public IReadOnlyList<int> UntestedChannels { get; }

    /// <summary>Channel indices left out of the sequential detectors because their held-out data had moved from training.</summary>
    public IReadOnlyList<int> NonStationaryChannels { get; }

    /// <summary>The window tests' null calibrated on clean training windows: per channel and per tap design effects.</summary>
    public WindowNullCalibration WindowNull { get; }

    /// <summary>
    /// Per channel, the limits beyond which one reading alarms (the sequential layer's Shewhart limits); null on
    /// baselines of format 2 and 3. Channels outside the sequential bank's inputs are unlimited.
    /// </summary>
    public SupportLimits? Support { get; }

    internal void WriteTo(BinaryBufferWriter writer)
    {
        Sequential.WriteTo(writer);
        writer.WriteDouble(ActivationAnomalyRate);
        writer.WriteDoubleArray([.. ActivationAnomalyThresholds]);
        writer.WriteString(ActivationThresholdMethod);
        writer.WriteInt32(ActivationEpisodeGap);
        writer.WriteDoubleArray([.. ActivationExtremalIndices]);
        writer.WriteInt32(WindowSize);
        writer.WriteDouble(WindowAlpha);
        writer.WriteByte((byte)MultipleTesting);
        WriteIndices(writer, UntestedChannels);
        WriteIndices(writer, NonStationaryChannels);
        WindowNull.WriteTo(writer);
        writer.WriteBoolean(Support is not null);
        Support?.WriteTo(writer);

        static void WriteIndices(BinaryBufferWriter writer, IReadOnlyList<int> indices)
        {
            writer.WriteInt32(indices.Count);
            foreach (var i in indices)
            {
                writer.WriteInt32(i);
            }
        }
    }

    /// <remarks>Format version 2 has no episode fields: its alarms are every exceedance (gap 0, θ 1). Versions 2 and 3 have no support limits.</remarks>
    internal static BaselineCalibration ReadFrom(ref BinaryBufferReader reader, int tapCount, int channelCount, int formatVersion)
    {
        var sequential = SequentialCalibration.ReadFrom(ref reader);
        var at = reader.Position;
        var rate = reader.ReadFiniteDouble("activation anomaly rate");
        if (rate <= 0 || rate >= 1)
        {
            throw reader.Fail(at, $"activation anomaly rate {rate} is outside (0, 1)");
        }

        at = reader.Position;
        var thresholds = reader.ReadDoubleArray("activation anomaly thresholds", Fingerprints.FingerprintSchema.MaxTaps);
        if (thresholds.Length != tapCount || thresholds.Any(t => !double.IsFinite(t) || t <= 0))
        {
            throw reader.Fail(at, $"expected {tapCount} finite positive activation thresholds, found [{string.Join(", ", thresholds)}]");
        }

        var method = reader.ReadString("activation threshold method", 64);
        var gap = 0;
        double[]? thetas = null;
        if (formatVersion >= 3)
        {
            at = reader.Position;
            gap = reader.ReadInt32("activation episode gap");
            if (gap < 0 || gap > BaselineOptions.MaxActivationEpisodeGap)
            {
                throw reader.Fail(at, $"activation episode gap {gap} is outside 0..{BaselineOptions.MaxActivationEpisodeGap}");
            }

            at = reader.Position;
            thetas = reader.ReadDoubleArray("activation extremal indices", Fingerprints.FingerprintSchema.MaxTaps);
            if (thetas.Length != tapCount || thetas.Any(t => !(t > 0 && t <= 1)))
            {
                throw reader.Fail(at, $"expected {tapCount} activation extremal indices in (0, 1], found [{string.Join(", ", thetas)}]");
            }
        }

        at = reader.Position;
        var windowSize = reader.ReadInt32("window size");
        if (windowSize < BaselineOptions.MinWindowSize || windowSize > BaselineOptions.MaxWindowSize)
        {
            throw reader.Fail(at, $"window size {windowSize} is outside {BaselineOptions.MinWindowSize}..{BaselineOptions.MaxWindowSize}");
        }

        at = reader.Position;
        var alpha = reader.ReadFiniteDouble("window alpha");
        if (alpha <= 0 || alpha >= 1)
        {
            throw reader.Fail(at, $"window alpha {alpha} is outside (0, 1)");
        }

        at = reader.Position;
        var testing = reader.ReadByte("multiple-testing method");
        if (!Enum.IsDefined((MultipleTestingMethod)testing))
        {
            throw reader.Fail(at, $"unknown multiple-testing method {testing}");
        }

        var untested = ReadIndices(ref reader, "untested channels", channelCount);
        var nonStationary = ReadIndices(ref reader, "non-stationary channels", channelCount);
        var windowNull = WindowNullCalibration.ReadFrom(ref reader, channelCount, tapCount, windowSize);
        var support = formatVersion >= 4 && reader.ReadBoolean("support limits present") ? SupportLimits.ReadFrom(ref reader, channelCount) : null;
        return new BaselineCalibration(sequential, rate, thresholds, method, windowSize, alpha, (MultipleTestingMethod)testing, untested, nonStationary, windowNull, gap, thetas, support);

        static int[] ReadIndices(ref BinaryBufferReader reader, string field, int channelCount)
        {
            var indices = new int[reader.ReadCount(field + " count", channelCount)];
            for (var i = 0; i < indices.Length; i++)
            {
                var at = reader.Position;
                indices[i] = reader.ReadInt32(field);
                if (indices[i] < 0 || indices[i] >= channelCount || (i > 0 && indices[i] <= indices[i - 1]))
                {
                    throw reader.Fail(at, $"{field}: index {indices[i]} is outside 0..{channelCount - 1} or not increasing");
                }
            }

            return indices;
        }
    }
}
