using System.Buffers;
using System.Text;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol.Envelopes;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeSentinel.Cloud.Tests.Ingest;

/// <summary>
/// The connection reading PUBLISH packets itself (<see cref="WindowedChannel"/> with an <see cref="IPublishReceiver"/>,
/// <see cref="PublishPacket"/>): what it hands the ingest is what MQTTnet's own decoder makes of the same bytes (the
/// packets are MQTTnet's encoder's output), everything else — and every PUBLISH it declines — reaches MQTTnet unchanged
/// and in order, and the receive window counts each PUBLISH once with its size on the wire.
/// </summary>
public sealed class PublishReadingTests
{
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task RandomPacketsInRandomChunks_PublishesToTheReceiver_EverythingElseToMqttNet_EachCountedOnce(int seed)
    {
        var random = new Random(seed);
        var packets = new List<MqttPacket>();
        for (var i = 0; i < 400; i++)
        {
            packets.Add(random.Next(8) switch
            {
                0 => MqttPingRespPacket.Instance,
                1 => new MqttPubAckPacket { PacketIdentifier = (ushort)(i + 1) },
                // Bodies across the 1-, 2- and 3-byte remaining lengths, some larger than the read buffer (4 KiB here).
                _ => RandomPublish(random, i, random.Next(5) switch { 0 => random.Next(0, 90), 1 => random.Next(100, 3_000), 2 => random.Next(3_000, 16_000), 3 => random.Next(16_384, 70_000), _ => random.Next(600, 700) }),
            });
        }

        var (wire, sizes) = Encode(packets);
        var window = new ReceiveWindow(long.MaxValue, int.MaxValue);
        var receiver = new Receiver();
        var channel = new WindowedChannel(new ChunkedChannel(wire, new Random(seed + 100), maxChunk: 9_000), window, () => { }, Stall, new FakeTimeProvider(), readBufferSize: 4096 + seed, publishes: receiver);
        using var adapter = Adapter(channel);

        var toMqttNet = new List<MqttPacket>();
        while (await adapter.ReceivePacketAsync(CancellationToken.None) is { } packet)
        {
            toMqttNet.Add(packet);
        }

        var declined = packets.Select((p, i) => (Packet: p, Size: sizes[i])).Where(x => x.Packet is MqttPublishPacket { QualityOfServiceLevel: MqttQualityOfServiceLevel.ExactlyOnce }).ToList();
        var read = packets.Select((p, i) => (Packet: p, Size: sizes[i])).Where(x => x.Packet is MqttPublishPacket { QualityOfServiceLevel: not MqttQualityOfServiceLevel.ExactlyOnce }).ToList();
        Assert.True(declined.Count > 10 && read.Count > 200, $"{declined.Count} declined, {read.Count} read: the seed covers both");

        // The receiver: every PUBLISH it can take, in order, as MQTTnet decodes it.
        Assert.Equal(read.Count, receiver.Publishes.Count);
        for (var i = 0; i < read.Count; i++)
        {
            var expected = (MqttPublishPacket)read[i].Packet;
            var got = receiver.Publishes[i];
            Assert.Equal(expected.Topic, got.Topic);
            Assert.Equal(expected.Payload.ToArray(), got.Payload.ToArray());
            Assert.Equal((int)expected.QualityOfServiceLevel, got.QualityOfService);
            Assert.Equal(expected.Retain, got.Retain);
            Assert.Equal(expected.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce ? 0 : expected.PacketIdentifier, got.PacketIdentifier);
            Assert.Equal(expected.ContentType, got.Properties.ContentType);
            Assert.Equal(FirstUserProperty(expected, WireFormat.VersionProperty), got.Properties.SchemaVersion);
            Assert.Equal(FirstUserProperty(expected, WireFormat.EncodingProperty), got.Properties.Encoding);
            Assert.Equal(read[i].Size, got.WireBytes);
            Assert.Same(channel, got.Channel);
        }

        // MQTTnet: everything else, in order, including the declined PUBLISHes.
        var others = packets.Where(p => p is not MqttPublishPacket { QualityOfServiceLevel: not MqttQualityOfServiceLevel.ExactlyOnce }).ToList();
        Assert.Equal(others.Select(p => p.GetType()), toMqttNet.Select(p => p.GetType()));
        for (var i = 0; i < others.Count; i++)
        {
            switch (others[i])
            {
                case MqttPublishPacket publish:
                    var got = (MqttPublishPacket)toMqttNet[i];
                    Assert.Equal(publish.Topic, got.Topic);
                    Assert.Equal(publish.PacketIdentifier, got.PacketIdentifier);
                    Assert.Equal(publish.Payload.ToArray(), got.Payload.ToArray());
                    break;
                case MqttPubAckPacket ack:
                    Assert.Equal(ack.PacketIdentifier, ((MqttPubAckPacket)toMqttNet[i]).PacketIdentifier);
                    break;
            }
        }

        // The window: every PUBLISH once with its wire size; only MQTTnet's have their size queued for its handler.
        Assert.Equal(declined.Count + read.Count, window.Messages);
        Assert.Equal(declined.Sum(x => x.Size) + read.Sum(x => x.Size), window.Bytes);
        Assert.Equal(declined.Select(x => x.Size), declined.Select(_ => window.TakeSize()));
        Assert.Equal(0, window.TakeSize());
        Assert.Equal(0, window.Pauses);
    }

    [Fact]
    public async Task WindowFull_ReaderStopsBeforeTheNextPublish_OtherPacketsStillReachMqttNet_GoesOnWhenOneIsSettled()
    {
        var random = new Random(7);
        var packets = new List<MqttPacket> { Publish("edgesentinel/v1/f/d1/alert", 500, 1), Publish("edgesentinel/v1/f/d1/alert", 600, 2), MqttPingRespPacket.Instance, Publish("edgesentinel/v1/f/d1/alert", 700, 3) };
        var (wire, sizes) = Encode(packets);
        var window = new ReceiveWindow(long.MaxValue, 2);
        var receiver = new Receiver();
        var channel = new WindowedChannel(new ChunkedChannel(wire, random, maxChunk: wire.Length), window, () => { }, Stall, new FakeTimeProvider(), publishes: receiver);
        using var adapter = Adapter(channel);

        Assert.IsType<MqttPingRespPacket>(await adapter.ReceivePacketAsync(CancellationToken.None)); // past two PUBLISHes, taken by the receiver
        Assert.Equal([1, 2], receiver.Publishes.Select(p => (int)p.PacketIdentifier));
        var next = adapter.ReceivePacketAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(window.Pauses == 1), "the reader stopped at the full window");
        Assert.Equal(2, receiver.Count);
        Assert.Equal(2, window.Messages);
        Assert.Equal(sizes[0] + sizes[1], window.Bytes);

        window.Release(receiver.Publishes[0].WireBytes); // the first message settled
        Assert.Null(await next); // the third PUBLISH went to the receiver, then the connection ended
        Assert.Equal([1, 2, 3], receiver.Publishes.Select(p => (int)p.PacketIdentifier));
        Assert.Equal(700, receiver.Publishes[2].Payload.Length);
        Assert.Equal(sizes[1] + sizes[3], window.Bytes);
    }

    [Fact]
    public void TryRead_DeclinesWhatMqttNetMustHandle_TakesTheRest()
    {
        var reader = new PublishPacket();
        var channel = new WindowedChannel(new ChunkedChannel([], new Random(1), 1), new ReceiveWindow(long.MaxValue, int.MaxValue), () => { }, Stall, new FakeTimeProvider());
        var topic = "edgesentinel/v1/f/d/alert"u8.ToArray();
        byte[] payload = [1, 2, 3];

        // Well-formed, with every property a PUBLISH may carry, in an unusual order, and two es-version values (the first counts).
        var all = Packet(0x32, topic, 7, [
            .. Property(0x26, [.. Utf8("es-version"), .. Utf8("2")]),
            0x01, 0x01,
            0x02, 0, 0, 0, 60,
            .. Property(0x08, Utf8("reply/here")),
            .. Property(0x09, [0, 2, 0xFF, 0xFE]),
            0x0B, 0x81, 0x01,
            .. Property(0x03, Utf8("application/json")),
            .. Property(0x26, [.. Utf8("es-version"), .. Utf8("3")]),
            .. Property(0x26, [.. Utf8("es-encoding"), .. Utf8("json")])], payload);
        Assert.True(reader.TryRead(all, all[1] < 128 ? 2 : 3, owned: false, channel, out var publish));
        Assert.Equal(("edgesentinel/v1/f/d/alert", 1, (ushort)7, "application/json", "2", "json"), (publish.Topic, publish.QualityOfService, publish.PacketIdentifier, publish.Properties.ContentType, publish.Properties.SchemaVersion, publish.Properties.Encoding));
        Assert.Equal(payload, publish.Payload.ToArray());
        Assert.Equal(all.Length, publish.WireBytes);

        Assert.True(reader.TryRead(Packet(0x30 | 0x01, topic, null, [], []), 2, owned: false, channel, out var qos0)); // QoS 0, retained, no payload
        Assert.Equal((0, true, (ushort)0, 0), (qos0.QualityOfService, qos0.Retain, qos0.PacketIdentifier, qos0.Payload.Length));

        Assert.False(reader.TryRead(Packet(0x34, topic, 7, [], payload), 2, false, channel, out _)); // QoS 2
        Assert.False(reader.TryRead(Packet(0x36, topic, 7, [], payload), 2, false, channel, out _)); // QoS 3: malformed
        Assert.False(reader.TryRead(Packet(0x32, topic, 0, [], payload), 2, false, channel, out _)); // packet identifier 0
        Assert.False(reader.TryRead(Packet(0x32, [], 7, [0x23, 0, 1], payload), 2, false, channel, out _)); // topic alias, no topic
        Assert.False(reader.TryRead(Packet(0x32, topic, 7, [0x23, 0, 1], payload), 2, false, channel, out _)); // topic alias with a topic
        Assert.False(reader.TryRead(Packet(0x32, topic, 7, [0x11, 0, 0, 0, 1], payload), 2, false, channel, out _)); // session expiry: not a PUBLISH property
        Assert.False(reader.TryRead(Packet(0x32, [0x61, 0xC3, 0x28], 7, [], payload), 2, false, channel, out _)); // topic not UTF-8
        Assert.False(reader.TryRead(Packet(0x32, topic, 7, Property(0x26, [.. Utf8("es-version"), 0, 1, 0xFF]), payload), 2, false, channel, out _)); // a value not UTF-8
        Assert.False(reader.TryRead(Packet(0x32, topic, 7, [.. Property(0x03, Utf8("a")), .. Property(0x03, Utf8("b"))], payload), 2, false, channel, out _)); // content type twice
        Assert.False(reader.TryRead(Packet(0x32, topic, 7, [0x02, 0, 0], payload), 2, false, channel, out _)); // property cut short
        var cut = Packet(0x32, topic, 7, [], payload);
        Assert.False(reader.TryRead(cut.AsMemory(0, 2 + 2 + 5), 2, false, channel, out _)); // body ends inside the topic
    }

    [Fact]
    public void TryRead_RecurringTexts_OneStringEach_AndAlwaysTheRightOne()
    {
        var reader = new PublishPacket();
        var channel = new WindowedChannel(new ChunkedChannel([], new Random(1), 1), new ReceiveWindow(long.MaxValue, int.MaxValue), () => { }, Stall, new FakeTimeProvider());
        var random = new Random(5);
        var topics = Enumerable.Range(0, 300).Select(i => $"edgesentinel/v1/fleet-{i % 3}/device-{i}/alert").ToArray(); // more than the cache holds: slots collide
        var seen = new Dictionary<string, string>();
        var same = 0;
        for (var i = 0; i < 5000; i++)
        {
            var topic = topics[random.Next(i < 2500 ? 10 : topics.Length)];
            Assert.True(reader.TryRead(Packet(0x32, Utf8Bytes(topic), 1, [], [1]), 2, false, channel, out var publish));
            Assert.Equal(topic, publish.Topic);
            if (seen.TryGetValue(topic, out var before) && ReferenceEquals(before, publish.Topic))
            {
                same++;
            }

            seen[topic] = publish.Topic;
        }

        Assert.True(same > 2000, $"{same} of 5,000 topics were the string read before");
    }

    [Fact]
    public async Task SendPubAckAsync_TheBytesMqttNetsEncoderWrites_SentAtOnceOrGatheredInOrder()
    {
        var inner = new ChunkedChannel([], new Random(1), maxChunk: 1);
        var channel = new WindowedChannel(inner, new ReceiveWindow(long.MaxValue, int.MaxValue), () => { }, Stall, new FakeTimeProvider());
        using var adapter = Adapter(channel);

        await channel.SendPubAckAsync(258, CancellationToken.None);
        Assert.Equal(Encode([new MqttPubAckPacket { PacketIdentifier = 258 }]).Wire, Assert.Single(inner.Writes));

        channel.BeginGathering();
        await adapter.SendPacketAsync(new MqttPubAckPacket { PacketIdentifier = 1 }, CancellationToken.None);
        await channel.SendPubAckAsync(65535, CancellationToken.None);
        Assert.True(channel.TryGatherPubAck(3));
        await channel.FlushGatheredAsync(CancellationToken.None);
        Assert.Equal(Encode([new MqttPubAckPacket { PacketIdentifier = 1 }, new MqttPubAckPacket { PacketIdentifier = 65535 }, new MqttPubAckPacket { PacketIdentifier = 3 }]).Wire, inner.Writes[1]);
    }

    private static MqttPublishPacket RandomPublish(Random random, int i, int payloadBytes)
    {
        var payload = new byte[payloadBytes];
        random.NextBytes(payload);
        var qos = random.Next(10) switch { 0 => MqttQualityOfServiceLevel.AtMostOnce, 1 => MqttQualityOfServiceLevel.ExactlyOnce, _ => MqttQualityOfServiceLevel.AtLeastOnce };
        var properties = new List<MqttUserProperty>();
        for (var n = random.Next(4); n > 0; n--)
        {
            var name = random.Next(3) switch { 0 => WireFormat.VersionProperty, 1 => WireFormat.EncodingProperty, _ => "other" };
            var value = random.Next(4) switch { 0 => "1", 1 => "json", 2 => "binary", _ => "v" + random.Next(100) };
            properties.Add(new MqttUserProperty(name, Encoding.UTF8.GetBytes(value).AsMemory()));
        }

        return new MqttPublishPacket
        {
            Topic = $"edgesentinel/v1/fleet-{i % 3}/device-{random.Next(20)}/{(random.Next(2) == 0 ? "alert" : "fingerprint")}",
            Payload = new ReadOnlySequence<byte>(payload),
            QualityOfServiceLevel = qos,
            PacketIdentifier = qos == MqttQualityOfServiceLevel.AtMostOnce ? (ushort)0 : (ushort)(i + 1),
            Retain = random.Next(5) == 0,
            Dup = qos != MqttQualityOfServiceLevel.AtMostOnce && random.Next(5) == 0,
            ContentType = random.Next(4) == 0 ? null : random.Next(2) == 0 ? WireFormat.ContentTypeJson : "text/plain; ü",
            UserProperties = properties.Count == 0 ? null : properties,
            MessageExpiryInterval = random.Next(3) == 0 ? (uint)random.Next(1, 100_000) : 0,
            PayloadFormatIndicator = random.Next(3) == 0 ? MqttPayloadFormatIndicator.CharacterData : MqttPayloadFormatIndicator.Unspecified,
            ResponseTopic = random.Next(5) == 0 ? "reply/" + i : null,
            CorrelationData = random.Next(5) == 0 ? [(byte)i, 2, 3] : null,
            SubscriptionIdentifiers = random.Next(4) == 0 ? [(uint)random.Next(1, 300_000)] : null,
        };
    }

    private static MqttPublishPacket Publish(string topic, int payloadBytes, ushort identifier) => new()
    {
        Topic = topic,
        Payload = new ReadOnlySequence<byte>(new byte[payloadBytes]),
        QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
        PacketIdentifier = identifier,
    };

    private static string? FirstUserProperty(MqttPublishPacket packet, string name) =>
        packet.UserProperties?.FirstOrDefault(p => p.Name == name) is { } property ? Encoding.UTF8.GetString(property.ValueBuffer.Span) : null;

    /// <summary>A PUBLISH packet by hand: fixed header byte, a one- or two-byte remaining length, topic, identifier (unless null), properties, payload.</summary>
    private static byte[] Packet(byte first, byte[] topic, ushort? identifier, byte[] properties, byte[] payload)
    {
        List<byte> body = [(byte)(topic.Length >> 8), (byte)topic.Length, .. topic];
        if (identifier is { } id)
        {
            body.AddRange([(byte)(id >> 8), (byte)id]);
        }

        Assert.True(properties.Length < 128);
        body.Add((byte)properties.Length);
        body.AddRange(properties);
        body.AddRange(payload);
        Assert.True(body.Count < 128 * 128);
        return body.Count < 128 ? [first, (byte)body.Count, .. body] : [first, (byte)(0x80 | (body.Count & 0x7F)), (byte)(body.Count >> 7), .. body];
    }

    private static byte[] Property(byte id, byte[] value) => [id, .. value];

    private static byte[] Utf8(string text) => [(byte)(Encoding.UTF8.GetByteCount(text) >> 8), (byte)Encoding.UTF8.GetByteCount(text), .. Encoding.UTF8.GetBytes(text)];

    private static byte[] Utf8Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static (byte[] Wire, List<int> Sizes) Encode(IReadOnlyList<MqttPacket> packets) => MqttWire.Encode(packets);

    private static MqttChannelAdapter Adapter(IMqttChannel channel) => MqttWire.Adapter(channel);

    private sealed class Receiver : IPublishReceiver
    {
        private readonly List<ReceivedPublish> _publishes = [];

        public List<ReceivedPublish> Publishes
        {
            get
            {
                lock (_publishes)
                {
                    return [.. _publishes];
                }
            }
        }

        public int Count
        {
            get
            {
                lock (_publishes)
                {
                    return _publishes.Count;
                }
            }
        }

        public void OnPublish(in ReceivedPublish publish)
        {
            lock (_publishes)
            {
                _publishes.Add(publish);
            }
        }
    }
}
