using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Tests.Support;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Tests.Envelopes;

public sealed class EnvelopeCodecTests
{
    private static readonly string AlertTopic = Wire.Address(TopicKind.Alert).Topic;

    [Fact]
    public void Json_RoundTrip_KeepsEveryFieldAndTheBodyBytes()
    {
        var body = "{\"x\":[1,2.5,\"Infinity\"],\"y\":{\"z\":null}}"u8.ToArray();
        var bytes = Wire.Encode(TopicKind.Alert, 42, body);

        Assert.True(EnvelopeCodec.TryDecode(AlertTopic, bytes, Wire.Props(TopicKind.Alert), out var envelope, out var rejection), rejection.Message);
        Assert.Equal((1, Wire.Fleet, Wire.Device, TopicKind.Alert, 42L), (envelope.SchemaVersion, envelope.Fleet, envelope.Device, envelope.Kind, envelope.Sequence));
        Assert.Equal(Wire.Now, envelope.Timestamp);
        Assert.Equal(body, envelope.Payload.ToArray());
        Assert.True(envelope.VerifySignature(Wire.DeviceKey));
    }

    [Fact]
    public void Json_IsReadableText_WithTheDocumentedPropertyOrder()
    {
        var text = Wire.Text(Wire.Encode(TopicKind.Status, 3, "{\"state\":\"online\"}"u8));
        Assert.StartsWith("{\"v\":1,\"fleet\":\"fleet-1\",\"device\":\"dev-7\",\"kind\":\"status\",\"seq\":3,\"ts\":1795491000000,\"body\":{\"state\":\"online\"},\"sig\":\"", text, StringComparison.Ordinal);
        Assert.Matches("\"sig\":\"[0-9a-f]{64}\"}$", text);
    }

    [Fact]
    public void Json_BodyWithWhitespace_IsSignedAsTransmitted()
    {
        var body = "{ \"a\" : 1 }"u8.ToArray();
        var bytes = Wire.Encode(TopicKind.Alert, 1, body);
        Assert.True(EnvelopeCodec.TryDecode(AlertTopic, bytes, default, out var envelope, out _));
        Assert.Equal(body, envelope.Payload.ToArray());
        Assert.True(envelope.VerifySignature(Wire.DeviceKey));
    }

    [Fact]
    public void Binary_RoundTrip_KeepsEveryField()
    {
        var body = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        var topic = Wire.Address(TopicKind.Fingerprint).Topic;
        var bytes = Wire.Encode(TopicKind.Fingerprint, long.MaxValue, body);

        Assert.Equal("ESB1"u8.ToArray(), bytes[..4]);
        Assert.True(EnvelopeCodec.TryDecode(topic, bytes, Wire.Props(TopicKind.Fingerprint), out var envelope, out var rejection), rejection.Message);
        Assert.Equal(long.MaxValue, envelope.Sequence);
        Assert.Equal(body, envelope.Payload.ToArray());
        Assert.True(envelope.VerifySignature(Wire.DeviceKey));
    }

    [Fact]
    public void Encode_JsonKindWithNonJsonPayload_Throws()
    {
        var envelope = Envelope.Seal(Wire.DeviceKey, Wire.Address(TopicKind.Alert), 1, Wire.Now, "{not json"u8);
        Assert.Throws<ArgumentException>(() => EnvelopeCodec.Encode(envelope));
    }

    public static TheoryData<string, RejectionReason, string> BadJsonEnvelopes() => new()
    {
        { "{\"v\":1,\"fleet\":\"fleet-1\"", RejectionReason.Malformed, "invalid JSON" },
        { "[1,2]", RejectionReason.Malformed, "not an object" },
        { "{\"v\":2,\"fleet\":\"fleet-1\"}", RejectionReason.UnsupportedVersion, "schema version 2" },
        { "{\"v\":\"1\"}", RejectionReason.Malformed, "'v' is not an integer" },
        { "{\"fleet\":\"fleet-1\"}", RejectionReason.Malformed, "no 'v'" },
        { "{\"v\":1,\"v\":1}", RejectionReason.Malformed, "appears twice" },
        { "{\"v\":1,\"extra\":1}", RejectionReason.Malformed, "unknown property 'extra'" },
        { "{\"v\":1,\"fleet\":\"fleet-1\",\"device\":\"dev-7\",\"kind\":\"alert\",\"seq\":1,\"ts\":1,\"body\":{}}", RejectionReason.Malformed, "no 'sig'" },
        { "{\"v\":1,\"fleet\":\"fleet-1\",\"device\":\"dev-7\",\"kind\":\"alert\",\"seq\":1,\"ts\":1,\"body\":{},\"sig\":\"xyz\"}", RejectionReason.Malformed, "hex digits" },
        { "{\"v\":1,\"fleet\":\"fleet-1\",\"device\":\"dev-7\",\"kind\":\"alert\",\"seq\":1.5,\"ts\":1,\"body\":{},\"sig\":\"\"}", RejectionReason.Malformed, "'seq' is not a 64-bit integer" },
        { "{\"v\":1,\"fleet\":\"fleet-1\",\"device\":\"dev-7\",\"kind\":\"alert\",\"seq\":1,\"ts\":1,\"body\":[],\"sig\":\"\"}", RejectionReason.Malformed, "'body' is a Array" },
        { "{\"v\":1,\"fleet\":\"fleet-1\",\"device\":\"dev-8\",\"kind\":\"alert\",\"seq\":1,\"ts\":1,\"body\":{},\"sig\":\"" + new string('0', 64) + "\"}", RejectionReason.TopicMismatch, "device 'dev-8'" },
        { "{\"v\":1,\"fleet\":\"fleet-2\",\"device\":\"dev-7\",\"kind\":\"alert\",\"seq\":1,\"ts\":1,\"body\":{},\"sig\":\"" + new string('0', 64) + "\"}", RejectionReason.TopicMismatch, "fleet 'fleet-2'" },
        { "{\"v\":1,\"fleet\":\"fleet-1\",\"device\":\"dev-7\",\"kind\":\"status\",\"seq\":1,\"ts\":1,\"body\":{},\"sig\":\"" + new string('0', 64) + "\"}", RejectionReason.TopicMismatch, "kind 'status'" },
        { "{\"v\":1,\"fleet\":\"fleet-1\",\"device\":\"dev-7\",\"kind\":\"alert\",\"seq\":0,\"ts\":1,\"body\":{},\"sig\":\"" + new string('0', 64) + "\"}", RejectionReason.InvalidField, "sequence 0" },
        { "{\"v\":1,\"fleet\":\"fleet-1\",\"device\":\"dev-7\",\"kind\":\"alert\",\"seq\":1,\"ts\":-5,\"body\":{},\"sig\":\"" + new string('0', 64) + "\"}", RejectionReason.InvalidField, "timestamp -5" },
        { "{\"v\":1,\"body\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":1}}}}}}}", RejectionReason.TooDeep, "deeper than 6" },
        { "{\"v\":1,\"body\":{\"a\":\"" + new string('x', 513) + "\"}}", RejectionReason.FieldTooLong, "513 bytes" },
        { "{\"v\":1,\"body\":{\"a\":[" + string.Join(',', Enumerable.Repeat("0", 65)) + "]}}", RejectionReason.TooManyItems, "more than 64 items in one array" },
        { "{\"v\":1,\"body\":{\"a\":1" + string.Concat(Enumerable.Range(0, 64).Select(i => $",\"k{i}\":0")) + "}}", RejectionReason.TooManyItems, "in one object" },
        { "{\"v\":1,\"body\":{\"a\":1" + new string('0', 50) + "}}", RejectionReason.FieldTooLong, "number of 51 characters" },
        { "{\"v\":1} trailing", RejectionReason.Malformed, "invalid JSON" },
        { "{\"v\":1,/*c*/\"fleet\":1}", RejectionReason.Malformed, "invalid JSON" },
        { "{\"v\":1,\"fleet\":\"\\ud800\"}", RejectionReason.Malformed, "invalid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadJsonEnvelopes))]
    public void TryDecode_BadJsonEnvelope_RejectedWithItsReason(string json, RejectionReason reason, string messagePart)
    {
        Assert.False(EnvelopeCodec.TryDecode(AlertTopic, Wire.Bytes(json), default, out _, out var rejection));
        Assert.Equal(reason, rejection.Reason);
        Assert.Contains(messagePart, rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_TruncatedJson_EveryPrefixRejectedAsMalformed()
    {
        var bytes = Wire.Encode(TopicKind.Alert, 5, "{\"a\":[1,2,{\"b\":\"c\"}]}"u8);
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(EnvelopeCodec.TryDecode(AlertTopic, bytes.AsSpan(0, length), default, out _, out var rejection));
            Assert.Equal(RejectionReason.Malformed, rejection.Reason);
        }
    }

    [Fact]
    public void TryDecode_Oversized_RejectedBeforeParsing()
    {
        var limits = new ProtocolLimits { MaxJsonMessageBytes = 2048 };
        var body = Wire.Bytes("{\"a\":\"" + new string('x', 500) + "\",\"b\":\"" + new string('y', 500) + "\",\"c\":\"" + new string('z', 500) + "\",\"d\":\"" + new string('w', 500) + "\"}");
        var bytes = Wire.Encode(TopicKind.Alert, 5, body);
        Assert.True(bytes.Length > 2048);

        Assert.False(EnvelopeCodec.TryDecode(AlertTopic, bytes, default, limits, out _, out var rejection));
        Assert.Equal(RejectionReason.Oversized, rejection.Reason);
        Assert.Contains($"{bytes.Length} bytes is larger than 2048", rejection.Message, StringComparison.Ordinal);
        Assert.True(EnvelopeCodec.TryDecode(AlertTopic, bytes, default, out _, out _));
    }

    [Fact]
    public void TryDecode_OversizedBinary_Rejected()
    {
        var topic = Wire.Address(TopicKind.Fingerprint).Topic;
        var bytes = Wire.Encode(TopicKind.Fingerprint, 5, new byte[5000]);
        Assert.False(EnvelopeCodec.TryDecode(topic, bytes, default, new ProtocolLimits { MaxBinaryMessageBytes = 4096 }, out _, out var rejection));
        Assert.Equal(RejectionReason.Oversized, rejection.Reason);
    }

    [Theory]
    [InlineData("application/json", null, null, RejectionReason.UnsupportedEncoding)]
    [InlineData(WireFormat.ContentTypeBinary, null, null, RejectionReason.UnsupportedEncoding)]
    [InlineData(null, "2", null, RejectionReason.UnsupportedVersion)]
    [InlineData(null, null, "binary", RejectionReason.UnsupportedEncoding)]
    public void TryDecode_PropertiesThatDisagree_Rejected(string? contentType, string? version, string? encoding, RejectionReason reason)
    {
        var bytes = Wire.Encode(TopicKind.Alert, 5, "{}"u8);
        Assert.False(EnvelopeCodec.TryDecode(AlertTopic, bytes, new MessageProperties(contentType, version, encoding), out _, out var rejection));
        Assert.Equal(reason, rejection.Reason);
    }

    [Fact]
    public void TryDecode_BinaryWithWrongVersionByte_UnsupportedVersion()
    {
        var topic = Wire.Address(TopicKind.Fingerprint).Topic;
        var bytes = Wire.Encode(TopicKind.Fingerprint, 5, new byte[10]);
        bytes[4] = 2;
        Assert.False(EnvelopeCodec.TryDecode(topic, bytes, default, out _, out var rejection));
        Assert.Equal(RejectionReason.UnsupportedVersion, rejection.Reason);
    }

    [Fact]
    public void TryDecode_BinaryOnAnotherDevicesTopic_TopicMismatch()
    {
        var bytes = Wire.Encode(TopicKind.Fingerprint, 5, new byte[10]);
        Assert.False(EnvelopeCodec.TryDecode(Wire.Address(TopicKind.Fingerprint, "dev-8").Topic, bytes, default, out _, out var rejection));
        Assert.Equal(RejectionReason.TopicMismatch, rejection.Reason);
        Assert.Contains("dev-7", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_BinaryTruncatedAtEveryLength_Malformed()
    {
        var topic = Wire.Address(TopicKind.Fingerprint).Topic;
        var bytes = Wire.Encode(TopicKind.Fingerprint, 5, new byte[40]);
        for (var length = 1; length < bytes.Length; length++)
        {
            Assert.False(EnvelopeCodec.TryDecode(topic, bytes.AsSpan(0, length), default, out _, out var rejection));
            Assert.Equal(RejectionReason.Malformed, rejection.Reason);
        }
    }

    [Fact]
    public void TryDecode_JsonOnFingerprintTopic_Malformed()
    {
        var bytes = Wire.Encode(TopicKind.Alert, 5, "{}"u8);
        Assert.False(EnvelopeCodec.TryDecode(Wire.Address(TopicKind.Fingerprint).Topic, bytes, default, out _, out var rejection));
        Assert.Equal(RejectionReason.Malformed, rejection.Reason);
        Assert.Contains("magic", rejection.Message, StringComparison.Ordinal);
    }
}
