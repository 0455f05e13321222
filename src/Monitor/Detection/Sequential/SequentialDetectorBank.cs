using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeSentinel.Monitor.Detection.Sequential;

/// <summary>
/// One sequential detector of a single kind per score stream, sharing one calibrated threshold (or, when the calibration
/// weights its streams, that threshold times each stream's weight); the per-inference path (<see cref="Update"/>) allocates nothing.
/// </summary>
/// <remarks>
/// <para>The detectors' states are kept in flat arrays (one pass per step, no per-stream objects);
/// each step uses the same recursion as <see cref="TwoSidedCusum"/>, <see cref="PageHinkley"/> and
/// <see cref="ShiryaevRoberts"/>. <see cref="Statistics"/> holds each stream's statistic on the
/// statistic scale (h for CUSUM, λ for Page–Hinkley, ln(1 + R) for Shiryaev–Roberts), compared with
/// <see cref="StatisticThreshold"/>.</para>
/// <para>Scores are clipped to ±<see cref="ScoreClip"/> first (a winsorized, robust CUSUM): with
/// heavy-tailed scores a single extreme sample otherwise decides most false alarms, and the rate of
/// such samples cannot be estimated from a held-out set of realistic size, so neither can the ARL.</para>
/// <para>An alarm does not reset anything: the caller decides (e.g. <see cref="Reset(int)"/> the
/// alarming stream after raising an alert). Not thread-safe. Scores must be finite.</para>
/// </remarks>
internal sealed class SequentialDetectorBank
{
    private readonly double[] _upper;
    private readonly double[] _lower;
    private readonly double[] _count;
    private readonly double[] _mean;
    private readonly double[] _statistics;
    private readonly double _halfShiftSquared;
    private readonly double[]? _streamThresholds; // null: every stream uses StatisticThreshold

    /// <summary>Creates a bank with a threshold in the kind's natural units (h, λ, or A on R).</summary>
    /// <param name="kind">Detector kind of every stream.</param>
    /// <param name="streamCount">Number of score streams.</param>
    /// <param name="shiftParameter">CUSUM allowance k, Page–Hinkley tolerance δ, or Shiryaev–Roberts shift δ.</param>
    /// <param name="threshold">Common threshold: h, λ, or A on R.</param>
    /// <param name="scoreClip">Scores are clipped to ±this before the update (+∞: no clipping).</param>
    public SequentialDetectorBank(SequentialDetectorKind kind, int streamCount, double shiftParameter, double threshold, double scoreClip = double.PositiveInfinity)
        : this(kind, streamCount, shiftParameter, ToStatisticThreshold(kind, threshold, nameof(threshold)), scoreClip, onStatisticScale: true)
    {
        Threshold = threshold;
    }

    /// <summary>Creates the bank a calibration describes, with its per-stream threshold weights.</summary>
    public SequentialDetectorBank(SequentialCalibration calibration)
        : this(ValidateNotNull(calibration).Kind, calibration.StreamCount, calibration.ShiftParameter, calibration.Threshold, calibration.ScoreClip)
    {
        if (calibration.IsWeighted)
        {
            _streamThresholds = new double[calibration.StreamCount];
            for (var i = 0; i < _streamThresholds.Length; i++)
            {
                _streamThresholds[i] = StatisticThreshold * calibration.StreamWeights[i];
            }
        }
    }

    /// <summary>Calibration use: a bank with a threshold on the statistic scale (may be +∞: never alarms).</summary>
    private SequentialDetectorBank(SequentialDetectorKind kind, int streamCount, double shiftParameter, double statisticThreshold, double scoreClip, bool onStatisticScale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(streamCount, 1);
        SequentialParameters.ValidateShift(shiftParameter, nameof(shiftParameter), positive: kind == SequentialDetectorKind.ShiryaevRoberts);
        SequentialParameters.ValidateClip(scoreClip, nameof(scoreClip));
        System.Diagnostics.Debug.Assert(onStatisticScale, "the private constructor takes the threshold on the statistic scale");
        Kind = kind;
        ScoreClip = scoreClip;
        ShiftParameter = shiftParameter;
        StatisticThreshold = statisticThreshold;
        Threshold = kind == SequentialDetectorKind.ShiryaevRoberts
            ? ShiryaevRoberts.ThresholdFromStatistic(statisticThreshold)
            : statisticThreshold;
        _halfShiftSquared = 0.5 * shiftParameter * shiftParameter;
        _upper = new double[streamCount];
        _lower = new double[streamCount];
        _statistics = new double[streamCount];
        var phState = kind == SequentialDetectorKind.PageHinkley ? streamCount : 0;
        _count = new double[phState];
        _mean = new double[phState];
    }

    /// <summary>The detector kind of every stream.</summary>
    public SequentialDetectorKind Kind { get; }

    /// <summary>CUSUM allowance k, Page–Hinkley tolerance δ, or Shiryaev–Roberts shift δ (σ units).</summary>
    public double ShiftParameter { get; }

    /// <summary>The common threshold in the kind's natural units: h, λ, or A on R.</summary>
    public double Threshold { get; }

    /// <summary>Scores are clipped to ±<see cref="ScoreClip"/> before each update (+∞: not clipped).</summary>
    public double ScoreClip { get; }

    /// <summary>The common threshold on the statistic scale of <see cref="Statistics"/>.</summary>
    public double StatisticThreshold { get; }

    /// <summary>Number of score streams.</summary>
    public int StreamCount => _statistics.Length;

    /// <summary>
    /// Stream <paramref name="stream"/>'s threshold on the statistic scale: <see cref="StatisticThreshold"/> times its weight
    /// (<see cref="SequentialCalibration.StreamWeights"/>; 1 unless the calibration gave streams their own thresholds).
    /// </summary>
    public double StreamStatisticThreshold(int stream) => _streamThresholds is null ? StatisticThreshold : _streamThresholds[stream];

    /// <summary>Each stream's current statistic (see remarks for its scale).</summary>
    public ReadOnlySpan<double> Statistics => _statistics;

    /// <summary>
    /// Adds one finite standardized score per stream; returns the lowest index of a stream at or
    /// above the threshold after this step, or −1.
    /// </summary>
    public int Update(ReadOnlySpan<double> zScores)
    {
        var max = UpdateMax(zScores);
        if (_streamThresholds is null)
        {
            return max >= StatisticThreshold ? FirstAlarm() : -1;
        }

        var stats = _statistics;
        var thresholds = _streamThresholds;
        for (var i = 0; i < stats.Length; i++)
        {
            if (stats[i] >= thresholds[i])
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Adds one score per stream and returns the largest statistic (calibration path).</summary>
    internal double UpdateMax(ReadOnlySpan<double> zScores)
    {
        if (zScores.Length != _statistics.Length)
        {
            ThrowLengthMismatch(zScores.Length);
        }

        return Kind switch
        {
            SequentialDetectorKind.Cusum => StepCusum(zScores),
            SequentialDetectorKind.PageHinkley => StepPageHinkley(zScores),
            _ => StepShiryaevRoberts(zScores),
        };
    }

    /// <summary>Restarts every stream.</summary>
    public void Reset()
    {
        Array.Clear(_upper);
        Array.Clear(_lower);
        Array.Clear(_count);
        Array.Clear(_mean);
        Array.Clear(_statistics);
    }

    /// <summary>Restarts one stream (e.g. after its alarm was raised).</summary>
    public void Reset(int stream)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stream);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stream, _statistics.Length);
        _upper[stream] = 0;
        _lower[stream] = 0;
        _statistics[stream] = 0;
        if (_count.Length != 0)
        {
            _count[stream] = 0;
            _mean[stream] = 0;
        }
    }

    /// <summary>A bank that never alarms, for simulating run lengths at every threshold at once.</summary>
    internal static SequentialDetectorBank ForCalibration(SequentialDetectorKind kind, int streamCount, double shiftParameter, double scoreClip) =>
        new(kind, streamCount, shiftParameter, double.PositiveInfinity, scoreClip, onStatisticScale: true);

    /// <summary>Maps a natural-unit threshold to the statistic scale, validating it.</summary>
    internal static double ToStatisticThreshold(SequentialDetectorKind kind, double threshold, string name)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown detector kind");
        }

        SequentialParameters.ValidateThreshold(threshold, name);
        return kind == SequentialDetectorKind.ShiryaevRoberts ? ShiryaevRoberts.StatisticFromThreshold(threshold) : threshold;
    }

    // The steps below run Vector<double>.Count streams at a time (the state is laid out as one array
    // per variable for that), then finish the remainder with the detectors' scalar recursions. Scores
    // are finite (asserted by the scalar steps), so the *Native min/max need no NaN fix-ups.
    private double StepCusum(ReadOnlySpan<double> z)
    {
        var n = _statistics.Length;
        var upper = _upper.AsSpan(0, n);
        var lower = _lower.AsSpan(0, n);
        var stats = _statistics.AsSpan(0, n);
        z = z[..n];
        var k = ShiftParameter;
        var clip = ScoreClip;
        var i = 0;
        var max = 0.0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            ref var zRef = ref MemoryMarshal.GetReference(z);
            ref var upperRef = ref MemoryMarshal.GetReference(upper);
            ref var lowerRef = ref MemoryMarshal.GetReference(lower);
            ref var statsRef = ref MemoryMarshal.GetReference(stats);
            var kv = new Vector<double>(k);
            var high = new Vector<double>(clip);
            var low = -high;
            var maxv = Vector<double>.Zero;
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                var offset = (nuint)i;
                var zi = Vector.MinNative(Vector.MaxNative(Vector.LoadUnsafe(ref zRef, offset), low), high);
                var u = Vector.MaxNative(Vector<double>.Zero, Vector.LoadUnsafe(ref upperRef, offset) + zi - kv);
                var l = Vector.MaxNative(Vector<double>.Zero, Vector.LoadUnsafe(ref lowerRef, offset) - zi - kv);
                var statistic = Vector.MaxNative(u, l);
                u.StoreUnsafe(ref upperRef, offset);
                l.StoreUnsafe(ref lowerRef, offset);
                statistic.StoreUnsafe(ref statsRef, offset);
                maxv = Vector.MaxNative(maxv, statistic);
            }

            max = HorizontalMax(maxv);
        }

        for (; i < stats.Length; i++)
        {
            var s = TwoSidedCusum.Step(ref upper[i], ref lower[i], Math.Min(Math.Max(z[i], -clip), clip), k);
            stats[i] = s;
            max = Math.Max(max, s);
        }

        return max;
    }

    private double StepPageHinkley(ReadOnlySpan<double> z)
    {
        var n = _statistics.Length;
        var upper = _upper.AsSpan(0, n);
        var lower = _lower.AsSpan(0, n);
        var count = _count.AsSpan(0, n);
        var mean = _mean.AsSpan(0, n);
        var stats = _statistics.AsSpan(0, n);
        z = z[..n];
        var delta = ShiftParameter;
        var clip = ScoreClip;
        var i = 0;
        var max = 0.0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            ref var zRef = ref MemoryMarshal.GetReference(z);
            ref var upperRef = ref MemoryMarshal.GetReference(upper);
            ref var lowerRef = ref MemoryMarshal.GetReference(lower);
            ref var countRef = ref MemoryMarshal.GetReference(count);
            ref var meanRef = ref MemoryMarshal.GetReference(mean);
            ref var statsRef = ref MemoryMarshal.GetReference(stats);
            var dv = new Vector<double>(delta);
            var high = new Vector<double>(clip);
            var low = -high;
            var maxv = Vector<double>.Zero;
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                var offset = (nuint)i;
                var zi = Vector.MinNative(Vector.MaxNative(Vector.LoadUnsafe(ref zRef, offset), low), high);
                var c = Vector.LoadUnsafe(ref countRef, offset) + Vector<double>.One;
                var m = Vector.LoadUnsafe(ref meanRef, offset);
                m += (zi - m) / c;
                var deviation = zi - m;
                var u = Vector.MaxNative(Vector<double>.Zero, Vector.LoadUnsafe(ref upperRef, offset) + deviation - dv);
                var l = Vector.MaxNative(Vector<double>.Zero, Vector.LoadUnsafe(ref lowerRef, offset) - deviation - dv);
                var statistic = Vector.MaxNative(u, l);
                c.StoreUnsafe(ref countRef, offset);
                m.StoreUnsafe(ref meanRef, offset);
                u.StoreUnsafe(ref upperRef, offset);
                l.StoreUnsafe(ref lowerRef, offset);
                statistic.StoreUnsafe(ref statsRef, offset);
                maxv = Vector.MaxNative(maxv, statistic);
            }

            max = HorizontalMax(maxv);
        }

        for (; i < stats.Length; i++)
        {
            var s = PageHinkley.Step(ref count[i], ref mean[i], ref upper[i], ref lower[i], Math.Min(Math.Max(z[i], -clip), clip), delta);
            stats[i] = s;
            max = Math.Max(max, s);
        }

        return max;
    }

    private double StepShiryaevRoberts(ReadOnlySpan<double> z)
    {
        var n = _statistics.Length;
        var upper = _upper.AsSpan(0, n);
        var lower = _lower.AsSpan(0, n);
        var stats = _statistics.AsSpan(0, n);
        z = z[..n];
        var delta = ShiftParameter;
        var half = _halfShiftSquared;
        var clip = ScoreClip;
        var i = 0;
        var max = 0.0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            ref var zRef = ref MemoryMarshal.GetReference(z);
            ref var upperRef = ref MemoryMarshal.GetReference(upper);
            ref var lowerRef = ref MemoryMarshal.GetReference(lower);
            ref var statsRef = ref MemoryMarshal.GetReference(stats);
            var dv = new Vector<double>(delta);
            var hv = new Vector<double>(half);
            var high = new Vector<double>(clip);
            var low = -high;
            var maxv = Vector<double>.Zero;
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                var offset = (nuint)i;
                var drift = dv * Vector.MinNative(Vector.MaxNative(Vector.LoadUnsafe(ref zRef, offset), low), high);
                var u = Softplus(Vector.LoadUnsafe(ref upperRef, offset) + drift - hv);
                var l = Softplus(Vector.LoadUnsafe(ref lowerRef, offset) - drift - hv);
                var statistic = Vector.MaxNative(u, l);
                u.StoreUnsafe(ref upperRef, offset);
                l.StoreUnsafe(ref lowerRef, offset);
                statistic.StoreUnsafe(ref statsRef, offset);
                maxv = Vector.MaxNative(maxv, statistic);
            }

            max = HorizontalMax(maxv);
        }

        for (; i < stats.Length; i++)
        {
            var s = ShiryaevRoberts.Step(ref upper[i], ref lower[i], Math.Min(Math.Max(z[i], -clip), clip), delta, half);
            stats[i] = s;
            max = Math.Max(max, s);
        }

        return max;
    }

    /// <summary>ln(1 + eʳ) lane by lane, as <see cref="ShiryaevRoberts"/> computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> Softplus(Vector<double> r) =>
        Vector.MaxNative(r, Vector<double>.Zero) + Vector.Log(Vector<double>.One + Vector.Exp(-Vector.Abs(r)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double HorizontalMax(Vector<double> values)
    {
        var max = values[0];
        for (var j = 1; j < Vector<double>.Count; j++)
        {
            max = Math.Max(max, values[j]);
        }

        return max;
    }

    private int FirstAlarm()
    {
        var stats = _statistics;
        for (var i = 0; i < stats.Length; i++)
        {
            if (stats[i] >= StatisticThreshold)
            {
                return i;
            }
        }

        return -1;
    }

    private static SequentialCalibration ValidateNotNull(SequentialCalibration calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        return calibration;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowLengthMismatch(int length) =>
        throw new ArgumentException($"expected {_statistics.Length} scores (one per stream), got {length} (argument zScores)");
}
