using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Detection.Sequential;

/// <summary>
/// A sequential detector bank's calibrated threshold and how it was obtained: the average run
/// length (ARL) requested under no drift, the ARL estimated at the threshold, and the method.
/// </summary>
/// <remarks>
/// Immutable and thread-safe. When <see cref="Method"/> is <see cref="ExtrapolatedMethod"/>, the
/// fit is ln ARL ≈ <see cref="FitIntercept"/> + <see cref="FitSlope"/> · s, with s the threshold on
/// the statistic scale (<see cref="StatisticThreshold"/>: h, λ, or ln(1 + A)), fitted on thresholds
/// whose simulated ARLs span <see cref="FitMinArl"/>..<see cref="FitMaxArl"/>.
/// </remarks>
public sealed record SequentialCalibration
{
    /// <summary>Method name: the ARL was simulated at the chosen threshold.</summary>
    public const string DirectMethod = "bootstrap-direct";

    /// <summary>Method name: the threshold comes from a log-linear fit of simulated ARLs at lower thresholds.</summary>
    public const string ExtrapolatedMethod = "bootstrap-extrapolated";

    private const byte FormatVersion = 2; // 2 added the per-stream threshold weights; 1 still reads (unweighted)
    private const int MaxStreams = 1 << 20;

    internal SequentialCalibration(
        SequentialDetectorKind kind,
        double shiftParameter,
        double threshold,
        double targetArl,
        double estimatedArl,
        double estimatedArlStandardError,
        string method,
        double fitSlope,
        double fitIntercept,
        double fitMinArl,
        double fitMaxArl,
        int fitPointCount,
        double scoreClip,
        int simulatedRuns,
        long simulatedScores,
        int streamCount,
        int heldOutRows,
        int blockLength,
        ulong seed,
        double[]? streamWeights = null)
    {
        Kind = kind;
        ShiftParameter = shiftParameter;
        Threshold = threshold;
        TargetArl = targetArl;
        EstimatedArl = estimatedArl;
        EstimatedArlStandardError = estimatedArlStandardError;
        Method = method;
        FitSlope = fitSlope;
        FitIntercept = fitIntercept;
        FitMinArl = fitMinArl;
        FitMaxArl = fitMaxArl;
        FitPointCount = fitPointCount;
        ScoreClip = scoreClip;
        SimulatedRuns = simulatedRuns;
        SimulatedScores = simulatedScores;
        StreamCount = streamCount;
        HeldOutRows = heldOutRows;
        BlockLength = blockLength;
        Seed = seed;
        _streamWeights = streamWeights is null ? null : new Weights(streamWeights);
        var problem = FindProblem() ?? FindWeightProblem(streamWeights, streamCount);
        if (problem is not null)
        {
            throw new ArgumentException("invalid sequential calibration: " + problem);
        }
    }

    /// <summary>The detector kind.</summary>
    public SequentialDetectorKind Kind { get; }

    /// <summary>CUSUM allowance k, Page–Hinkley tolerance δ, or Shiryaev–Roberts shift δ (σ units).</summary>
    public double ShiftParameter { get; }

    /// <summary>The calibrated threshold in the kind's natural units: h, λ, or A on R.</summary>
    public double Threshold { get; }

    /// <summary>The threshold on the detectors' statistic scale: h, λ, or ln(1 + A).</summary>
    public double StatisticThreshold => Kind == SequentialDetectorKind.ShiryaevRoberts
        ? ShiryaevRoberts.StatisticFromThreshold(Threshold)
        : Threshold;

    /// <summary>The requested mean number of rows until the first false alarm of the bank under no drift.</summary>
    public double TargetArl { get; }

    /// <summary>The ARL estimated at <see cref="Threshold"/> during calibration.</summary>
    public double EstimatedArl { get; }

    /// <summary>Standard error of <see cref="EstimatedArl"/> (Monte Carlo; for extrapolation, from batch means of the fit).</summary>
    public double EstimatedArlStandardError { get; }

    /// <summary><see cref="DirectMethod"/> or <see cref="ExtrapolatedMethod"/>.</summary>
    public string Method { get; }

    /// <summary>Slope of ln ARL against the statistic-scale threshold (0 for the direct method).</summary>
    public double FitSlope { get; }

    /// <summary>Intercept of ln ARL against the statistic-scale threshold (0 for the direct method).</summary>
    public double FitIntercept { get; }

    /// <summary>Lowest simulated ARL in the fit (0 for the direct method).</summary>
    public double FitMinArl { get; }

    /// <summary>Highest simulated ARL in the fit (0 for the direct method).</summary>
    public double FitMaxArl { get; }

    /// <summary>Number of thresholds in the fit (0 for the direct method).</summary>
    public int FitPointCount { get; }

    /// <summary>Scores are clipped to ±this before each update (+∞: not clipped).</summary>
    public double ScoreClip { get; }

    /// <summary>Simulated runs (each until the bank's first alarm).</summary>
    public int SimulatedRuns { get; }

    /// <summary>Score updates simulated in total (rows × streams).</summary>
    public long SimulatedScores { get; }

    /// <summary>Number of score streams in the bank.</summary>
    public int StreamCount { get; }

    /// <summary>Held-out rows the bootstrap resampled.</summary>
    public int HeldOutRows { get; }

    /// <summary>Rows per bootstrap block (1: i.i.d. rows).</summary>
    public int BlockLength { get; }

    /// <summary>Seed of the bootstrap: the same inputs and seed give the same calibration.</summary>
    public ulong Seed { get; }

    private readonly Weights? _streamWeights;

    /// <summary>The weights with value equality, so that calibrations (records) with equal weights are equal.</summary>
    private sealed class Weights(double[] values) : IEquatable<Weights>
    {
        public double[] Values { get; } = values;

        public bool Equals(Weights? other) => other is not null && Values.AsSpan().SequenceEqual(other.Values);

        public override bool Equals(object? obj) => Equals(obj as Weights);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var v in Values)
            {
                hash.Add(v);
            }

            return hash.ToHashCode();
        }
    }

    /// <summary>
    /// Per stream, the factor its threshold is of <see cref="Threshold"/> on the statistic scale (all 1 unless the streams were
    /// calibrated in groups: see <see cref="SequentialStreamGroups"/>). A stream alarms when its statistic reaches
    /// <see cref="StatisticThreshold"/> × its weight.
    /// </summary>
    public IReadOnlyList<double> StreamWeights => _streamWeights?.Values ?? (IReadOnlyList<double>)Enumerable.Repeat(1.0, StreamCount).ToArray();

    /// <summary>Whether some stream's threshold differs from <see cref="Threshold"/>.</summary>
    public bool IsWeighted => _streamWeights is not null && Array.Exists(_streamWeights.Values, w => w != 1.0);

    /// <summary>
    /// This calibration with per-stream threshold weights (statistic scale), for a bank whose groups of streams were calibrated
    /// separately; <paramref name="estimatedArl"/> and its standard error are the whole bank's.
    /// </summary>
    internal SequentialCalibration WithStreamWeights(double[] weights, double targetArl, double estimatedArl, double estimatedArlStandardError) =>
        new(Kind, ShiftParameter, Threshold, targetArl, estimatedArl, estimatedArlStandardError, Method, FitSlope, FitIntercept, FitMinArl, FitMaxArl, FitPointCount,
            ScoreClip, SimulatedRuns, SimulatedScores, weights.Length, HeldOutRows, BlockLength, Seed, (double[])weights.Clone());

    private static string? FindWeightProblem(double[]? weights, int streams)
    {
        if (weights is null)
        {
            return null;
        }

        if (weights.Length != streams)
        {
            return $"{weights.Length} stream weights for {streams} streams";
        }

        var bad = Array.FindIndex(weights, w => !double.IsFinite(w) || w <= 0);
        return bad >= 0 ? $"stream {bad}'s threshold weight {weights[bad]} must be finite and positive" : null;
    }

    /// <summary>ARL predicted by the extrapolation fit at a statistic-scale threshold (NaN for the direct method).</summary>
    public double PredictedArl(double statisticThreshold) =>
        Method == ExtrapolatedMethod ? Math.Exp(FitIntercept + (FitSlope * statisticThreshold)) : double.NaN;

    /// <summary>Appends the calibration in its binary form.</summary>
    internal void WriteTo(BinaryBufferWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteByte(FormatVersion);
        writer.WriteByte((byte)Kind);
        writer.WriteDouble(ShiftParameter);
        writer.WriteDouble(Threshold);
        writer.WriteDouble(TargetArl);
        writer.WriteDouble(EstimatedArl);
        writer.WriteDouble(EstimatedArlStandardError);
        writer.WriteString(Method);
        writer.WriteDouble(FitSlope);
        writer.WriteDouble(FitIntercept);
        writer.WriteDouble(FitMinArl);
        writer.WriteDouble(FitMaxArl);
        writer.WriteInt32(FitPointCount);
        writer.WriteDouble(ScoreClip);
        writer.WriteInt32(SimulatedRuns);
        writer.WriteInt64(SimulatedScores);
        writer.WriteInt32(StreamCount);
        writer.WriteInt32(HeldOutRows);
        writer.WriteInt32(BlockLength);
        writer.WriteUInt64(Seed);
        writer.WriteByte(IsWeighted ? (byte)1 : (byte)0);
        if (IsWeighted)
        {
            writer.WriteDoubleArray(_streamWeights!.Values);
        }
    }

    /// <summary>Reads a calibration written by <see cref="WriteTo"/>, validating every field.</summary>
    internal static SequentialCalibration ReadFrom(ref BinaryBufferReader reader)
    {
        var start = reader.Position;
        var offset = reader.Position;
        var version = reader.ReadByte("version");
        if (version is < 1 or > FormatVersion)
        {
            throw reader.Fail(offset, $"unsupported sequential calibration version {version} (expected 1..{FormatVersion})");
        }

        offset = reader.Position;
        var kindByte = reader.ReadByte("kind");
        if (!Enum.IsDefined((SequentialDetectorKind)kindByte))
        {
            throw reader.Fail(offset, $"unknown detector kind {kindByte}");
        }

        var kind = (SequentialDetectorKind)kindByte;
        var shift = reader.ReadFiniteDouble("shift parameter");
        var threshold = reader.ReadFiniteDouble("threshold");
        var target = reader.ReadFiniteDouble("target ARL");
        var estimated = reader.ReadFiniteDouble("estimated ARL");
        var standardError = reader.ReadFiniteDouble("estimated ARL standard error");
        var method = reader.ReadString("method", 64);
        var slope = reader.ReadFiniteDouble("fit slope");
        var intercept = reader.ReadFiniteDouble("fit intercept");
        var fitMin = reader.ReadFiniteDouble("fit minimum ARL");
        var fitMax = reader.ReadFiniteDouble("fit maximum ARL");
        var fitPoints = reader.ReadCount("fit point count", 1000);
        var clip = reader.ReadDouble("score clip");
        var runs = reader.ReadCount("simulated runs", int.MaxValue);
        var scores = reader.ReadInt64("simulated scores");
        var streams = reader.ReadCount("stream count", MaxStreams);
        var rows = reader.ReadCount("held-out rows", int.MaxValue);
        var block = reader.ReadCount("block length", int.MaxValue);
        var seed = reader.ReadUInt64("seed");
        double[]? weights = null;
        if (version >= 2)
        {
            offset = reader.Position;
            var flag = reader.ReadByte("stream weights flag");
            if (flag > 1)
            {
                throw reader.Fail(offset, $"stream weights flag {flag} must be 0 or 1");
            }

            if (flag == 1)
            {
                offset = reader.Position;
                weights = reader.ReadDoubleArray("stream weights", MaxStreams);
                var weightProblem = FindWeightProblem(weights, streams);
                if (weightProblem is not null)
                {
                    throw reader.Fail(offset, weightProblem);
                }
            }
        }

        var candidate = new Fields(kind, shift, threshold, target, estimated, standardError, method, slope, intercept, fitMin, fitMax, fitPoints, clip, runs, scores, streams, rows, block);
        var problem = candidate.FindProblem();
        if (problem is not null)
        {
            throw reader.Fail(start, problem);
        }

        return new SequentialCalibration(kind, shift, threshold, target, estimated, standardError, method, slope, intercept, fitMin, fitMax, fitPoints, clip, runs, scores, streams, rows, block, seed, weights);
    }

    private string? FindProblem() =>
        new Fields(Kind, ShiftParameter, Threshold, TargetArl, EstimatedArl, EstimatedArlStandardError, Method, FitSlope, FitIntercept, FitMinArl, FitMaxArl, FitPointCount, ScoreClip, SimulatedRuns, SimulatedScores, StreamCount, HeldOutRows, BlockLength).FindProblem();

    /// <summary>The validated fields, checked in one place for the constructor and the reader.</summary>
    private readonly record struct Fields(
        SequentialDetectorKind Kind,
        double Shift,
        double Threshold,
        double Target,
        double Estimated,
        double StandardError,
        string? Method,
        double Slope,
        double Intercept,
        double FitMin,
        double FitMax,
        int FitPoints,
        double Clip,
        int Runs,
        long Scores,
        int Streams,
        int Rows,
        int Block)
    {
        public string? FindProblem()
        {
            if (!Enum.IsDefined(Kind))
            {
                return $"unknown detector kind {(int)Kind}";
            }

            var shiftMustBePositive = Kind == SequentialDetectorKind.ShiryaevRoberts;
            if (!double.IsFinite(Shift) || Shift < 0 || (shiftMustBePositive && Shift == 0))
            {
                return $"shift parameter {Shift} must be finite and {(shiftMustBePositive ? "positive" : "non-negative")}";
            }

            if (!double.IsFinite(Threshold) || Threshold <= 0)
            {
                return $"threshold {Threshold} must be finite and positive";
            }

            if (!double.IsFinite(Target) || Target < 1)
            {
                return $"target ARL {Target} must be finite and at least 1";
            }

            if (!double.IsFinite(Estimated) || Estimated < 1)
            {
                return $"estimated ARL {Estimated} must be finite and at least 1";
            }

            if (!double.IsFinite(StandardError) || StandardError < 0)
            {
                return $"ARL standard error {StandardError} must be finite and non-negative";
            }

            if (Method == DirectMethod)
            {
                if (Slope != 0 || Intercept != 0 || FitMin != 0 || FitMax != 0 || FitPoints != 0)
                {
                    return "the direct method carries no fit: fit fields must be 0";
                }
            }
            else if (Method == ExtrapolatedMethod)
            {
                if (!double.IsFinite(Slope) || Slope <= 0 || !double.IsFinite(Intercept))
                {
                    return $"fit slope {Slope} must be finite and positive, intercept {Intercept} finite";
                }

                if (!double.IsFinite(FitMin) || !double.IsFinite(FitMax) || FitMin < 1 || FitMax <= FitMin)
                {
                    return $"fit ARL range {FitMin}..{FitMax} must be finite with 1 <= min < max";
                }

                if (FitPoints < 3)
                {
                    return $"fit point count {FitPoints} must be at least 3";
                }
            }
            else
            {
                return $"unknown calibration method '{Method}'";
            }

            if (double.IsNaN(Clip) || Clip <= 0)
            {
                return $"score clip {Clip} must be positive (+Infinity: no clipping)";
            }

            if (Streams < 1 || Streams > MaxStreams)
            {
                return $"stream count {Streams} must be in 1..{MaxStreams}";
            }

            if (Runs < 1 || Scores < Runs)
            {
                return $"simulated runs {Runs} must be >= 1 and simulated scores {Scores} >= runs";
            }

            if (Rows < 1 || Block < 1 || Block > Rows)
            {
                return $"held-out rows {Rows} must be >= 1 and block length {Block} in 1..rows";
            }

            return null;
        }
    }
}
