using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Tests.Envelopes;

public sealed class EnvelopeSignatureTests
{
    // Known-answer vector computed independently at authoring time:
    //   python3 -c 'import hmac,hashlib,struct; k=bytes(range(32)); t=b"edgesentinel/v1/fleet-1/dev-7/alert"; p=b"{\"a\":1}";
    //     m=bytes([1])+struct.pack(">H",len(t))+t+struct.pack(">q",42)+struct.pack(">q",1764000000000)+struct.pack(">I",len(p))+p;
    //     print(m.hex()); print(hmac.new(k,m,hashlib.sha256).hexdigest())'
    // and cross-checked with the canonical bytes written to canon.bin:
    //   openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…1e1f canon.bin
    private const string KeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private const string Topic = "edgesentinel/v1/fleet-1/dev-7/alert";
    private const long Sequence = 42;
    private const long Timestamp = 1_764_000_000_000;
    private const string Payload = "{\"a\":1}";
    private const string ExpectedCanonicalHex =
        "0100236564676573656e74696e656c2f76312f666c6565742d312f6465762d372f616c657274000000000000002a0000019ab697e800000000077b2261223a317d";
    private const string ExpectedSignatureHex = "8c0b381133bc6b70cb1decd4f8422899fa3c1b3d5a7cf3d02fb066fa36180e01";

    private static readonly SigningKey Key = SigningKey.FromHex(KeyHex);

    [Fact]
    public void CanonicalBytes_MatchTheDocumentedLayout()
    {
        var bytes = EnvelopeSignature.CanonicalBytes(1, Topic, Sequence, Timestamp, "{\"a\":1}"u8);
        Assert.Equal(ExpectedCanonicalHex, Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void Compute_MatchesIndependentHmacVector()
    {
        var signature = EnvelopeSignature.Compute(Key, 1, Topic, Sequence, Timestamp, "{\"a\":1}"u8);
        Assert.Equal(ExpectedSignatureHex, Convert.ToHexStringLower(signature));
    }

    [Fact]
    public void Verify_KnownVector_AcceptsItAndRejectsAnyChangedField()
    {
        var signature = Convert.FromHexString(ExpectedSignatureHex);

        Assert.True(EnvelopeSignature.Verify(Key, 1, Topic, Sequence, Timestamp, "{\"a\":1}"u8, signature));
        Assert.False(EnvelopeSignature.Verify(Key, 1, Topic, Sequence + 1, Timestamp, "{\"a\":1}"u8, signature));
        Assert.False(EnvelopeSignature.Verify(Key, 1, Topic, Sequence, Timestamp + 1, "{\"a\":1}"u8, signature));
        Assert.False(EnvelopeSignature.Verify(Key, 1, Topic, Sequence, Timestamp, "{\"a\":2}"u8, signature));
        Assert.False(EnvelopeSignature.Verify(Key, 1, Topic.Replace("dev-7", "dev-8", StringComparison.Ordinal), Sequence, Timestamp, "{\"a\":1}"u8, signature));
    }

    [Fact]
    public void Verify_LargePayloadsAndLongTopics_AgreeWithTheHmacOverTheCanonicalBytes()
    {
        // The verifier hashes header and payload in pieces (no copy), headers over 512 bytes in a pooled buffer: whatever the
        // sizes, it must accept exactly the HMAC of CanonicalBytes.
        var random = new Random(7);
        foreach (var (payloadLength, topicLength) in new[] { (0, 10), (1, 40), (8_099, 40), (8_100, 40), (36_353, 40), (100_000, 40), (64, 700), (5_000, 2_000) })
        {
            var payload = new byte[payloadLength];
            random.NextBytes(payload);
            var topic = "edgesentinel/v1/f/" + new string('d', topicLength) + "/fingerprint";
            var signature = System.Security.Cryptography.HMACSHA256.HashData(Key.Bytes, EnvelopeSignature.CanonicalBytes(1, topic, 9, Timestamp, payload));

            Assert.True(EnvelopeSignature.Verify(Key, 1, topic, 9, Timestamp, payload, signature));
            if (payloadLength > 0)
            {
                payload[random.Next(payloadLength)] ^= 0x20;
                Assert.False(EnvelopeSignature.Verify(Key, 1, topic, 9, Timestamp, payload, signature));
            }
        }
    }

    [Fact]
    public void Verify_ManyKeysInterleavedOnSeveralThreads_EachMessageCheckedWithItsOwnKeyOnly()
    {
        // Each verifying thread keeps an HMAC per key (keyed once, reset per message, at most 1,024 per thread): 1,100 keys
        // make a thread start its cache again; wrong-key and tampered checks in between must not leave anything behind.
        var keys = Enumerable.Range(0, 1100).Select(i => SigningKey.FromBytes(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)))).ToArray();
        var failures = 0;
        Parallel.For(0, 4, worker =>
        {
            var random = new Random(worker);
            for (var n = 0; n < 3000; n++)
            {
                var k = random.Next(keys.Length);
                var payload = new byte[random.Next(0, 3000)];
                random.NextBytes(payload);
                var signature = System.Security.Cryptography.HMACSHA256.HashData(keys[k].Bytes, EnvelopeSignature.CanonicalBytes(1, Topic, n + 1, Timestamp, payload));
                var ok = EnvelopeSignature.Verify(keys[k], 1, Topic, n + 1, Timestamp, payload, signature)
                    && !EnvelopeSignature.Verify(keys[(k + 1) % keys.Length], 1, Topic, n + 1, Timestamp, payload, signature)
                    && !EnvelopeSignature.Verify(keys[k], 1, Topic, n + 2, Timestamp, payload, signature);
                if (!ok)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });

        Assert.Equal(0, failures);
    }

    [Fact]
    public void Seal_ProducesTheKnownSignature_AndVerifies()
    {
        var address = EdgeTopics.Address("fleet-1", "dev-7", TopicKind.Alert);
        var envelope = Envelope.Seal(Key, address, Sequence, DateTimeOffset.FromUnixTimeMilliseconds(Timestamp), "{\"a\":1}"u8);

        Assert.Equal(ExpectedSignatureHex, Convert.ToHexStringLower(envelope.Signature));
        Assert.True(envelope.VerifySignature(Key));
        Assert.False(envelope.VerifySignature(SigningKey.FromHex(KeyHex[..^2] + "20")));
    }

    [Theory]
    [InlineData("edgesentinel/v1/fleet-1/dev-8/alert", Sequence, Timestamp, Payload)]
    [InlineData(Topic, Sequence + 1, Timestamp, Payload)]
    [InlineData(Topic, Sequence, Timestamp + 1, Payload)]
    [InlineData(Topic, Sequence, Timestamp, "{\"a\":2}")]
    public void Verify_AnyFieldChanged_Fails(string topic, long sequence, long timestamp, string payload)
    {
        var signature = Convert.FromHexString(ExpectedSignatureHex);
        Assert.False(EnvelopeSignature.Verify(Key, 1, topic, sequence, timestamp, System.Text.Encoding.UTF8.GetBytes(payload), signature));
        Assert.True(EnvelopeSignature.Verify(Key, 1, Topic, Sequence, Timestamp, System.Text.Encoding.UTF8.GetBytes(Payload), signature));
    }

    [Fact]
    public void SigningKey_RejectsShortAndLongKeys_AndHidesItself()
    {
        Assert.Throws<ArgumentException>(() => SigningKey.FromBytes(new byte[15]));
        Assert.Throws<ArgumentException>(() => SigningKey.FromBytes(new byte[65]));
        var key = SigningKey.Generate();
        Assert.Equal(32, key.Bytes.Length);
        Assert.DoesNotContain(key.ToBase64(), key.ToString(), StringComparison.Ordinal);
        Assert.Equal(key.ToBase64(), SigningKey.FromBase64(key.ToBase64()).ToBase64());
    }
}
