using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Tests.Support;

namespace EdgeSentinel.Protocol.Tests.Payloads;

public sealed class StatusAndCommandCodecTests
{
    [Fact]
    public void Status_RoundTrip_AndReadableLayout()
    {
        var status = new StatusReport(DeviceState.Online, 17, 2, 3, 4, 5, "connected");
        var body = StatusCodec.Encode(status);

        Assert.Equal(
            "{\"state\":\"online\",\"session\":17,\"pendingAlerts\":2,\"pendingFingerprints\":3,\"outboxDepth\":5,\"droppedFingerprints\":4,\"coalescedFingerprints\":5,\"detail\":\"connected\"}",
            Wire.Text(body));
        Assert.True(StatusCodec.TryDecode(body, ProtocolLimits.Default, out var decoded, out _));
        Assert.Equal(status, decoded);
    }

    [Theory]
    [InlineData("\"outboxDepth\":5", "\"outboxDepth\":6", RejectionReason.InvalidField, "outboxDepth")]
    [InlineData("\"state\":\"online\"", "\"state\":\"sleeping\"", RejectionReason.InvalidField, "'state'")]
    [InlineData("\"session\":17", "\"session\":0", RejectionReason.InvalidField, "'session' is 0")]
    [InlineData("\"droppedFingerprints\":4", "\"droppedFingerprints\":-4", RejectionReason.InvalidField, "droppedFingerprints")]
    [InlineData("\"pendingAlerts\":2", "\"pendingAlerts\":9223372036854775807", RejectionReason.InvalidField, "outboxDepth")]
    public void Status_BadField_Rejected(string original, string replacement, RejectionReason reason, string part)
    {
        var json = Wire.Text(StatusCodec.Encode(new StatusReport(DeviceState.Online, 17, 2, 3, 4, 5, "connected")));
        Assert.False(StatusCodec.TryDecode(Wire.Bytes(json.Replace(original, replacement, StringComparison.Ordinal)), ProtocolLimits.Default, out _, out var rejection));
        Assert.Equal(reason, rejection.Reason);
        Assert.Contains(part, rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_RoundTrip()
    {
        var command = new DeviceCommand(CommandKind.ClearInterlock, "op-42", "alice", "sensor replaced");
        var body = CommandCodec.Encode(command);
        Assert.Equal("{\"command\":\"clear-interlock\",\"id\":\"op-42\",\"issuedBy\":\"alice\",\"reason\":\"sensor replaced\"}", Wire.Text(body));
        Assert.True(CommandCodec.TryDecode(body, ProtocolLimits.Default, out var decoded, out _));
        Assert.Equal(command, decoded);

        Assert.False(CommandCodec.TryDecode("{\"command\":\"self-destruct\",\"id\":\"x\",\"issuedBy\":\"y\"}"u8, ProtocolLimits.Default, out _, out var rejection));
        Assert.Equal(RejectionReason.InvalidField, rejection.Reason);
    }
}
