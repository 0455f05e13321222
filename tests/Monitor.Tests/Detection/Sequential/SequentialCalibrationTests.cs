using System.Buffers.Binary;
using EdgeSentinel.Monitor.Detection.Sequential;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Tests.Detection.Sequential;

public sealed class SequentialCalibrationTests
{
    // Byte layout (format 2): version(1) kind(1) shift(8) threshold(8) target(8) estimated(8) se(8)
    // method(4 + UTF-8) slope(8) intercept(8) fitMin(8) fitMax(8) fitPoints(4) clip(8) runs(4) scores(8)
    // streams(4) rows(4) block(4) seed(8) weights flag(1) [weights: count(4) + 8 each]. Format 1 ends at the seed.
    private const int ShiftOffset = 2;
    private const int ThresholdOffset = 10;
    private const int TargetOffset = 18;
    private const int MethodOffset = 42;

    private static SequentialCalibration Extrapolated() => new(
        SequentialDetectorKind.ShiryaevRoberts, 1.0, 2.5e6, 1e6, 1e6, 8e4, SequentialCalibration.ExtrapolatedMethod,
        0.98, 0.7, 320, 30_000, 8, double.PositiveInfinity, 400, 123_456_789, 25, 10_000, 1, 0xDEADBEEFCAFEUL);

    private static SequentialCalibration Direct() => new(
        SequentialDetectorKind.Cusum, 0.5, 7.1, 1e4, 1.02e4, 480, SequentialCalibration.DirectMethod,
        0, 0, 0, 0, 0, 4.0, 410, 5_000_000, 5, 20_000, 4, 42);

    private static byte[] Bytes(SequentialCalibration calibration)
    {
        var writer = new BinaryBufferWriter();
        calibration.WriteTo(writer);
        return writer.ToArray();
    }

    private static SequentialCalibration Read(byte[] bytes)
    {
        var reader = new BinaryBufferReader(bytes, "sequential calibration");
        var result = SequentialCalibration.ReadFrom(ref reader);
        reader.EnsureEnd();
        return result;
    }

    [Fact]
    public void ReadFrom_WrittenCalibrations_RoundTripExactly()
    {
        foreach (var original in new[] { Extrapolated(), Direct() })
        {
            var copy = Read(Bytes(original));
            Assert.Equal(original, copy);
            Assert.Equal(original.StatisticThreshold, copy.StatisticThreshold);
        }
    }

    [Fact]
    public void ReadFrom_WeightedCalibration_RoundTripsWithItsWeights()
    {
        var original = Direct().WithStreamWeights([1.0, 0.25, 1.0, 0.25, 0.5], 1e4, 9.5e3, 500);
        var copy = Read(Bytes(original));
        Assert.Equal(original, copy);
        Assert.True(copy.IsWeighted);
        Assert.Equal([1.0, 0.25, 1.0, 0.25, 0.5], copy.StreamWeights);
        Assert.NotEqual(Direct().WithStreamWeights([1.0, 0.25, 1.0, 0.25, 0.4], 1e4, 9.5e3, 500), copy);
    }

    [Fact]
    public void ReadFrom_FormatOne_ReadsAsUnweighted()
    {
        // Format 1 is format 2 without the weights flag: version byte 1 and the last byte dropped.
        var bytes = Bytes(Direct());
        var formatOne = bytes.AsSpan(0, bytes.Length - 1).ToArray();
        formatOne[0] = 1;
        var copy = Read(formatOne);
        Assert.False(copy.IsWeighted);
        Assert.Equal(Enumerable.Repeat(1.0, 5), copy.StreamWeights);
        Assert.Equal(Direct(), copy);
    }

    [Fact]
    public void ReadFrom_BadWeights_NameTheStreamOrTheCount()
    {
        var bytes = Bytes(Direct().WithStreamWeights([1.0, 0.25, 1.0, 0.25, 0.5], 1e4, 9.5e3, 500));
        var lastWeight = bytes.Length - 8;
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(lastWeight), -0.5);
        Assert.Contains("stream 4's threshold weight -0.5", Assert.Throws<MonitorFormatException>(() => Read(bytes)).Reason, StringComparison.Ordinal);

        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(lastWeight), double.NaN);
        Assert.Contains("stream 4's threshold weight NaN", Assert.Throws<MonitorFormatException>(() => Read(bytes)).Reason, StringComparison.Ordinal);

        // Four weights for the five streams: the count says 4 and the last weight is cut off.
        var five = Bytes(Direct().WithStreamWeights([1.0, 0.25, 1.0, 0.25, 0.5], 1e4, 9.5e3, 500));
        var fewer = five.AsSpan(0, five.Length - 8).ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(fewer.AsSpan(fewer.Length - (4 * 8) - 4), 4);
        Assert.Contains("4 stream weights for 5 streams", Assert.Throws<MonitorFormatException>(() => Read(fewer)).Reason, StringComparison.Ordinal);

        var flag = Bytes(Direct());
        flag[^1] = 2;
        Assert.Contains("stream weights flag 2", Assert.Throws<MonitorFormatException>(() => Read(flag)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFrom_CalibratorOutput_RoundTrips()
    {
        var scores = new NullScoreGenerator(41).Rows(2_000, 2, 0.5, false);
        var calibration = SequentialCalibrator.Calibrate(SequentialDetectorKind.PageHinkley, scores, 2, 300, seed: 5);
        Assert.Equal(calibration, Read(Bytes(calibration)));
    }

    [Fact]
    public void ReadFrom_EveryTruncation_ThrowsFormatException()
    {
        var bytes = Bytes(Extrapolated());
        for (var length = 0; length < bytes.Length; length++)
        {
            var truncated = bytes.AsSpan(0, length).ToArray();
            Assert.Throws<MonitorFormatException>(() => Read(truncated));
        }
    }

    public static TheoryData<string, int, double> CorruptDoubles => new()
    {
        { "shift NaN", ShiftOffset, double.NaN },
        { "negative shift", ShiftOffset, -1.0 },
        { "zero SR shift", ShiftOffset, 0.0 },
        { "zero threshold", ThresholdOffset, 0.0 },
        { "negative threshold", ThresholdOffset, -3.0 },
        { "infinite threshold", ThresholdOffset, double.PositiveInfinity },
        { "target below 1", TargetOffset, 0.5 },
        { "target NaN", TargetOffset, double.NaN },
    };

    [Theory]
    [MemberData(nameof(CorruptDoubles))]
    public void ReadFrom_InvalidField_ThrowsFormatException(string what, int offset, double value)
    {
        var bytes = Bytes(Extrapolated());
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(offset, 8), value);
        var error = Assert.Throws<MonitorFormatException>(() => Read(bytes));
        Assert.False(string.IsNullOrEmpty(error.Reason), what);
    }

    [Fact]
    public void ReadFrom_UnknownVersionKindOrMethod_ThrowsFormatException()
    {
        var bytes = Bytes(Direct());
        bytes[0] = 3;
        Assert.Contains("version", Assert.Throws<MonitorFormatException>(() => Read(bytes)).Reason, StringComparison.Ordinal);

        bytes = Bytes(Direct());
        bytes[1] = 3;
        Assert.Contains("kind", Assert.Throws<MonitorFormatException>(() => Read(bytes)).Reason, StringComparison.Ordinal);

        bytes = Bytes(Direct());
        bytes[MethodOffset + 4] = (byte)'B';  // "Bootstrap-direct"
        Assert.Contains("method", Assert.Throws<MonitorFormatException>(() => Read(bytes)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFrom_InconsistentCounts_ThrowsFormatException()
    {
        var original = Bytes(Direct());
        var tail = original.Length - 1; // the weights flag (0: unweighted) follows the seed
        var seedOffset = tail - 8;
        var blockOffset = seedOffset - 4;
        var rowsOffset = blockOffset - 4;
        var streamsOffset = rowsOffset - 4;

        var bytes = (byte[])original.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(streamsOffset), 0);
        Assert.Throws<MonitorFormatException>(() => Read(bytes));

        bytes = (byte[])original.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(blockOffset), 20_001);  // block longer than the held-out rows
        Assert.Throws<MonitorFormatException>(() => Read(bytes));

        bytes = (byte[])original.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(rowsOffset), -5);
        Assert.Throws<MonitorFormatException>(() => Read(bytes));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(0.0)]
    [InlineData(-4.0)]
    [InlineData(double.NegativeInfinity)]
    public void ReadFrom_InvalidScoreClip_ThrowsFormatException(double clip)
    {
        var bytes = Bytes(Direct());
        var clipOffset = bytes.Length - 1 - 8 - 4 - 4 - 4 - 8 - 4 - 8; // before: weights flag, seed, block, rows, streams, scores, runs
        Assert.Equal(4.0, BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(clipOffset)));
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(clipOffset), clip);
        Assert.Contains("clip", Assert.Throws<MonitorFormatException>(() => Read(bytes)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFrom_DirectMethodWithFit_ThrowsFormatException()
    {
        var bytes = Bytes(Direct());
        var slopeOffset = MethodOffset + 4 + SequentialCalibration.DirectMethod.Length;
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(slopeOffset), 1.0);
        Assert.Throws<MonitorFormatException>(() => Read(bytes));
    }

    [Fact]
    public void ReadFrom_RandomByteCorruption_ThrowsOnlyFormatExceptionOrReadsValidValue()
    {
        var original = Bytes(Extrapolated());
        var random = new Random(43);
        for (var trial = 0; trial < 5_000; trial++)
        {
            var bytes = (byte[])original.Clone();
            var flips = 1 + random.Next(3);
            for (var f = 0; f < flips; f++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            try
            {
                var value = Read(bytes);
                Assert.True(double.IsFinite(value.Threshold) && value.Threshold > 0);
                Assert.True(value.TargetArl >= 1 && value.EstimatedArl >= 1);
                Assert.True(Enum.IsDefined(value.Kind));
            }
            catch (MonitorFormatException)
            {
                // refused with a reason: fine
            }
        }
    }

    [Fact]
    public void Constructor_InvalidValues_Throws()
    {
        Assert.Throws<ArgumentException>(() => new SequentialCalibration(
            SequentialDetectorKind.Cusum, 0.5, -1, 1e4, 1e4, 1, SequentialCalibration.DirectMethod, 0, 0, 0, 0, 0, 4.0, 10, 100, 1, 10, 1, 0));
        Assert.Throws<ArgumentException>(() => new SequentialCalibration(
            SequentialDetectorKind.Cusum, 0.5, 5, 1e4, 1e4, 1, "guess", 0, 0, 0, 0, 0, 4.0, 10, 100, 1, 10, 1, 0));
        Assert.Throws<ArgumentException>(() => new SequentialCalibration(
            SequentialDetectorKind.Cusum, 0.5, 5, 1e4, 1e4, 1, SequentialCalibration.ExtrapolatedMethod, -1, 0, 300, 3e4, 8, 4.0, 10, 100, 1, 10, 1, 0));
    }
}
