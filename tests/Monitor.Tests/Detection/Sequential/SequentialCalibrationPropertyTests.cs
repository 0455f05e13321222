using EdgeSentinel.Monitor.Detection.Sequential;
using EdgeSentinel.Monitor.Serialization;
using FsCheck;
using FsCheck.Xunit;

namespace EdgeSentinel.Monitor.Tests.Detection.Sequential;

public sealed class SequentialCalibrationPropertyTests
{
    [Property(MaxTest = 300)]
    public bool ReadFrom_AnyValidCalibration_RoundTrips(
        PositiveInt streams, NormalFloat threshold, NormalFloat target, NormalFloat slope, bool extrapolated, byte kindByte, ulong seed, PositiveInt rows)
    {
        var kind = (SequentialDetectorKind)(kindByte % 3);
        var arl = 1 + Math.Abs(target.Get);
        var calibration = new SequentialCalibration(
            kind,
            0.25 + (kindByte / 100.0),
            1e-3 + Math.Abs(threshold.Get),
            arl,
            arl,
            0.05 * arl,
            extrapolated ? SequentialCalibration.ExtrapolatedMethod : SequentialCalibration.DirectMethod,
            extrapolated ? 1e-6 + Math.Abs(slope.Get) : 0,
            extrapolated ? slope.Get : 0,
            extrapolated ? 300 : 0,
            extrapolated ? 30_000 : 0,
            extrapolated ? 8 : 0,
            kindByte % 2 == 0 ? double.PositiveInfinity : 4.0,
            400,
            400L * (1 + rows.Get),
            Math.Min(streams.Get, 1 << 20),
            rows.Get,
            1 + (kindByte % Math.Min(rows.Get, 64)),
            seed);
        var writer = new BinaryBufferWriter();
        calibration.WriteTo(writer);
        var reader = new BinaryBufferReader(writer.WrittenSpan, "calibration");
        var copy = SequentialCalibration.ReadFrom(ref reader);
        return reader.Remaining == 0 && copy == calibration;
    }

    // Bank statistics are non-negative and reset streams restart at zero, for any finite scores.
    [Property(MaxTest = 200)]
    public bool Update_AnyFiniteScores_StatisticsNonNegative(NormalFloat[] values, byte kindByte)
    {
        var kind = (SequentialDetectorKind)(kindByte % 3);
        const int streams = 6;
        var bank = new SequentialDetectorBank(kind, streams, kind == SequentialDetectorKind.ShiryaevRoberts ? 1.0 : 0.5, 50.0, scoreClip: 4.0);
        var row = new double[streams];
        for (var i = 0; i + streams <= values.Length; i += streams)
        {
            for (var j = 0; j < streams; j++)
            {
                row[j] = Math.Clamp(values[i + j].Get, -1e6, 1e6);
            }

            var alarm = bank.Update(row);
            foreach (var s in bank.Statistics)
            {
                if (!(s >= 0) || !double.IsFinite(s))
                {
                    return false;
                }
            }

            if (alarm >= 0)
            {
                bank.Reset(alarm);
                if (bank.Statistics[alarm] != 0)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
