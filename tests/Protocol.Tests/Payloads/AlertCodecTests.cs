using System.Text.Json;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Tests.Support;

namespace EdgeSentinel.Protocol.Tests.Payloads;

public sealed class AlertCodecTests
{
    [Fact]
    public void RoundTrip_IsExact_IncludingInfinitiesAndTicks()
    {
        var alert = TestAlerts.Sample();
        var body = AlertCodec.Encode(alert);

        Assert.True(AlertCodec.TryDecode(body, ProtocolLimits.Default, out var decoded, out var rejection), rejection.Message);
        Assert.Equal(alert, decoded);
        Assert.Equal(double.PositiveInfinity, decoded.Evidence.Value);
        Assert.Equal(double.NegativeInfinity, decoded.Evidence.TopChannels[0].EffectSize);
        Assert.Equal(alert.RaisedAt.UtcTicks, decoded.RaisedAt.UtcTicks);
    }

    [Fact]
    public void Encode_UsesWireNamesAndInfinityStrings()
    {
        using var doc = JsonDocument.Parse(AlertCodec.Encode(TestAlerts.Sample()));
        var root = doc.RootElement;
        Assert.Equal("input-drift", root.GetProperty("kind").GetString());
        Assert.Equal("warning", root.GetProperty("severity").GetString());
        Assert.Equal("escalated", root.GetProperty("state").GetString());
        Assert.Equal("2026-11-24T03:00:00.1234567Z", root.GetProperty("raisedAt").GetString());
        Assert.Equal("Infinity", root.GetProperty("evidence").GetProperty("value").GetString());
        Assert.Equal("-Infinity", root.GetProperty("evidence").GetProperty("topChannels")[0].GetProperty("effectSize").GetString());
        Assert.Equal(9.75, root.GetProperty("evidence").GetProperty("threshold").GetDouble());
    }

    [Fact]
    public void RoundTrip_EveryKindSeverityState()
    {
        foreach (var kind in Enum.GetValues<AlertKind>())
        {
            foreach (var severity in Enum.GetValues<AlertSeverity>())
            {
                foreach (var state in Enum.GetValues<AlertState>())
                {
                    var alert = TestAlerts.Sample() with { Kind = kind, Severity = severity, State = state };
                    Assert.True(AlertCodec.TryDecode(AlertCodec.Encode(alert), ProtocolLimits.Default, out var decoded, out _));
                    Assert.Equal(alert, decoded);
                }
            }
        }
    }

    public static TheoryData<string, string, RejectionReason, string> BadFields() => new()
    {
        { "\"kind\":\"input-drift\"", "\"kind\":\"Input-Drift\"", RejectionReason.InvalidField, "'kind' is 'Input-Drift'" },
        { "\"severity\":\"warning\"", "\"severity\":\"fatal\"", RejectionReason.InvalidField, "'severity'" },
        { "\"state\":\"escalated\"", "\"state\":\"acknowledged\"", RejectionReason.InvalidField, "'state'" },
        { "\"value\":\"Infinity\"", "\"value\":\"NaN\"", RejectionReason.InvalidField, "'evidence.value' is the string 'NaN'" },
        { "\"threshold\":9.75", "\"threshold\":\"Infinity\"", RejectionReason.InvalidField, "Threshold must be finite" },
        { "\"threshold\":9.75", "\"threshold\":1e999", RejectionReason.InvalidField, "out of the double range" },
        { "\"falseAlarmRate\":1E-06", "\"falseAlarmRate\":0", RejectionReason.InvalidField, "FalseAlarmRate" },
        { "\"firstSample\":1000", "\"firstSample\":-1", RejectionReason.InvalidField, "'firstSample' is -1" },
        { "\"lastSample\":1255", "\"lastSample\":999", RejectionReason.InvalidField, "lastSample" },
        { "\"subject\":\"inputs\"", "\"subject\":\"  \"", RejectionReason.InvalidField, "'subject' is blank" },
        { "\"subject\":\"inputs\"", "\"subject\":5", RejectionReason.Malformed, "'subject' is a Number" },
        { "\"subject\":\"inputs\",", "", RejectionReason.Malformed, "no 'subject'" },
        { "\"subject\":\"inputs\"", "\"subject\":\"inputs\",\"extra\":1", RejectionReason.Malformed, "unknown property 'extra'" },
        { "\"raisedAt\":\"2026-11-24T03:00:00.1234567Z\"", "\"raisedAt\":\"2026-11-24 03:00\"", RejectionReason.InvalidField, "ISO 8601" },
        { "\"channel\":\"input.speed\"", "\"channel\":\"input.speed\",\"rank\":1", RejectionReason.Malformed, "evidence.topChannels[0]" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public void TryDecode_BadField_RejectedWithItsReason(string original, string replacement, RejectionReason reason, string messagePart)
    {
        var json = Wire.Text(AlertCodec.Encode(TestAlerts.Sample()));
        Assert.Contains(original, json, StringComparison.Ordinal);
        var bad = Wire.Bytes(json.Replace(original, replacement, StringComparison.Ordinal));

        Assert.False(AlertCodec.TryDecode(bad, ProtocolLimits.Default, out var alert, out var rejection));
        Assert.Null(alert);
        Assert.Equal(reason, rejection.Reason);
        Assert.Contains(messagePart, rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_EnvelopeOfAnotherDevice_TopicMismatch()
    {
        var body = AlertCodec.Encode(TestAlerts.Sample(device: "dev-8"));
        var envelope = EdgeSentinel.Protocol.Envelopes.Envelope.Seal(Wire.DeviceKey, Wire.Address(EdgeSentinel.Protocol.Topics.TopicKind.Alert), 1, Wire.Now, body);

        Assert.False(AlertCodec.TryDecode(envelope, ProtocolLimits.Default, out _, out var rejection));
        Assert.Equal(RejectionReason.TopicMismatch, rejection.Reason);
    }
}
