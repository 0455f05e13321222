using System.Buffers.Binary;
using System.Text.Json;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Tests.Support;

namespace EdgeSentinel.Monitor.Tests.Baselines;

public sealed class BaselineFileTests(SyntheticBaselineFixture fixture) : IClassFixture<SyntheticBaselineFixture>
{
    [Fact]
    public void FromBytes_RoundTrip_IsExactAndKeepsEveryPart()
    {
        var back = Baseline.FromBytes(fixture.Bytes, SyntheticModel.Identity);

        Assert.Equal(fixture.Bytes, back.ToBytes());
        Assert.Equal(fixture.Baseline.Schema, back.Schema);
        Assert.Equal(fixture.Baseline.Calibration.Sequential.Threshold, back.Calibration.Sequential.Threshold);
        Assert.Equal(1e6, back.Calibration.Sequential.TargetArl);
        Assert.Equal(5, back.Canaries.Canaries.Count);
        Assert.Equal("synthetic test baseline", back.Description);
        Assert.Equal(3000, back.Fingerprint.ObservationCount);
        Assert.Equal(1000, back.ReferenceSample(0).Length);
    }

    [Fact]
    public void FromBytes_EverySingleByteTruncation_FailsAsTruncated()
    {
        var bytes = fixture.Bytes;
        for (var length = 0; length < bytes.Length; length++)
        {
            var error = Assert.Throws<MonitorFormatException>(() => Baseline.FromBytes(bytes.AsSpan(0, length)));
            Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FromBytes_RandomBitFlips_AlwaysRefusedWithSpecificError()
    {
        var random = new Random(20261124);
        var bytes = fixture.Bytes;
        for (var trial = 0; trial < 3000; trial++)
        {
            var corrupted = (byte[])bytes.Clone();
            var flips = 1 + random.Next(3);
            for (var f = 0; f < flips; f++)
            {
                corrupted[random.Next(corrupted.Length)] ^= (byte)(1 << random.Next(8));
            }

            var error = Assert.Throws<MonitorFormatException>(() => Baseline.FromBytes(corrupted));
            Assert.Matches("checksum mismatch|not a baseline file|unsupported format version|unknown flags|declared payload length|truncated|unexpected bytes", error.Message);
        }
    }

    [Fact]
    public void FromBytes_WrongVersion_SaysWhichVersions()
    {
        var bytes = (byte[])fixture.Bytes.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 7);

        var error = Assert.Throws<MonitorFormatException>(() => Baseline.FromBytes(bytes));

        Assert.Contains($"unsupported format version 7 (this build reads version {Baseline.FormatVersion})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_FormatVersion2_IsReadWithEveryActivationExceedanceAnAlarm()
    {
        // A version-2 file is a version-3 file (version 4 without the support limits) without the episode gap (Int32) and the extremal indices (Int32 count,
        // one double per tap) after the activation threshold method: cut them out and wrap the payload as version 2.
        var calibration = fixture.Baseline.Calibration;
        var taps = fixture.Baseline.Schema.Taps.Count;
        var payload = WithoutSupportLimits(ChecksummedContainer.Unwrap(fixture.Bytes, Baseline.Magic, Baseline.FormatVersion, "baseline file", long.MaxValue).ToArray());
        var method = System.Text.Encoding.UTF8.GetBytes(calibration.ActivationThresholdMethod);
        var prefixed = new byte[4 + method.Length];
        BinaryPrimitives.WriteInt32LittleEndian(prefixed, method.Length);
        method.CopyTo(prefixed, 4);
        var at = payload.AsSpan().IndexOf(prefixed) + prefixed.Length;
        Assert.Equal(calibration.ActivationEpisodeGap, BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(at)));
        Assert.Equal(taps, BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(at + 4)));
        var v2 = ChecksummedContainer.Wrap(Baseline.Magic, 2, [.. payload.AsSpan(0, at), .. payload.AsSpan(at + 8 + (8 * taps))]);

        var back = Baseline.FromBytes(v2, SyntheticModel.Identity);

        Assert.Equal(0, back.Calibration.ActivationEpisodeGap);
        Assert.All(back.Calibration.ActivationExtremalIndices, theta => Assert.Equal(1.0, theta));
        Assert.Equal(calibration.ActivationAnomalyThresholds, back.Calibration.ActivationAnomalyThresholds);
        Assert.Equal(calibration.WindowNull.ChannelDesignEffects, back.Calibration.WindowNull.ChannelDesignEffects);
        Assert.Equal(Baseline.FormatVersion, BinaryPrimitives.ReadUInt16LittleEndian(back.ToBytes().AsSpan(8)));
    }

    /// <summary>A version-3 payload from a version-4 one: the support limits (a presence flag and the limits, last in the calibration) cut out.</summary>
    private byte[] WithoutSupportLimits(byte[] payload)
    {
        var writer = new BinaryBufferWriter();
        writer.WriteBoolean(true);
        fixture.Baseline.Calibration.Support!.WriteTo(writer);
        var section = writer.ToArray();
        var at = payload.AsSpan().IndexOf(section);
        Assert.True(at > 0, "the support limits section is in the payload");
        return [.. payload.AsSpan(0, at), .. payload.AsSpan(at + section.Length)];
    }

    [Fact]
    public void FromBytes_FormatVersion3_IsReadWithoutSupportLimits()
    {
        var calibration = fixture.Baseline.Calibration;
        Assert.NotNull(calibration.Support);
        var payload = WithoutSupportLimits(ChecksummedContainer.Unwrap(fixture.Bytes, Baseline.Magic, Baseline.FormatVersion, "baseline file", long.MaxValue).ToArray());
        var v3 = ChecksummedContainer.Wrap(Baseline.Magic, 3, payload);

        var back = Baseline.FromBytes(v3, SyntheticModel.Identity);

        Assert.Null(back.Calibration.Support);
        Assert.Equal(calibration.ActivationEpisodeGap, back.Calibration.ActivationEpisodeGap);
        Assert.Equal(calibration.Sequential.Threshold, back.Calibration.Sequential.Threshold);
        var monitor = new EdgeSentinel.Monitor.Monitoring.DriftMonitor(back);
        Span<float> x = [1e30f, 0, 0, 0];
        monitor.Observe(x, [0.3f, 0.3f, 0.4f], new float[SyntheticModel.Hidden], 1.0);
        Assert.Equal(0, monitor.Counters.SupportLimitAlarms);
    }

    [Fact]
    public void FromBytes_RoundTrip_KeepsTheSupportLimitsOfTheInputChannelsOnly()
    {
        var support = fixture.Baseline.Calibration.Support!;

        var back = Baseline.FromBytes(fixture.Bytes).Calibration.Support!;

        Assert.Equal(support.Lower, back.Lower);
        Assert.Equal(support.Upper, back.Upper);
        var schema = fixture.Baseline.Schema;
        for (var c = 0; c < schema.Channels.Count; c++)
        {
            var limited = double.IsFinite(back.Upper[c]);
            Assert.Equal(schema.Channels[c].Role == EdgeSentinel.Monitor.Decisions.ChannelRole.Input, limited);
        }

        // 0.01 of the sequential budget (1e-6 per sample at ARL 1e6) over 4 inputs x 2 sides.
        Assert.Equal(0.01 / 8, back.RatePerSide * 1e6, 12);
        Assert.Equal(8, back.LimitedSides);
    }

    [Fact]
    public void FromBytes_RoundTrip_KeepsTheActivationEpisodeCalibration()
    {
        var calibration = fixture.Baseline.Calibration;

        var back = Baseline.FromBytes(fixture.Bytes).Calibration;

        Assert.Equal(50, back.ActivationEpisodeGap);
        Assert.Equal(calibration.ActivationExtremalIndices, back.ActivationExtremalIndices);
        Assert.All(back.ActivationExtremalIndices, theta => Assert.InRange(theta, double.Epsilon, 1.0));
    }

    [Fact]
    public void FromBytes_NotABaseline_SaysSo()
    {
        var bytes = "{\"this\": \"is json, not a baseline\"}"u8.ToArray();

        var error = Assert.Throws<MonitorFormatException>(() => Baseline.FromBytes(bytes));

        Assert.Contains("not a baseline file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_FingerprintFile_IsNotABaseline()
    {
        var bytes = fixture.Baseline.Fingerprint.ToBytes();

        var error = Assert.Throws<MonitorFormatException>(() => Baseline.FromBytes(bytes));

        Assert.Contains("not a baseline file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_OtherModel_RefusedWithModelIdentityError()
    {
        var other = ModelIdentity.FromModelBytes("another model"u8, SyntheticModel.Identity.Inputs,
            [new TensorSignature("p", "float32", [1, 4])]);

        var error = Assert.Throws<ModelIdentityMismatchException>(() => Baseline.FromBytes(fixture.Bytes, other));

        Assert.Contains("model-identity", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.Differences, d => d.StartsWith("model hash", StringComparison.Ordinal));
        Assert.Contains(error.Differences, d => d.Contains("output 0 is p: float32[1,4], the baseline expects p: float32[1,3]", StringComparison.Ordinal));
    }

    [Fact]
    public void ToJson_IsValidJsonWithIdentityCalibrationAndChannels()
    {
        using var json = JsonDocument.Parse(fixture.Baseline.ToJson());
        var root = json.RootElement;

        Assert.Equal(SyntheticModel.Identity.Sha256, root.GetProperty("model").GetProperty("sha256").GetString());
        Assert.Equal(1_000_000, root.GetProperty("calibration").GetProperty("sequential").GetProperty("targetAverageRunLength").GetDouble());
        Assert.Equal(1e-6, root.GetProperty("calibration").GetProperty("sequential").GetProperty("falseAlarmRatePerSample").GetDouble(), 12);
        var channels = root.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal(SyntheticModel.Schema.Channels.Select(c => c.Name), channels);
    }

    [Fact]
    public void Build_TooFewRows_ExplainsWhatIsNeeded()
    {
        var builder = new BaselineBuilder(SyntheticModel.Schema, SyntheticModel.Identity);
        builder.AddTraining(new float[4], new float[] { 0.2f, 0.3f, 0.5f }, new float[8], 1);

        var error = Assert.Throws<InvalidOperationException>(() => builder.Build());

        Assert.Contains("at least 200 training rows and 1000 held-out rows; got 1 and 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Builder_InvalidOptions_ListsEveryProblem()
    {
        var options = new BaselineOptions { WindowSize = 3, WindowAlpha = 2, TargetAverageRunLength = double.NaN, SequentialGroupSeparation = 0.5 };

        var error = Assert.Throws<ArgumentException>(() => new BaselineBuilder(SyntheticModel.Schema, SyntheticModel.Identity, options));

        Assert.Contains("SequentialGroupSeparation: 0.5 must be at least 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("WindowSize: 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("WindowAlpha: 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("TargetAverageRunLength: NaN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SameDataAndSeed_GivesTheSameBytes()
    {
        var again = SyntheticModel.BuildBaseline();

        Assert.Equal(fixture.Bytes, again.ToBytes());
    }
}
