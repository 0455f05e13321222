using System.Buffers;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeSentinel.Cloud.Tests.Ingest;

/// <summary>
/// <see cref="WindowedChannel"/> under MQTTnet's real <see cref="MqttChannelAdapter"/>: packets pass unchanged in any
/// chunking, every PUBLISH is counted with its size on the wire (the encoder's output length), and a full window
/// stops the reader at a packet boundary until room is made.
/// </summary>
public sealed class WindowedChannelTests
{
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomPacketsInRandomChunks_DecodedUnchanged_EachPublishCountedWithItsWireSize(int seed)
    {
        var random = new Random(seed);
        var packets = new List<MqttPacket>();
        for (var i = 0; i < 300; i++)
        {
            // Bodies across the 1-, 2- and 3-byte remaining-length encodings (< 128, < 16,384, larger), and the
            // packets an ingest also receives between PUBLISHes.
            packets.Add(random.Next(6) switch
            {
                0 => MqttPingRespPacket.Instance,
                1 => new MqttPubAckPacket { PacketIdentifier = (ushort)(i + 1) },
                _ => Publish(random, i, random.Next(4) switch { 0 => random.Next(0, 90), 1 => random.Next(100, 16_000), 2 => random.Next(16_384, 40_000), _ => random.Next(120, 140) }),
            });
        }

        var (wire, publishSizes) = Encode(packets);
        var window = new ReceiveWindow(long.MaxValue, int.MaxValue);
        var inner = new ChunkedChannel(wire, new Random(seed + 100), maxChunk: 70_000);
        using var adapter = Adapter(new WindowedChannel(inner, window, () => { }, Stall, new FakeTimeProvider(), readBufferSize: 4096 + seed));

        foreach (var expected in packets)
        {
            var received = await adapter.ReceivePacketAsync(CancellationToken.None);
            Assert.NotNull(received);
            Assert.Equal(expected.GetType(), received.GetType());
            if (expected is MqttPublishPacket publish)
            {
                var got = (MqttPublishPacket)received;
                Assert.Equal(publish.Topic, got.Topic);
                Assert.Equal(publish.PacketIdentifier, got.PacketIdentifier);
                Assert.Equal(publish.Payload.ToArray(), got.Payload.ToArray());
            }
        }

        Assert.Equal(publishSizes.Count, window.Messages);
        Assert.Equal(publishSizes.Sum(), window.Bytes);
        Assert.Equal(publishSizes, publishSizes.Select(_ => window.TakeSize()).ToList());
        Assert.Equal(0, window.Pauses);
    }

    [Fact]
    public async Task WindowFullOfMessages_ReaderStopsBeforeTheNextPacket_GoesOnWhenOneIsSettled()
    {
        var random = new Random(7);
        var packets = new List<MqttPacket> { Publish(random, 0, 500), Publish(random, 1, 600), MqttPingRespPacket.Instance, Publish(random, 2, 700) };
        var (wire, sizes) = Encode(packets);
        var window = new ReceiveWindow(long.MaxValue, 2);
        var inner = new ChunkedChannel(wire, random, maxChunk: wire.Length); // everything available at once
        using var adapter = Adapter(new WindowedChannel(inner, window, () => { }, Stall, new FakeTimeProvider()));

        Assert.IsType<MqttPublishPacket>(await adapter.ReceivePacketAsync(CancellationToken.None));
        Assert.IsType<MqttPublishPacket>(await adapter.ReceivePacketAsync(CancellationToken.None));
        var third = adapter.ReceivePacketAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(window.Pauses == 1), "the reader stopped at the full window");
        Assert.False(third.IsCompleted);
        Assert.Equal(2, window.Messages);
        Assert.Equal(sizes[0] + sizes[1], window.Bytes);

        window.Release(window.TakeSize()); // the first message settled
        Assert.IsType<MqttPingRespPacket>(await third);
        Assert.Equal(700, Assert.IsType<MqttPublishPacket>(await adapter.ReceivePacketAsync(CancellationToken.None)).Payload.Length);
        Assert.Equal(2, window.Messages);
        Assert.Equal(sizes[1] + sizes[2], window.Bytes);
    }

    [Fact]
    public async Task WindowFullOfBytes_ReaderStopsOnlyOnceTheBoundIsReached()
    {
        var random = new Random(8);
        var packets = Enumerable.Range(0, 10).Select(i => (MqttPacket)Publish(random, i, 1000)).ToList();
        var (wire, sizes) = Encode(packets);
        // Room for two whole packets and part of a third: the third is still read (the bound is checked before a
        // packet is begun), the fourth waits.
        var bound = sizes[0] + sizes[1] + (sizes[2] / 2);
        var window = new ReceiveWindow(bound, int.MaxValue);
        using var adapter = Adapter(new WindowedChannel(new ChunkedChannel(wire, random, maxChunk: wire.Length), window, () => { }, Stall, new FakeTimeProvider()));
        for (var i = 0; i < 3; i++)
        {
            Assert.NotNull(await adapter.ReceivePacketAsync(CancellationToken.None));
        }

        var fourth = adapter.ReceivePacketAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(window.Pauses == 1), "the reader stopped at the byte bound");
        Assert.False(fourth.IsCompleted);
        Assert.Equal(sizes[0] + sizes[1] + sizes[2], window.Bytes);

        window.Release(window.TakeSize());
        Assert.NotNull(await fourth);
    }

    [Fact]
    public async Task ReaderWaiting_EveryStallIntervalCallsOnStalled_DisconnectEndsTheWait()
    {
        var random = new Random(9);
        var (wire, _) = Encode([Publish(random, 0, 100), Publish(random, 1, 100)]);
        var window = new ReceiveWindow(long.MaxValue, 1);
        var time = new FakeTimeProvider();
        var stalled = 0;
        var channel = new WindowedChannel(new ChunkedChannel(wire, random, maxChunk: wire.Length), window, () => Interlocked.Increment(ref stalled), Stall, time);
        using var adapter = Adapter(channel);
        Assert.NotNull(await adapter.ReceivePacketAsync(CancellationToken.None));
        var second = adapter.ReceivePacketAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(window.Pauses == 1), "the reader stopped");

        for (var i = 1; i <= 3; i++)
        {
            time.Advance(Stall);
            await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref stalled) == i), $"stall call {i}");
        }

        time.Advance(Stall / 2);
        Assert.Equal(3, Volatile.Read(ref stalled));
        Assert.False(second.IsCompleted);
        await channel.DisconnectAsync(CancellationToken.None);
        Assert.Null(await second); // MQTTnet reads the end of the connection
    }

    private static MqttPublishPacket Publish(Random random, int i, int payloadBytes)
    {
        var payload = new byte[payloadBytes];
        random.NextBytes(payload);
        return new MqttPublishPacket
        {
            Topic = $"edgesentinel/v1/fleet-{i % 7}/device-{random.Next(1000)}/fingerprint",
            Payload = new ReadOnlySequence<byte>(payload),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            PacketIdentifier = (ushort)(i + 1),
            ContentType = "application/json",
            UserProperties = [new MqttUserProperty("es-version", "1"u8.ToArray().AsMemory())],
        };
    }

    [Fact]
    public async Task Gathering_PacketsWrittenInOneGoAtTheFlush_InOrder_ThenStraightThroughAgain()
    {
        var inner = new ChunkedChannel([], new Random(1), maxChunk: 1);
        var channel = new WindowedChannel(inner, new ReceiveWindow(long.MaxValue, int.MaxValue), () => { }, Stall, new FakeTimeProvider());
        using var adapter = Adapter(channel);
        MqttPacket[] acks = [.. Enumerable.Range(1, 300).Select(i => (MqttPacket)new MqttPubAckPacket { PacketIdentifier = (ushort)i })];

        await adapter.SendPacketAsync(new MqttPubAckPacket { PacketIdentifier = 999 }, CancellationToken.None);
        Assert.Single(inner.Writes); // not gathering: one write per packet, as MQTTnet makes them

        channel.BeginGathering();
        foreach (var ack in acks)
        {
            await adapter.SendPacketAsync(ack, CancellationToken.None);
        }

        await adapter.SendPacketAsync(MqttPingReqPacket.Instance, CancellationToken.None);
        Assert.Single(inner.Writes); // nothing sent yet

        await channel.FlushGatheredAsync(CancellationToken.None);
        Assert.Equal(2, inner.Writes.Count);
        Assert.Equal(Encode([.. acks, MqttPingReqPacket.Instance]).Wire, inner.Writes[1]); // the encoder's bytes, in order, in one write

        await channel.FlushGatheredAsync(CancellationToken.None); // nothing gathered: nothing written
        await adapter.SendPacketAsync(new MqttPubAckPacket { PacketIdentifier = 1000 }, CancellationToken.None);
        Assert.Equal(3, inner.Writes.Count);
        Assert.Equal(Encode([new MqttPubAckPacket { PacketIdentifier = 1000 }]).Wire, inner.Writes[2]);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task TryGatherPubAck_TheBytesMqttNetsEncoderWrites_InOrderWithPacketsSentThroughIt(MqttProtocolVersion version)
    {
        var inner = new ChunkedChannel([], new Random(1), maxChunk: 1);
        var channel = new WindowedChannel(inner, new ReceiveWindow(long.MaxValue, int.MaxValue), () => { }, Stall, new FakeTimeProvider());
        using var adapter = new MqttChannelAdapter(channel, new MqttPacketFormatterAdapter(version, new MqttBufferWriter(4096, 1 << 20)), MqttNetNullLogger.Instance);
        ushort[] identifiers = [1, 2, 127, 128, 255, 256, 4660, 32768, 65535];

        Assert.False(channel.TryGatherPubAck(7)); // not gathering: the caller acknowledges through MQTTnet
        Assert.Empty(inner.Writes);

        channel.BeginGathering();
        var expected = new List<MqttPacket>();
        foreach (var identifier in identifiers)
        {
            Assert.True(channel.TryGatherPubAck(identifier));
            expected.Add(new MqttPubAckPacket { PacketIdentifier = identifier, ReasonCode = MqttPubAckReasonCode.Success });
        }

        await adapter.SendPacketAsync(new MqttPubAckPacket { PacketIdentifier = 9 }, CancellationToken.None); // MQTTnet's own, between ours
        expected.Add(new MqttPubAckPacket { PacketIdentifier = 9 });
        Assert.True(channel.TryGatherPubAck(10));
        expected.Add(new MqttPubAckPacket { PacketIdentifier = 10 });
        await channel.FlushGatheredAsync(CancellationToken.None);

        var formatter = new MqttPacketFormatterAdapter(version, new MqttBufferWriter(4096, 1 << 20));
        var wire = expected.SelectMany(packet =>
        {
            var bytes = formatter.Encode(packet).ToArray();
            formatter.Cleanup();
            return bytes;
        }).ToArray();
        Assert.Equal(wire, Assert.Single(inner.Writes));
        Assert.Equal(4 * expected.Count, wire.Length);
        Assert.False(channel.TryGatherPubAck(11)); // flushed: not gathering any more
    }

    [Fact]
    public async Task Gathering_StartedAndFlushedWhileAnotherTaskSends_StreamUnchanged()
    {
        // One task sends 3,000 packets through MQTTnet's adapter while another gathers and flushes over and over: the bytes
        // that reach the socket, in write order, must be exactly the encoded packets in send order — none lost, none moved.
        var inner = new ChunkedChannel([], new Random(1), maxChunk: 1);
        var channel = new WindowedChannel(inner, new ReceiveWindow(long.MaxValue, int.MaxValue), () => { }, Stall, new FakeTimeProvider());
        using var adapter = Adapter(channel);
        var random = new Random(9);
        var packets = Enumerable.Range(1, 3000).Select(i => i % 10 == 0 ? Publish(random, i, random.Next(0, 3000)) : (MqttPacket)new MqttPubAckPacket { PacketIdentifier = (ushort)i }).ToList();
        using var stop = new CancellationTokenSource();
        var toggling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                channel.BeginGathering();
                await Task.Yield();
                await channel.FlushGatheredAsync(CancellationToken.None);
            }
        });
        for (var i = 0; i < packets.Count; i++)
        {
            await adapter.SendPacketAsync(packets[i], CancellationToken.None);
            if (i % 100 == 0)
            {
                await Task.Yield(); // let the other task in, also on one core
            }
        }

        await stop.CancelAsync();
        await toggling;
        await channel.FlushGatheredAsync(CancellationToken.None);

        Assert.Equal(Encode(packets).Wire, inner.Writes.SelectMany(w => w).ToArray());
    }

    /// <summary>The packets as MQTTnet's MQTT 5 encoder writes them, and the lengths of the PUBLISH packets among them.</summary>
    private static (byte[] Wire, List<int> PublishSizes) Encode(List<MqttPacket> packets)
    {
        var (wire, sizes) = MqttWire.Encode(packets);
        return (wire, [.. sizes.Where((_, i) => packets[i] is MqttPublishPacket)]);
    }

    private static MqttChannelAdapter Adapter(IMqttChannel channel) => MqttWire.Adapter(channel);
}
