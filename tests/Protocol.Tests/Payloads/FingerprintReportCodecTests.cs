using System.Buffers.Binary;
using System.Security.Cryptography;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Tests.Support;

namespace EdgeSentinel.Protocol.Tests.Payloads;

public sealed class FingerprintReportCodecTests
{
    private static FingerprintReport Report() => new(
        TestFingerprints.ModelHash, Wire.Now, Wire.Now.AddMinutes(1), 1, TestFingerprints.Windows(1, seed: 3)[0]);

    [Fact]
    public void RoundTrip_KeepsWindowModelAndFingerprintBytes()
    {
        var report = Report();
        var body = FingerprintReportCodec.Encode(report);

        Assert.True(FingerprintReportCodec.TryDecode(body, ProtocolLimits.Default, out var decoded, out var rejection), rejection.Message);
        Assert.Equal(report.ModelHash, decoded.ModelHash);
        Assert.Equal(report.WindowStart, decoded.WindowStart);
        Assert.Equal(report.WindowEnd, decoded.WindowEnd);
        Assert.Equal(1, decoded.WindowCount);
        Assert.Equal(report.Fingerprint.ToBytes(), decoded.Fingerprint.ToBytes());
    }

    [Fact]
    public void FingerprintBytes_OfAcceptedBodies_AreTheDecodedFingerprintWrittenBack()
    {
        // What a receiver stored before (the decoded fingerprint written back) equals the bytes as received.
        foreach (var fingerprint in TestFingerprints.Windows(6, seed: 11))
        {
            var body = FingerprintReportCodec.Encode(new FingerprintReport(TestFingerprints.ModelHash, Wire.Now, Wire.Now.AddMinutes(1), 3, fingerprint));

            Assert.True(FingerprintReportCodec.TryDecode(body, ProtocolLimits.Default, out var decoded, out var rejection), rejection.Message);
            Assert.Equal(decoded.Fingerprint.ToBytes(), FingerprintReportCodec.FingerprintBytes(body).ToArray());
            Assert.Equal(fingerprint.ToBytes(), FingerprintReportCodec.FingerprintBytes(body).ToArray());
        }
    }

    [Fact]
    public void FingerprintBytes_NotABody_Throws()
    {
        var body = FingerprintReportCodec.Encode(Report());

        Assert.Throws<ArgumentException>(() => FingerprintReportCodec.FingerprintBytes(body.AsSpan(0, 20)));
        Assert.Throws<ArgumentException>(() => FingerprintReportCodec.FingerprintBytes(body.AsSpan(0, body.Length - 1))); // length field disagrees
        var wrongMagic = (byte[])body.Clone();
        wrongMagic[0] = (byte)'X';
        Assert.Throws<ArgumentException>(() => FingerprintReportCodec.FingerprintBytes(wrongMagic));
    }

    [Fact]
    public void Coalesce_MergesFingerprintsAndSpansBothWindows()
    {
        var windows = TestFingerprints.Windows(2, seed: 4);
        var a = new FingerprintReport(TestFingerprints.ModelHash, Wire.Now, Wire.Now.AddMinutes(1), 1, windows[0]);
        var b = new FingerprintReport(TestFingerprints.ModelHash, Wire.Now.AddMinutes(1), Wire.Now.AddMinutes(2), 1, windows[1]);

        var merged = FingerprintReport.Coalesce(a, b);

        Assert.Equal((Wire.Now, Wire.Now.AddMinutes(2), 2), (merged.WindowStart, merged.WindowEnd, merged.WindowCount));
        Assert.Equal(windows[0].ObservationCount + windows[1].ObservationCount, merged.Fingerprint.ObservationCount);
        Assert.Equal(windows[0].Merge(windows[1]).ToBytes(), merged.Fingerprint.ToBytes());
        Assert.Throws<ArgumentException>(() => FingerprintReport.Coalesce(a, new FingerprintReport(new string('b', 64), Wire.Now, Wire.Now, 1, windows[1])));
    }

    [Fact]
    public void TryDecode_CorruptedFingerprintByte_MalformedNamingTheChecksum()
    {
        var body = FingerprintReportCodec.Encode(Report());
        body[^10] ^= 0x55;
        Assert.False(FingerprintReportCodec.TryDecode(body, ProtocolLimits.Default, out _, out var rejection));
        Assert.Equal(RejectionReason.Malformed, rejection.Reason);
        Assert.Contains("fingerprint", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_BadHeaderFields_Rejected()
    {
        var body = FingerprintReportCodec.Encode(Report());
        var wrongVersion = (byte[])body.Clone();
        wrongVersion[4] = 9;
        Assert.False(FingerprintReportCodec.TryDecode(wrongVersion, ProtocolLimits.Default, out _, out var r1));
        Assert.Equal(RejectionReason.UnsupportedVersion, r1.Reason);

        var inverted = (byte[])body.Clone();
        Array.Clear(inverted, 13, 8); // window end = 0 ms, before the start
        Assert.False(FingerprintReportCodec.TryDecode(inverted, ProtocolLimits.Default, out _, out var r2));
        Assert.Equal(RejectionReason.InvalidField, r2.Reason);

        Assert.False(FingerprintReportCodec.TryDecode(body.AsSpan(0, body.Length - 1), ProtocolLimits.Default, out _, out var r3));
        Assert.Equal(RejectionReason.Malformed, r3.Reason);
    }

    [Fact]
    public void TryValidate_Report_DecodesOnFirstUseToTheSameFingerprint_AndEncodesTheBytesReceived()
    {
        var fingerprint = TestFingerprints.Windows(1, seed: 5)[0];
        var body = FingerprintReportCodec.Encode(new FingerprintReport(TestFingerprints.ModelHash, Wire.Now, Wire.Now.AddMinutes(1), 2, fingerprint));

        Assert.True(FingerprintReportCodec.TryValidate(body, ProtocolLimits.Default, out var report, out var rejection), rejection.Message);

        Assert.Equal(fingerprint.ObservationCount, report.ObservationCount);
        Assert.Equal(body, FingerprintReportCodec.Encode(report)); // from the bytes received, without decoding them
        var decoded = report.Fingerprint;
        Assert.Same(decoded, report.Fingerprint); // decoded once
        Assert.Equal(fingerprint.ToBytes(), decoded.ToBytes());
        Assert.Equal(fingerprint.ObservationCount, decoded.ObservationCount);
    }

    [Fact]
    public void TryValidate_SeededMutations_SameOutcomeAsTryDecode()
    {
        // The validating path (what the aggregator runs) against the decoding one on mutated bodies: header fields,
        // length fields, truncations, bit flips in the fingerprint frame. (Mutations inside the checksummed fingerprint
        // payload: Monitor.Tests FingerprintValidateTests.)
        var bodies = TestFingerprints.Windows(3, seed: 8)
            .Select((f, i) => FingerprintReportCodec.Encode(new FingerprintReport(TestFingerprints.ModelHash, Wire.Now, Wire.Now.AddMinutes(i), i + 1, f)))
            .ToArray();
        var random = new Random(7);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < 3000; i++)
        {
            var body = (byte[])bodies[random.Next(bodies.Length)].Clone();
            var hashEnd = 26 + body[25];
            switch (random.Next(6))
            {
                case 0:
                    body = body[..random.Next(body.Length)];
                    break;
                case 1:
                    body[random.Next(body.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    body[random.Next(hashEnd + 4 + 20)] ^= (byte)(1 << random.Next(8)); // header, model hash, fingerprint frame header
                    break;
                case 3:
                    body[25] = (byte)random.Next(256); // model hash length
                    break;
                case 4:
                    BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(hashEnd), (uint)(body.Length - hashEnd - 4 + random.Next(-3, 4)));
                    break;
                default:
                    BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(5 + (8 * random.Next(2))), random.Next(3) - 1 + (random.Next(2) == 0 ? 0 : Wire.Now.ToUnixTimeMilliseconds()));
                    break;
            }

            var expected = Outcome(FingerprintReportCodec.TryDecode(body, ProtocolLimits.Default, out var decoded, out var r1), decoded, r1);
            var actual = Outcome(FingerprintReportCodec.TryValidate(body, ProtocolLimits.Default, out var validated, out var r2), validated, r2);

            Assert.Equal(expected, actual);
            var key = expected.Split(':')[0];
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
        }

        // Both kinds of outcome occurred, and rejections of every reason the body can have.
        Assert.All(new[] { "accepted", nameof(RejectionReason.Malformed), nameof(RejectionReason.InvalidField), nameof(RejectionReason.UnsupportedVersion) }, k => Assert.True(outcomes.GetValueOrDefault(k) >= 3, $"{k}: {outcomes.GetValueOrDefault(k)}"));
    }

    private static string Outcome(bool ok, FingerprintReport? report, Rejection rejection) => ok
        ? $"accepted: {report!.ModelHash} {report.WindowStart:O} {report.WindowEnd:O} {report.WindowCount} {report.ObservationCount} {Convert.ToHexString(SHA256.HashData(report.Fingerprint.ToBytes()))}"
        : $"{rejection.Reason}: {rejection.Message}";
}
