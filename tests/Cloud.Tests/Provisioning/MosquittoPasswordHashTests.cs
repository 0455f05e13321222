using EdgeSentinel.Cloud.Provisioning;

namespace EdgeSentinel.Cloud.Tests.Provisioning;

public sealed class MosquittoPasswordHashTests
{
    // Made by Mosquitto 2.0.11's own tool: `mosquitto_passwd -b pw f1/d1 secret1` (Debian 12);
    // the same value from Python: hashlib.pbkdf2_hmac('sha512', b'secret1', b64decode(salt), 101).
    private const string MosquittoPasswdLine = "$7$101$tyQyoxHWKPl9cUFH$8ALdwrjf06OT8A345lZyImKTXRvpg8zsUdtMfrQZwC4lPOmyRkGmkA14mIMqlxWdc0coFM0GvsBApHRvX2GwlA==";

    [Fact]
    public void Create_WithMosquittoPasswdSalt_ReproducesItsHashExactly()
    {
        var salt = Convert.FromBase64String("tyQyoxHWKPl9cUFH");
        Assert.Equal(MosquittoPasswdLine, MosquittoPasswordHash.Create("secret1", salt));
    }

    [Fact]
    public void Verify_MosquittoPasswdHash_AcceptsItsPasswordOnly()
    {
        Assert.True(MosquittoPasswordHash.Verify("secret1", MosquittoPasswdLine));
        Assert.False(MosquittoPasswordHash.Verify("secret2", MosquittoPasswdLine));
        Assert.False(MosquittoPasswordHash.Verify("", MosquittoPasswdLine));
    }

    [Fact]
    public void Create_FreshSalt_FormatOfMosquittoPasswdAndDifferentEachTime()
    {
        var a = MosquittoPasswordHash.Create("pw");
        var b = MosquittoPasswordHash.Create("pw");
        Assert.NotEqual(a, b);
        Assert.True(MosquittoPasswordHash.TryParse(a, out var iterations, out var salt, out var hash, out var problem), problem);
        Assert.Equal((101, 12, 64), (iterations, salt.Length, hash.Length));
        Assert.True(MosquittoPasswordHash.Verify("pw", b));
    }

    [Theory]
    [InlineData("", "not a '$7$")]
    [InlineData("$6$101$c2FsdA==$aGFzaA==", "not a '$7$")]
    [InlineData("$7$abc$c2FsdA==$aGFzaA==", "iteration count 'abc'")]
    [InlineData("$7$0$c2FsdA==$aGFzaA==", "iteration count '0'")]
    [InlineData("$7$101$!!$aGFzaA==", "not base64")]
    [InlineData("$7$101$c2FsdA==$aGFzaA==", "must be 64 bytes")]
    public void TryParse_Malformed_NamesTheProblemAndVerifyRefuses(string encoded, string expected)
    {
        Assert.False(MosquittoPasswordHash.TryParse(encoded, out _, out _, out _, out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.False(MosquittoPasswordHash.Verify("x", encoded));
    }
}
