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
}
