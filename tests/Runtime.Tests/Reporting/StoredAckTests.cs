using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Tests.Support;
using EdgeSentinel.Protocol.Topics;
using EdgeSentinel.Runtime.Reporting;
using EdgeSentinel.Runtime.Tests.Reporting.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeSentinel.Runtime.Tests.Reporting;

/// <summary>The end-to-end stored acknowledgement: its codec, the outbox's brokered state, and the reporter keeping alerts until an ack covers them.</summary>
public sealed class StoredAckTests : IDisposable
{
    private const string Fleet = "fleet-1";
    private const string Device = "robot-7";
    private static readonly SigningKey Key = SigningKey.FromBytes(Enumerable.Range(11, 32).Select(i => (byte)i).ToArray());
    private static readonly SigningKey OtherKey = SigningKey.FromBytes(Enumerable.Range(12, 32).Select(i => (byte)i).ToArray());

    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero));

    public void Dispose() => _folder.Dispose();

    private static SequenceRange[] Ranges(params long[] bounds) => [.. bounds.Chunk(2).Select(p => new SequenceRange(p[0], p[1]))];

    [Fact]
    public void Codec_RoundTrip_AndTheSignatureBindsKeyFleetAndDevice()
    {
        var body = StoredAck.Encode(Key, Fleet, Device, Ranges(3, 5, 41, 41));
        Assert.StartsWith("{\"v\":1,\"stored\":[[3,5],[41,41]],\"sig\":\"", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        Assert.True(StoredAck.TryDecode(Key, Fleet, Device, body, out var ranges, out var rejection), rejection.Message);
        Assert.Equal(Ranges(3, 5, 41, 41), ranges);

        Assert.False(StoredAck.TryDecode(OtherKey, Fleet, Device, body, out _, out rejection));
        Assert.Equal(RejectionReason.BadSignature, rejection.Reason);
        Assert.False(StoredAck.TryDecode(Key, Fleet, "robot-8", body, out _, out rejection)); // another device's topic
        Assert.Equal(RejectionReason.BadSignature, rejection.Reason);

        // A changed or widened range keeps the old signature: refused.
        foreach (var (from, to) in new[] { ("[3,5]", "[3,6]"), ("[3,5]", "[2,5]"), ("[41,41]", "[41,4100]") })
        {
            var forged = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace(from, to, StringComparison.Ordinal));
            Assert.False(StoredAck.TryDecode(Key, Fleet, Device, forged, out _, out rejection));
            Assert.Equal(RejectionReason.BadSignature, rejection.Reason);
        }
    }

    [Fact]
    public void Group_SortsMergesAndSplitsIntoAcksOfAtMostMaxRanges()
    {
        // Hand-derived: {1,2,3} {5} {7,8} from an unordered list with a repeat.
        var groups = StoredAck.Group([8, 2, 5, 1, 3, 7, 2]);
        Assert.Equal([Ranges(1, 3, 5, 5, 7, 8)], groups.Select(g => g.ToArray()));

        // 130 isolated odd numbers: 130 ranges, split 64 + 64 + 2, each a valid ack of its own.
        var odd = Enumerable.Range(0, 130).Select(i => 2L * i + 1).Reverse().ToList();
        groups = StoredAck.Group(odd);
        Assert.Equal([64, 64, 2], groups.Select(g => g.Count));
        Assert.Equal(odd.Order(), groups.SelectMany(g => g).Select(r => r.From));
        foreach (var g in groups)
        {
            Assert.True(StoredAck.TryDecode(Key, Fleet, Device, StoredAck.Encode(Key, Fleet, Device, g), out var back, out var rejection), rejection.Message);
            Assert.Equal(g, back);
        }

        Assert.Empty(StoredAck.Group([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => StoredAck.Group([-1]));
    }

    [Fact]
    public void Encode_InvalidRanges_ThrowNamingTheProblem()
    {
        Assert.Contains("0 ranges", Assert.Throws<ArgumentException>(() => StoredAck.Encode(Key, Fleet, Device, [])).Message, StringComparison.Ordinal);
        Assert.Contains("range 0 [5,4]", Assert.Throws<ArgumentException>(() => StoredAck.Encode(Key, Fleet, Device, Ranges(5, 4))).Message, StringComparison.Ordinal);
        Assert.Contains("range 1 [6,7]", Assert.Throws<ArgumentException>(() => StoredAck.Encode(Key, Fleet, Device, Ranges(1, 5, 6, 7))).Message, StringComparison.Ordinal); // touching: must be one range
        Assert.Contains("65 ranges", Assert.Throws<ArgumentException>(() => StoredAck.Encode(Key, Fleet, Device, [.. Enumerable.Range(0, 65).Select(i => new SequenceRange(2L * i, 2L * i))])).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", RejectionReason.Malformed)]
    [InlineData("[1]", RejectionReason.Malformed)]
    [InlineData("{\"v\":1,\"stored\":[[3,3]]", RejectionReason.Malformed)]
    [InlineData("{\"v\":1,\"stored\":[[3,3]],\"sig\":\"AA==\"} x", RejectionReason.Malformed)]
    [InlineData("{\"v\":2,\"stored\":[[3,3]],\"sig\":\"AA==\"}", RejectionReason.UnsupportedVersion)]
    [InlineData("{\"stored\":[[3,3]],\"sig\":\"AA==\"}", RejectionReason.InvalidField)]
    [InlineData("{\"v\":1,\"sig\":\"AA==\"}", RejectionReason.InvalidField)]
    [InlineData("{\"v\":1,\"through\":3,\"sig\":\"AA==\"}", RejectionReason.InvalidField)] // the earlier "stored through N" form is not trusted
    [InlineData("{\"v\":1,\"stored\":[],\"sig\":\"AA==\"}", RejectionReason.InvalidField)]
    [InlineData("{\"v\":1,\"stored\":[[-3,3]],\"sig\":\"AA==\"}", RejectionReason.InvalidField)]
    [InlineData("{\"v\":1,\"stored\":[[4,3]],\"sig\":\"AA==\"}", RejectionReason.InvalidField)]
    [InlineData("{\"v\":1,\"stored\":[[1,3],[3,5]],\"sig\":\"AA==\"}", RejectionReason.InvalidField)]
    [InlineData("{\"v\":1,\"stored\":[[5,6],[1,2]],\"sig\":\"AA==\"}", RejectionReason.InvalidField)]
    [InlineData("{\"v\":1,\"stored\":[[1,2,3]],\"sig\":\"AA==\"}", RejectionReason.InvalidField)]
    [InlineData("{\"v\":1,\"stored\":[3],\"sig\":\"AA==\"}", RejectionReason.InvalidField)]
    [InlineData("{\"v\":1,\"stored\":[[3,3]],\"sig\":\"AA==\",\"extra\":1}", RejectionReason.InvalidField)]
    [InlineData("{\"v\":1,\"stored\":[[3,3]],\"sig\":\"not base64!\"}", RejectionReason.InvalidField)]
    [InlineData("{\"v\":1,\"stored\":[[3,3]],\"sig\":\"AA==\"}", RejectionReason.BadSignature)]
    public void Codec_BadBodies_RejectedWithTheirReason(string json, RejectionReason reason)
    {
        Assert.False(StoredAck.TryDecode(Key, Fleet, Device, Encoding.UTF8.GetBytes(json), out _, out var rejection));
        Assert.Equal(reason, rejection.Reason);
        Assert.False(string.IsNullOrEmpty(rejection.Message));
    }

    [Fact]
    public void Codec_Oversized_Rejected()
    {
        Assert.False(StoredAck.TryDecode(Key, Fleet, Device, new byte[StoredAck.MaxBodyBytes + 1], out _, out var rejection));
        Assert.Equal(RejectionReason.Oversized, rejection.Reason);
    }

    [Theory]
    [InlineData("edgesentinel/v1/fleet-1/robot-7/ack", true)]
    [InlineData("edgesentinel/v1/fleet-1/robot-7/alert", false)]
    [InlineData("edgesentinel/v1/fleet-1/ack", false)]
    [InlineData("edgesentinel/v1/fleet-1/+/ack", false)]
    [InlineData("edgesentinel/v2/fleet-1/robot-7/ack", false)]
    [InlineData(null, false)]
    public void IsTopic_OnlyTheAckTopicOfValidIds(string? topic, bool expected)
    {
        Assert.Equal(expected, StoredAck.IsTopic(topic));
        if (expected)
        {
            Assert.Equal(topic, StoredAck.Topic(Fleet, Device));
        }
    }

    [Fact]
    public void Outbox_BrokeredEntriesStayCountedUntilAnAckNamesTheirSequence()
    {
        using var outbox = new SqliteOutbox(_folder.File("outbox.db"), 32, 64);
        var ids = Enumerable.Range(0, 4).Select(i => outbox.Append(TopicKind.Alert, [(byte)'{', (byte)('0' + i), (byte)'}'], i)).ToList();
        var cursor = 0L;
        for (var i = 0; i < 3; i++)
        {
            var entry = outbox.PeekAfter(cursor)!;
            Assert.Equal(ids[i], entry.Id);
            outbox.Seal(entry, seq => [(byte)seq]);
            outbox.MarkBrokered(entry.Id);
            cursor = entry.Id;
        }

        Assert.Equal(ids[3], outbox.PeekAfter(cursor)!.Id); // the next one to send in this session
        Assert.Equal(ids[0], outbox.PeekAfter(0)!.Id); // a new session starts again from the oldest
        var counts = outbox.Counts();
        Assert.Equal((4L, 3L, 4L), (counts.PendingAlerts, counts.AwaitingStoredAck, counts.NextSequence));

        Assert.Equal(ids[0], outbox.OldestBrokered());
        Assert.Equal(1, outbox.RemoveSequences([new SequenceRange(2, 2)])); // only sequence 2: 1, below it, stays
        Assert.Equal(ids[0], outbox.OldestBrokered());
        Assert.Equal(0, outbox.RemoveSequences([new SequenceRange(2, 2)]));
        counts = outbox.Counts();
        Assert.Equal((3L, 2L), (counts.PendingAlerts, counts.AwaitingStoredAck));
        Assert.Equal(2, outbox.RemoveSequences([new SequenceRange(1, 1), new SequenceRange(3, 100)])); // never-sent entries (no sequence) are not named
        Assert.Null(outbox.OldestBrokered());
        Assert.Equal(ids[3], outbox.PeekAfter(0)!.Id);
    }

    [Fact]
    public void Outbox_FileOfTheEarlierSchema_GainsTheBrokeredColumnAndKeepsItsEntries()
    {
        var path = _folder.File("old.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, created_ms INTEGER NOT NULL, body BLOB NOT NULL, sequence INTEGER NULL, wire BLOB NULL);
                INSERT INTO meta (key, value) VALUES ('next_sequence', 8), ('dropped_fingerprints', 0), ('coalesced_fingerprints', 0), ('highest_command', 0);
                INSERT INTO outbox (kind, created_ms, body, sequence, wire) VALUES (1, 5, X'7B7D', 7, X'01');
                """;
            command.ExecuteNonQuery();
        }

        using var outbox = new SqliteOutbox(path, 32, 64);
        var counts = outbox.Counts();
        Assert.Equal((1L, 0L, 8L), (counts.PendingAlerts, counts.AwaitingStoredAck, counts.NextSequence));
        var entry = outbox.PeekAfter(0)!;
        Assert.Equal(7L, entry.Sequence);
        outbox.MarkBrokered(entry.Id);
        Assert.Equal(1, outbox.Counts().AwaitingStoredAck);
    }

    [Fact]
    public async Task Reporter_KeepsAnAlertTheBrokerAcknowledged_UntilASignedAckCoversIt_ResendingItWithItsSequenceMeanwhile()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var sent = new ConcurrentQueue<long>();
        broker.OnPublish = m =>
        {
            if (m.Topic.EndsWith("/alert", StringComparison.Ordinal)
                && EnvelopeCodec.TryDecode(m.Topic, m.Payload.ToArray(), Collector.PropertiesOf(m), out var envelope, out _))
            {
                sent.Enqueue(envelope.Sequence);
            }
        };
        var options = new ReporterOptions
        {
            Fleet = Fleet,
            Device = Device,
            DeviceKey = Key,
            BrokerPort = broker.Port,
            OutboxPath = _folder.File("outbox.db"),
            InitialReconnectDelay = TimeSpan.FromSeconds(1),
            MaxReconnectDelay = TimeSpan.FromSeconds(8),
            AwaitStoredAck = true,
            StoredAckTimeout = TimeSpan.FromSeconds(20),
        };
        await using var reporter = new DeviceReporter(options, _time);
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(cts.Token);
        reporter.EnqueueAlert(TestAlerts.Sample(Device, first: 1));
        reporter.EnqueueAlert(TestAlerts.Sample(Device, first: 2));

        // The broker acknowledged both; they stay, awaiting the aggregator's word.
        await Eventually.HoldsAsync(() => reporter.Counts.AwaitingStoredAck == 2, "both alerts acknowledged by the broker");
        Assert.Equal(2, reporter.Counts.PendingAlerts);
        var first = sent.ToArray();
        Assert.Equal(2, first.Length);

        // No ack within StoredAckTimeout: both are sent again, with the same sequence numbers.
        await Eventually.HoldsAsync(() => reporter.Statistics.ResendPasses >= 1 && sent.Count >= 4, "resent after the timeout", _time, TimeSpan.FromSeconds(1), advanceWhile: () => reporter.Statistics.ResendPasses == 0);

        Assert.Equal(first.Concat(first), sent.Take(4));

        using var aggregator = new MqttClientFactory().CreateMqttClient();
        await aggregator.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("aggregator").WithProtocolVersion(MqttProtocolVersion.V500).Build());
        async Task AckAsync(byte[] body) => await aggregator.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(StoredAck.Topic(Fleet, Device)).WithPayload(body).WithRetainFlag(true).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        // Forged (another key) and ahead of anything sent: refused, nothing leaves.
        await AckAsync(StoredAck.Encode(OtherKey, Fleet, Device, Ranges(first[0], first[1])));
        await AckAsync(StoredAck.Encode(Key, Fleet, Device, Ranges(first[0], 1000)));
        await Eventually.HoldsAsync(() => reporter.Statistics.StoredAcksRejected == 2, "forged and future acks rejected");
        Assert.Equal(2, reporter.Counts.PendingAlerts);

        // Names the second alert only (another aggregator of a shared subscription stored it): the first, below it, stays.
        await AckAsync(StoredAck.Encode(Key, Fleet, Device, Ranges(first[1], first[1])));
        await Eventually.HoldsAsync(() => reporter.Counts.PendingAlerts == 1, "the second alert named");
        Assert.Equal(1, reporter.Counts.AwaitingStoredAck);
        var left = first[0];

        // That ack was no progress for the oldest waiting alert: it is sent again after StoredAckTimeout all the same.
        var passes = reporter.Statistics.ResendPasses;
        var sentBefore = sent.Count;
        await Eventually.HoldsAsync(() => reporter.Statistics.ResendPasses > passes && sent.Count > sentBefore, "the oldest resent although a newer one was named", _time, TimeSpan.FromSeconds(1), advanceWhile: () => reporter.Statistics.ResendPasses == passes);
        Assert.Equal([left], sent.Skip(sentBefore).Distinct());

        // A new session (the in-process broker restarted empty) resends what is still in the outbox: only the uncovered alert.
        var before = sent.Count;
        await broker.StopAsync();
        await broker.StartAsync();
        await Eventually.HoldsAsync(() => reporter.Statistics.Sessions >= 2 && sent.Count > before, "resent in the new session", _time, TimeSpan.FromSeconds(1), advanceWhile: () => reporter.Statistics.Sessions < 2);
        Assert.Equal([left], sent.Skip(before).Distinct());

        using var aggregator2 = new MqttClientFactory().CreateMqttClient();
        await aggregator2.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("aggregator").WithProtocolVersion(MqttProtocolVersion.V500).Build());
        await aggregator2.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(StoredAck.Topic(Fleet, Device)).WithPayload(StoredAck.Encode(Key, Fleet, Device, Ranges(left, left))).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Eventually.HoldsAsync(() => reporter.Counts.PendingAlerts == 0, "the second alert covered");
        Assert.Equal(0, reporter.Counts.AwaitingStoredAck);
        Assert.True(reporter.Statistics.StoredAcks >= 2);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Reporter_WithoutAwaitStoredAck_BrokerAcknowledgementIsEnough_AndAnIdleReporterPublishesNoStatusStorm()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var statuses = 0;
        broker.OnPublish = m =>
        {
            if (m.Topic.EndsWith("/status", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref statuses);
            }
        };
        var options = new ReporterOptions { Fleet = Fleet, Device = Device, DeviceKey = Key, BrokerPort = broker.Port, OutboxPath = _folder.File("outbox.db"), AwaitStoredAck = false };
        await using var reporter = new DeviceReporter(options, _time);
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(cts.Token);
        reporter.EnqueueAlert(TestAlerts.Sample(Device, first: 1));
        await Eventually.HoldsAsync(() => reporter.Statistics.Acknowledged == 1 && reporter.Counts.Depth == 0, "acknowledged");
        Assert.Equal(0, reporter.Counts.Depth);
        Assert.Equal(0, reporter.Counts.AwaitingStoredAck);

        // Idle and connected (the fake clock stands still): a status when the counts change, not one per sequence
        // number the previous status took (that made an endless loop of statuses).
        reporter.EnqueueAlert(TestAlerts.Sample(Device, first: 2));
        await Eventually.HoldsAsync(() => reporter.Statistics.Acknowledged == 2, "second acknowledged");
        reporter.EnqueueAlert(TestAlerts.Sample(Device, first: 3));
        await Eventually.HoldsAsync(() => reporter.Statistics.Acknowledged == 3, "third acknowledged");
        Assert.InRange(Volatile.Read(ref statuses), 1, 4); // online, and at most one per settled change
        Assert.InRange(reporter.Counts.NextSequence, 4, 9);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Options_AwaitStoredAckIsTheDefault()
    {
        Assert.True(new ReporterOptions().AwaitStoredAck);
    }

    [Fact]
    public void Options_StoredAckTimeoutMustBePositive()
    {
        var options = new ReporterOptions { Fleet = Fleet, Device = Device, DeviceKey = Key, OutboxPath = "x.db", StoredAckTimeout = TimeSpan.Zero };
        Assert.Contains(options.Validate(), p => p.StartsWith("StoredAckTimeout", StringComparison.Ordinal));
    }
}
