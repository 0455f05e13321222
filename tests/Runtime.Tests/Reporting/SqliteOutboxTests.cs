using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Tests.Support;
using EdgeSentinel.Protocol.Topics;
using EdgeSentinel.Runtime.Reporting;
using EdgeSentinel.Runtime.Tests.Reporting.Support;

namespace EdgeSentinel.Runtime.Tests.Reporting;

public sealed class SqliteOutboxTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 4, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private SqliteOutbox Open(int maxPending = 32, int maxWindows = 64) => new(_folder.File("outbox.db"), maxPending, maxWindows);

    private static byte[] Window(Fingerprint fingerprint, int minute) =>
        FingerprintReportCodec.Encode(new FingerprintReport(TestFingerprints.ModelHash, T0.AddMinutes(minute), T0.AddMinutes(minute + 1), 1, fingerprint));

    private static FingerprintReport Decode(byte[] body)
    {
        Assert.True(FingerprintReportCodec.TryDecode(body, ProtocolLimits.Default, out var report, out var rejection), rejection.Message);
        return report;
    }

    [Fact]
    public void Open_UsesWalJournal()
    {
        using var outbox = Open();
        Assert.Equal("wal", outbox.JournalMode);
    }

    [Fact]
    public void Reopen_PendingEntriesSurviveAndSequenceNeverGoesBack()
    {
        long sealedSequence;
        byte[] sealedWire;
        long reserved;
        using (var outbox = Open())
        {
            for (var i = 0; i < 5; i++)
            {
                outbox.Append(TopicKind.Alert, [(byte)'{', (byte)('0' + i), (byte)'}'], 1000 + i);
            }

            var first = outbox.PeekOldest()!;
            (sealedSequence, sealedWire) = outbox.Seal(first, seq => [(byte)seq, 0xAB]);
            reserved = outbox.ReserveSequence();
            outbox.Remove(first.Id);
            Assert.Equal((1L, 2L), (sealedSequence, reserved));
        }

        using (var outbox = Open())
        {
            var entries = outbox.ReadAll();
            Assert.Equal(4, entries.Count);
            Assert.Equal([(byte)'{', (byte)'1', (byte)'}'], entries[0].Body);
            Assert.All(entries, e => Assert.Null(e.Sequence));
            // Resumes above the persisted block (1 + SequenceBlock), never below what was handed out.
            const long resumed = 1 + SqliteOutbox.SequenceBlock;
            Assert.Equal(resumed, outbox.Counts().NextSequence);

            // Sealing is idempotent and persisted: the same entry keeps its sequence and bytes after a reopen.
            var (seq, wire) = outbox.Seal(entries[0], s => [(byte)s, 0xCD]);
            Assert.Equal(resumed, seq);
            Assert.Equal([(byte)resumed, 0xCD], wire);
        }

        using (var outbox = Open())
        {
            var head = outbox.PeekOldest()!;
            Assert.Equal(1 + SqliteOutbox.SequenceBlock, head.Sequence);
            var (again, againWire) = outbox.Seal(head, _ => throw new InvalidOperationException("must not reseal"));
            Assert.Equal(1 + SqliteOutbox.SequenceBlock, again);
            Assert.Equal([1 + SqliteOutbox.SequenceBlock, 0xCD], againWire);
            Assert.Equal(1 + (2 * SqliteOutbox.SequenceBlock), outbox.ReserveSequence());
        }
    }

    [Fact]
    public void FingerprintBound_CoalescesOldestMergeablePairThenDropsOldest_AlertsUntouched()
    {
        var w = TestFingerprints.Windows(7, seed: 11);
        using var outbox = Open(maxPending: 3, maxWindows: 2);
        for (var i = 0; i < 7; i++)
        {
            outbox.Append(TopicKind.Alert, "{}"u8.ToArray(), i);
            outbox.Append(TopicKind.Fingerprint, Window(w[i], i), i);
        }

        // By hand (bound 3 unsent, at most 2 windows per summary):
        //   +W4 → merge (W1,W2)            [W12, W3, W4]      coalesced 1
        //   +W5 → (W12,W3) would be 3 → merge (W3,W4)   [W12, W34, W5]   coalesced 2
        //   +W6 → merge (W5,W6)            [W12, W34, W56]    coalesced 3
        //   +W7 → no pair fits → drop W12  [W34, W56, W7]     dropped 1
        var counts = outbox.Counts();
        Assert.Equal(new OutboxCounts(7, 3, 1, 3, 1), counts);

        var fingerprints = outbox.ReadAll().Where(e => e.Kind == TopicKind.Fingerprint).Select(e => Decode(e.Body)).ToList();
        Assert.Equal([2, 2, 1], fingerprints.Select(f => f.WindowCount));
        Assert.Equal(w[2].Merge(w[3]).ToBytes(), fingerprints[0].Fingerprint.ToBytes());
        Assert.Equal(w[4].Merge(w[5]).ToBytes(), fingerprints[1].Fingerprint.ToBytes());
        Assert.Equal(w[6].ToBytes(), fingerprints[2].Fingerprint.ToBytes());
        Assert.Equal((T0.AddMinutes(2), T0.AddMinutes(4)), (fingerprints[0].WindowStart, fingerprints[0].WindowEnd));
        Assert.Equal(7, outbox.ReadAll().Count(e => e.Kind == TopicKind.Alert));
    }

    [Fact]
    public void FingerprintBound_EntriesAlreadySentAreNeitherMergedNorDropped()
    {
        var w = TestFingerprints.Windows(4, seed: 12);
        using var outbox = Open(maxPending: 1, maxWindows: 1);
        outbox.Append(TopicKind.Fingerprint, Window(w[0], 0), 0);
        var inFlight = outbox.PeekOldest()!;
        outbox.Seal(inFlight, s => [(byte)s]);

        outbox.Append(TopicKind.Fingerprint, Window(w[1], 1), 1);
        outbox.Append(TopicKind.Fingerprint, Window(w[2], 2), 2);
        outbox.Append(TopicKind.Fingerprint, Window(w[3], 3), 3);

        var entries = outbox.ReadAll();
        Assert.Equal(inFlight.Id, entries[0].Id);
        Assert.Equal(2, entries.Count);
        Assert.Equal(w[3].ToBytes(), Decode(entries[1].Body).Fingerprint.ToBytes());
        Assert.Equal((2L, 0L), (outbox.Counts().DroppedFingerprints, outbox.Counts().CoalescedFingerprints));
    }

    [Fact]
    public void Counters_SurviveReopen()
    {
        var w = TestFingerprints.Windows(3, seed: 13);
        using (var outbox = Open(maxPending: 1, maxWindows: 1))
        {
            for (var i = 0; i < 3; i++)
            {
                outbox.Append(TopicKind.Fingerprint, Window(w[i], i), i);
            }
        }

        using var reopened = Open(maxPending: 1, maxWindows: 1);
        Assert.Equal(2, reopened.Counts().DroppedFingerprints);
        Assert.Equal(1, reopened.Counts().PendingFingerprints);
    }

    [Fact]
    public void Append_StatusKind_Throws()
    {
        using var outbox = Open();
        Assert.Throws<ArgumentOutOfRangeException>(() => outbox.Append(TopicKind.Status, "{}"u8.ToArray(), 0));
    }
}
