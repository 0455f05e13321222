using System.Security.Cryptography;
using System.Text;
using EdgeSentinel.Runtime.Safety;

namespace EdgeSentinel.Runtime.Tests.Safety;

public sealed class HmacClearCommandVerifierTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef");
    private static readonly DateTimeOffset At = new(2026, 11, 24, 4, 0, 0, TimeSpan.FromHours(2));

    [Fact]
    public void SignedContent_IsTheDocumentedCanonicalForm()
    {
        var command = new InterlockClearCommand("robot-7", "ana", 42, At, "");
        Assert.Equal(
            "edgesentinel/interlock-clear/v1\nrobot-7\nana\n42\n2026-11-24T02:00:00.0000000+00:00",
            Encoding.UTF8.GetString(command.GetSignedContent()));
    }

    [Fact]
    public void Sign_IsHmacSha256OfTheContent_AndVerifies()
    {
        var unsigned = new InterlockClearCommand("robot-7", "ana", 42, At, "");
        string signature = HmacClearCommandVerifier.Sign(unsigned, Key);
        // Independent computation with the HMACSHA256 class over the documented content.
        using var hmac = new HMACSHA256(Key);
        string expected = Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes("edgesentinel/interlock-clear/v1\nrobot-7\nana\n42\n2026-11-24T02:00:00.0000000+00:00")));
        Assert.Equal(expected, signature);

        var verifier = new HmacClearCommandVerifier(Key);
        Assert.True(verifier.IsAuthentic(unsigned with { Signature = signature }));
        Assert.True(verifier.IsAuthentic(unsigned with { Signature = signature.ToUpperInvariant() }));
    }

    [Fact]
    public void TamperedFieldsWrongKeyOrMalformedSignature_AreNotAuthentic()
    {
        var command = new InterlockClearCommand("robot-7", "ana", 42, At, "");
        string signature = HmacClearCommandVerifier.Sign(command, Key);
        var verifier = new HmacClearCommandVerifier(Key);
        Assert.False(verifier.IsAuthentic(command with { Signature = signature, Sequence = 43 }));
        Assert.False(verifier.IsAuthentic(command with { Signature = signature, DeviceId = "robot-8" }));
        Assert.False(verifier.IsAuthentic(command with { Signature = signature, IssuedAt = At.AddSeconds(1) }));
        Assert.False(new HmacClearCommandVerifier(Encoding.ASCII.GetBytes("another-key-of-16+bytes")).IsAuthentic(command with { Signature = signature }));
        Assert.False(verifier.IsAuthentic(command with { Signature = "zz" + signature[2..] }));
        Assert.False(verifier.IsAuthentic(command with { Signature = signature[..10] }));
        Assert.False(verifier.IsAuthentic(command));
        Assert.Throws<ArgumentException>(() => new HmacClearCommandVerifier(new byte[8]));
    }
}
