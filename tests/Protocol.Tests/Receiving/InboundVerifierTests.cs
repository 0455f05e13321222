using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Tests.Support;
using EdgeSentinel.Protocol.Topics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Protocol.Tests.Receiving;

public sealed class InboundVerifierTests
{
    private readonly FakeTimeProvider _time = new(Wire.Now);
    private readonly InboundVerifier _verifier;

    public InboundVerifierTests() =>
        _verifier = new InboundVerifier(
            a => a.Kind == TopicKind.Command ? Wire.OperatorKey : a.Device == Wire.Device ? Wire.DeviceKey : null,
            new ReplayGuard(_time, new ReplayGuardOptions { MaxClockSkew = TimeSpan.FromMinutes(5), MaxAge = TimeSpan.FromDays(1) }));

    private bool Verify(TopicKind kind, byte[] bytes, out InboundMessage? message, out Rejection rejection, string device = Wire.Device) =>
        _verifier.TryVerify(Wire.Address(kind, device).Topic, bytes, Wire.Props(kind), out message, out rejection);

    private bool Accept(TopicKind kind, byte[] bytes, out Rejection rejection)
    {
        if (!Verify(kind, bytes, out var message, out rejection))
        {
            return false;
        }

        _verifier.Commit(message!);
        return true;
    }

    private static byte[] AlertMessage(long sequence, DateTimeOffset? timestamp = null, SigningKey? key = null) =>
        Wire.Encode(TopicKind.Alert, sequence, AlertCodec.Encode(TestAlerts.Sample()), timestamp, key);

    [Fact]
    public void ValidAlert_AcceptedWithDecodedBody()
    {
        Assert.True(Verify(TopicKind.Alert, AlertMessage(1), out var message, out var rejection), rejection.Message);
        Assert.Equal(TestAlerts.Sample(), message!.Alert);
        Assert.Null(message.Status);
    }

    [Fact]
    public void ForgedSignature_BadSignature()
    {
        var forged = AlertMessage(1, key: SigningKey.FromBytes(new byte[32]));
        Assert.False(Verify(TopicKind.Alert, forged, out _, out var rejection));
        Assert.Equal(RejectionReason.BadSignature, rejection.Reason);
    }

    [Fact]
    public void TamperedBody_BadSignature()
    {
        var text = Wire.Text(AlertMessage(1)).Replace("\"warning\"", "\"critical\"", StringComparison.Ordinal);
        Assert.False(Verify(TopicKind.Alert, Wire.Bytes(text), out _, out var rejection));
        Assert.Equal(RejectionReason.BadSignature, rejection.Reason);
    }

    [Fact]
    public void UnregisteredDevice_UnknownDevice()
    {
        var bytes = Wire.Encode(TopicKind.Status, 1, StatusCodec.Encode(new StatusReport(DeviceState.Online, 1, 0, 0, 0, 0)), device: "dev-99");
        Assert.False(Verify(TopicKind.Status, bytes, out _, out var rejection, device: "dev-99"));
        Assert.Equal(RejectionReason.UnknownDevice, rejection.Reason);
        Assert.Contains("dev-99", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplayedSequence_RejectedOnlyAfterCommit()
    {
        Assert.True(Verify(TopicKind.Alert, AlertMessage(5), out var first, out _));
        Assert.True(Verify(TopicKind.Alert, AlertMessage(5), out _, out _)); // not committed yet: a redelivery is still acceptable
        _verifier.Commit(first!);

        Assert.False(Verify(TopicKind.Alert, AlertMessage(5), out _, out var same));
        Assert.Equal(RejectionReason.Replayed, same.Reason);
        Assert.False(Verify(TopicKind.Alert, AlertMessage(4), out _, out var older));
        Assert.Equal(RejectionReason.Replayed, older.Reason);
        Assert.True(Accept(TopicKind.Alert, AlertMessage(9), out _)); // gaps are allowed
    }

    [Fact]
    public void ReplayedSequence_AuthenticAndFresh_HandsBackTheMessage_ButNotForAStaleOneOrAWill()
    {
        Assert.True(Accept(TopicKind.Alert, AlertMessage(9), out _));

        // Below the highest, authentic, fresh: rejected as Replayed, with the message for the caller to look up.
        Assert.False(Verify(TopicKind.Alert, AlertMessage(4), out var late, out var rejection));
        Assert.Equal(RejectionReason.Replayed, rejection.Reason);
        Assert.Equal(4, late!.Envelope.Sequence);
        Assert.Equal(TestAlerts.Sample(), late.Alert);

        // A stale one is not handed back, nor a replayed will, nor a forged one.
        Assert.False(Verify(TopicKind.Alert, AlertMessage(3, Wire.Now.AddDays(-2)), out var stale, out var staleRejection));
        Assert.Equal(RejectionReason.Replayed, staleRejection.Reason);
        Assert.Null(stale);
        var will = Wire.Encode(TopicKind.Status, 10, StatusCodec.Encode(new StatusReport(DeviceState.Offline, 10, 0, 0, 0, 0, "last will")));
        Assert.True(Accept(TopicKind.Status, will, out _));
        Assert.False(Verify(TopicKind.Status, will, out var replayedWill, out _));
        Assert.Null(replayedWill);
        Assert.False(Verify(TopicKind.Alert, AlertMessage(2, key: SigningKey.FromBytes(new byte[32])), out var forged, out var forgedRejection));
        Assert.Equal(RejectionReason.BadSignature, forgedRejection.Reason);
        Assert.Null(forged);
    }

    [Fact]
    public void StaleTimestamps_RejectedBeyondSkewAndAge()
    {
        Assert.False(Verify(TopicKind.Alert, AlertMessage(1, Wire.Now.AddMinutes(5).AddMilliseconds(1)), out _, out var future));
        Assert.Equal(RejectionReason.Stale, future.Reason);
        Assert.Contains("ahead", future.Message, StringComparison.Ordinal);
        Assert.True(Verify(TopicKind.Alert, AlertMessage(1, Wire.Now.AddMinutes(5)), out _, out _));

        Assert.False(Verify(TopicKind.Alert, AlertMessage(1, Wire.Now.AddDays(-1).AddMilliseconds(-1)), out _, out var old));
        Assert.Equal(RejectionReason.Stale, old.Reason);
        Assert.True(Verify(TopicKind.Alert, AlertMessage(1, Wire.Now.AddDays(-1)), out _, out _));

        _time.Advance(TimeSpan.FromDays(2));
        Assert.False(Verify(TopicKind.Alert, AlertMessage(1, Wire.Now), out _, out var later));
        Assert.Equal(RejectionReason.Stale, later.Reason);
    }

    [Fact]
    public void LastWill_AcceptedOnceForItsSession_EvenWhenOldAndBelowHighest()
    {
        // Connect: will reserved with sequence 10, online status 11, alerts 12..13; then the link dies.
        var will = Wire.Encode(TopicKind.Status, 10, StatusCodec.Encode(new StatusReport(DeviceState.Offline, 10, 0, 0, 0, 0, "last will")));
        Assert.True(Accept(TopicKind.Status, Wire.Encode(TopicKind.Status, 11, StatusCodec.Encode(new StatusReport(DeviceState.Online, 10, 0, 0, 0, 0))), out _));
        Assert.True(Accept(TopicKind.Alert, AlertMessage(12), out _));
        Assert.True(Accept(TopicKind.Alert, AlertMessage(13), out _));
        _time.Advance(TimeSpan.FromDays(3)); // the will is older than MaxAge when the broker publishes it

        Assert.True(Accept(TopicKind.Status, will, out var rejection), rejection.Message);
        Assert.False(Verify(TopicKind.Status, will, out _, out var again));
        Assert.Equal(RejectionReason.Replayed, again.Reason);

        // The will does not raise the highest sequence: an alert sent before the link died but not delivered still passes.
        Assert.True(Accept(TopicKind.Alert, AlertMessage(14, Wire.Now.AddDays(3)), out var resent), resent.Message);
        Assert.Equal(14, _verifier.Guard.HighestSequence(Wire.Fleet, Wire.Device));
    }

    [Fact]
    public void OfflineStatusOfAnotherSession_NotTreatedAsWill()
    {
        Assert.True(Accept(TopicKind.Status, Wire.Encode(TopicKind.Status, 11, StatusCodec.Encode(new StatusReport(DeviceState.Online, 10, 0, 0, 0, 0))), out _));
        var foreignWill = Wire.Encode(TopicKind.Status, 7, StatusCodec.Encode(new StatusReport(DeviceState.Offline, 7, 0, 0, 0, 0)));
        Assert.False(Verify(TopicKind.Status, foreignWill, out _, out var rejection));
        Assert.Equal(RejectionReason.Replayed, rejection.Reason);
    }

    [Fact]
    public void Command_VerifiedWithTheOperatorKeyNotTheDeviceKey()
    {
        var body = CommandCodec.Encode(new DeviceCommand(CommandKind.RunCanaries, "op-1", "alice"));
        Assert.True(Verify(TopicKind.Command, Wire.Encode(TopicKind.Command, 1, body, key: Wire.OperatorKey), out var message, out _));
        Assert.Equal(CommandKind.RunCanaries, message!.Command!.Command);

        Assert.False(Verify(TopicKind.Command, Wire.Encode(TopicKind.Command, 1, body, key: Wire.DeviceKey), out _, out var rejection));
        Assert.Equal(RejectionReason.BadSignature, rejection.Reason);
    }

    [Fact]
    public void Fingerprint_AcceptedWithDecodedReport()
    {
        var report = new FingerprintReport(TestFingerprints.ModelHash, Wire.Now.AddMinutes(-1), Wire.Now, 1, TestFingerprints.Training);
        Assert.True(Verify(TopicKind.Fingerprint, Wire.Encode(TopicKind.Fingerprint, 1, FingerprintReportCodec.Encode(report)), out var message, out var rejection), rejection.Message);
        Assert.Equal(TestFingerprints.Training.ObservationCount, message!.Fingerprint!.Fingerprint.ObservationCount);
    }

    [Fact]
    public void Fingerprint_FromMemory_PayloadNotCopied_ValidatedAndDecodedOnFirstUse()
    {
        var report = new FingerprintReport(TestFingerprints.ModelHash, Wire.Now.AddMinutes(-1), Wire.Now, 1, TestFingerprints.Training);
        var wire = Wire.Encode(TopicKind.Fingerprint, 1, FingerprintReportCodec.Encode(report));

        Assert.True(_verifier.TryVerify(Wire.Address(TopicKind.Fingerprint).Topic, wire.AsMemory(), Wire.Props(TopicKind.Fingerprint), out var message, out var rejection), rejection.Message);

        Assert.True(wire.AsSpan().Overlaps(message.Envelope.Payload)); // the envelope refers to the message received
        Assert.Equal(TestFingerprints.Training.ObservationCount, message.Fingerprint!.ObservationCount);
        Assert.Equal(TestFingerprints.Training.ToBytes(), message.Fingerprint.Fingerprint.ToBytes());
    }

    [Fact]
    public void TryVerify_MemoryAndSpan_SameOutcomeOnMutatedMessages()
    {
        var fingerprint = Wire.Encode(TopicKind.Fingerprint, 2, FingerprintReportCodec.Encode(new FingerprintReport(TestFingerprints.ModelHash, Wire.Now.AddMinutes(-1), Wire.Now, 1, TestFingerprints.Training)));
        var random = new Random(3);
        var accepted = 0;
        for (var i = 0; i < 1500; i++)
        {
            var (kind, original) = i % 3 == 0 ? (TopicKind.Alert, AlertMessage(1 + i)) : (TopicKind.Fingerprint, fingerprint);
            var bytes = i % 50 == 0 ? original : (byte[])original.Clone();
            if (i % 50 != 0)
            {
                if (random.Next(2) == 0)
                {
                    bytes = bytes[..random.Next(bytes.Length)];
                }
                else
                {
                    bytes[random.Next(Math.Min(bytes.Length, random.Next(2) == 0 ? 64 : bytes.Length))] ^= (byte)(1 << random.Next(8));
                }
            }

            var topic = Wire.Address(kind).Topic;
            var bySpan = _verifier.TryVerify(topic, bytes.AsSpan(), Wire.Props(kind), out var m1, out var r1);
            var byMemory = _verifier.TryVerify(topic, bytes.AsMemory(), Wire.Props(kind), out var m2, out var r2);

            Assert.Equal((bySpan, r1.Reason, r1.Message), (byMemory, r2.Reason, r2.Message));
            Assert.Equal(m1?.Envelope.Payload.ToArray(), m2?.Envelope.Payload.ToArray());
            accepted += bySpan ? 1 : 0;
        }

        Assert.InRange(accepted, 30, 1400);
    }

    [Fact]
    public void AuthenticateThenCheckReplay_SameOutcomeAsTryVerify_OnValidReplayedStaleAndMutatedMessages()
    {
        // Two verifiers over the same keys, each with its own guard, see the same stream; what each accepts is committed,
        // so later copies of a sequence are replays. The split one must answer exactly as TryVerify: verdict, reason, text,
        // and whether the authentic message is handed back (a redelivery).
        var split = new InboundVerifier(
            a => a.Kind == TopicKind.Command ? Wire.OperatorKey : a.Device == Wire.Device ? Wire.DeviceKey : null,
            new ReplayGuard(_time, new ReplayGuardOptions { MaxClockSkew = TimeSpan.FromMinutes(5), MaxAge = TimeSpan.FromDays(1) }));
        var random = new Random(11);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < 2000; i++)
        {
            var sequence = random.Next(3) == 0 ? 1 + random.Next(i + 1) : i + 1; // mostly new, else a copy of an earlier one
            var timestamp = random.Next(8) switch { 0 => Wire.Now.AddDays(-2), 1 => Wire.Now.AddHours(1), _ => Wire.Now };
            var bytes = random.Next(6) == 0 ? AlertMessage(sequence, timestamp, SigningKey.FromBytes(new byte[32])) : AlertMessage(sequence, timestamp);
            if (random.Next(5) == 0)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            }

            var topic = Wire.Address(TopicKind.Alert).Topic;
            var expected = _verifier.TryVerify(topic, bytes.AsSpan(), Wire.Props(TopicKind.Alert), out var m1, out var r1);
            bool actual;
            InboundMessage? m2 = null;
            Rejection r2;
            if (split.TryAuthenticate(topic, bytes.AsMemory(), Wire.Props(TopicKind.Alert), out var authentic, out r2))
            {
                actual = split.TryCheckReplay(authentic, out r2, out var redelivery);
                m2 = actual || redelivery ? authentic : null;
            }
            else
            {
                actual = false;
            }

            Assert.Equal((expected, r1.Reason, r1.Message), (actual, r2.Reason, r2.Message));
            Assert.Equal(m1 is null, m2 is null);
            Assert.Equal(m1?.Envelope.Sequence, m2?.Envelope.Sequence);
            if (expected)
            {
                _verifier.Commit(m1!);
                split.Commit(m2!);
            }

            var outcome = expected ? "accepted" : m1 is not null ? "redelivery" : r1.Reason.ToString();
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        // Every path was taken: accepted, authentic redeliveries, replays, stale (both sides), forged, malformed.
        foreach (var outcome in new[] { "accepted", "redelivery", nameof(RejectionReason.Replayed), nameof(RejectionReason.Stale), nameof(RejectionReason.BadSignature), nameof(RejectionReason.Malformed) })
        {
            Assert.True(outcomes.GetValueOrDefault(outcome) >= 5, $"{outcome}: {outcomes.GetValueOrDefault(outcome)} ({string.Join(", ", outcomes)})");
        }
    }

    [Fact]
    public void TryAuthenticate_LeavesSequenceAndAgeToTryCheckReplay()
    {
        Assert.True(Accept(TopicKind.Alert, AlertMessage(5), out var first), first.Message);
        var topic = Wire.Address(TopicKind.Alert).Topic;

        // The same sequence again: authentic; the replay check calls it a redelivery (fresh), not an acceptance.
        Assert.True(_verifier.TryAuthenticate(topic, AlertMessage(5), Wire.Props(TopicKind.Alert), out var again, out var rejection), rejection.Message);
        Assert.False(_verifier.TryCheckReplay(again, out rejection, out var redelivery));
        Assert.Equal(RejectionReason.Replayed, rejection.Reason);
        Assert.True(redelivery);

        // Two days old: authentic, refused as stale by the replay check alone, and no redelivery.
        Assert.True(_verifier.TryAuthenticate(topic, AlertMessage(6, Wire.Now.AddDays(-2)), Wire.Props(TopicKind.Alert), out var old, out rejection), rejection.Message);
        Assert.False(_verifier.TryCheckReplay(old, out rejection, out redelivery));
        Assert.Equal(RejectionReason.Stale, rejection.Reason);
        Assert.False(redelivery);

        // A forged one never gets as far.
        Assert.False(_verifier.TryAuthenticate(topic, AlertMessage(7, key: SigningKey.FromBytes(new byte[32])), Wire.Props(TopicKind.Alert), out var forged, out rejection));
        Assert.Null(forged);
        Assert.Equal(RejectionReason.BadSignature, rejection.Reason);
    }

    [Fact]
    public void Alert_FromMemory_BodyNotCopied_EnvelopeKeepsTheReceivedTopic()
    {
        var wire = AlertMessage(1);
        var topic = Wire.Address(TopicKind.Alert).Topic;
        Assert.True(_verifier.TryVerify(topic, wire.AsMemory(), Wire.Props(TopicKind.Alert), out var message, out var rejection), rejection.Message);
        Assert.True(wire.AsSpan().Overlaps(message.Envelope.Payload));
        Assert.Equal(AlertCodec.Encode(TestAlerts.Sample()), message.Envelope.Payload.ToArray());
        Assert.Same(topic, message.Envelope.Topic);

        // From a span the body is copied (the caller may reuse its buffer).
        Assert.True(_verifier.TryVerify(topic, wire.AsSpan(), Wire.Props(TopicKind.Alert), out var copied, out rejection), rejection.Message);
        Assert.False(wire.AsSpan().Overlaps(copied.Envelope.Payload));
        Assert.Equal(message.Envelope.Payload.ToArray(), copied.Envelope.Payload.ToArray());
    }

    [Fact]
    public void WrongSchemaVersionInEnvelope_UnsupportedVersion()
    {
        var text = Wire.Text(AlertMessage(1)).Replace("{\"v\":1,", "{\"v\":2,", StringComparison.Ordinal);
        Assert.False(Verify(TopicKind.Alert, Wire.Bytes(text), out _, out var rejection));
        Assert.Equal(RejectionReason.UnsupportedVersion, rejection.Reason);
    }
}
