using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using EdgeSentinel.Runtime.Reporting;
using EdgeSentinel.Runtime.Tests.Reporting.Support;

namespace EdgeSentinel.Runtime.Tests.Reporting;

/// <summary>What lets a device report a failing outbox: the status field and sequence numbers persisted a block ahead.</summary>
public sealed class OutboxFaultTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Status_OutboxFault_RoundTripsAndIsOptional()
    {
        var faulty = new StatusReport(DeviceState.Online, 3, 7, 1, 0, 0, "update", "disk full: SQLite Error 13");
        var json = System.Text.Encoding.UTF8.GetString(StatusCodec.Encode(faulty));
        Assert.Contains("\"outboxFault\":\"disk full: SQLite Error 13\"", json, StringComparison.Ordinal);
        Assert.True(StatusCodec.TryDecode(StatusCodec.Encode(faulty), ProtocolLimits.Default, out var back, out var rejection), rejection.Message);
        Assert.Equal("disk full: SQLite Error 13", back.OutboxFault);

        var healthy = new StatusReport(DeviceState.Online, 3, 0, 0, 0, 0, "update");
        Assert.DoesNotContain("outboxFault", System.Text.Encoding.UTF8.GetString(StatusCodec.Encode(healthy)), StringComparison.Ordinal);
        Assert.True(StatusCodec.TryDecode(StatusCodec.Encode(healthy), ProtocolLimits.Default, out back, out rejection), rejection.Message);
        Assert.Null(back.OutboxFault);

        var wrongType = """{"state":"online","session":3,"pendingAlerts":0,"pendingFingerprints":0,"outboxDepth":0,"droppedFingerprints":0,"coalescedFingerprints":0,"outboxFault":5}"""u8.ToArray();
        Assert.False(StatusCodec.TryDecode(wrongType, ProtocolLimits.Default, out _, out rejection));
        Assert.Contains("outboxFault", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sequences_HandedOutFromAPersistedBlock_ReopenResumesAboveTheBlock_NeverBack()
    {
        var path = _folder.File("outbox.db");
        var handedOut = new List<long>();
        using (var outbox = new SqliteOutbox(path, 32, 64))
        {
            for (var i = 0; i < SqliteOutbox.SequenceBlock + 5; i++)
            {
                handedOut.Add(outbox.ReserveSequence());
            }

            var id = outbox.Append(TopicKind.Alert, "{}"u8.ToArray(), 1);
            handedOut.Add(outbox.Seal(outbox.PeekAfter(0)!, s => [(byte)s]).Sequence);
            Assert.Equal(id, outbox.PeekAfter(0)!.Id);
        }

        // 1..70 handed out contiguously; the second block (65..128) was persisted when the first ran out.
        Assert.Equal(Enumerable.Range(1, SqliteOutbox.SequenceBlock + 6).Select(i => (long)i), handedOut);
        using (var outbox = new SqliteOutbox(path, 32, 64))
        {
            var next = outbox.Counts().NextSequence;
            Assert.Equal(1 + (2 * SqliteOutbox.SequenceBlock), next);
            Assert.Equal(next, outbox.ReserveSequence());
        }
    }
}
