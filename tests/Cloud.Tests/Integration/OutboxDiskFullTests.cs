using System.Buffers;
using System.Collections.Concurrent;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace EdgeSentinel.Cloud.Tests.Integration;

/// <summary>
/// The disk holding a device's outbox fills up (a small tmpfs filled by a filler file — a real ENOSPC,
/// not an injected failure) while the device raises alerts: it keeps running, says "disk full" in its
/// status, holds the alerts in memory, and when space returns writes them to the outbox and delivers
/// every alert once, in order.
/// </summary>
[Collection("Faults")] // one after another: each starts processes and measures, none should load the others
public sealed class OutboxDiskFullTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task OutboxDiskFills_DeviceKeepsRunning_ReportsDiskFullInStatus_RecoversAndDeliversEverythingOnce()
    {
        const int alerts = 600;
        await using var rig = await FaultRig.StartAsync("f1", "d1");
        await using var disk = await SmallDisk.MountAsync(Path.Combine(rig.Folder, "disk"), megabytes: 8);
        var statuses = new ConcurrentQueue<StatusReport>();
        using var watcher = await WatchStatusAsync(rig, "d1", statuses);

        var device = rig.StartDevice("d1", alerts, intervalMs: 10, outbox: Path.Combine(disk.Path, "d1.outbox"));
        try
        {
            await Eventually.TrueAsync(async () => await rig.StoredAlertsAsync("d1") >= 50, "50 alerts stored before the disk fills", Deadline);
            var filler = disk.Fill();

            await Eventually.TrueAsync(() => Task.FromResult(statuses.Any(s => s.OutboxFault?.StartsWith("disk full", StringComparison.Ordinal) == true)), "a status saying disk full", Deadline);
            var fault = statuses.First(s => s.OutboxFault is not null);
            var enqueuedAtFault = device.LastEnqueued;

            // The device goes on raising alerts (its model loop does not stop) while its outbox cannot take them.
            await Eventually.TrueAsync(() => Task.FromResult(device.LastEnqueued >= Math.Min(enqueuedAtFault + 50, alerts)), "alerts raised while the disk is full", Deadline);
            Assert.False(device.HasExited, device.StandardError);

            disk.Free();
            await Eventually.TrueAsync(
                () => Task.FromResult(statuses.SkipWhile(s => s.OutboxFault is null).SkipWhile(s => s.OutboxFault is not null).Any()),
                "a status without the fault after space returned",
                Deadline);
            Assert.Equal(0, await device.WaitForExitAsync(Deadline));
            await Eventually.TrueAsync(async () => await rig.StoredAlertsAsync("d1") >= alerts, $"all {alerts} stored; {rig.Missing("d1", alerts)}", TimeSpan.FromSeconds(10));
            Assert.Equal(Enumerable.Range(1, alerts), rig.StoredInOrder("d1").Select(s => s.Number)); // all, once each, in order
            Assert.Equal(alerts, await rig.StoredAlertsAsync("d1"));
            output.WriteLine($"filler {filler / 1024} KiB; fault reported: '{fault.OutboxFault}' with {fault.PendingAlerts} pending; " +
                $"alert {enqueuedAtFault} raised at the fault, {alerts} raised in all; all stored once in order after recovery");
        }
        finally
        {
            if (!device.HasExited)
            {
                device.Kill(); // before the unmount
            }
        }
    }

    /// <summary>Follows the device's retained status topic with the aggregator's credentials.</summary>
    private static async Task<IMqttClient> WatchStatusAsync(FaultRig rig, string device, ConcurrentQueue<StatusReport> statuses)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            string? version = null, encoding = null;
            foreach (var p in m.UserProperties ?? [])
            {
                version = p.Name == WireFormat.VersionProperty ? p.ReadValueAsString() : version;
                encoding = p.Name == WireFormat.EncodingProperty ? p.ReadValueAsString() : encoding;
            }

            if (EnvelopeCodec.TryDecode(m.Topic, m.Payload.ToArray(), new MessageProperties(m.ContentType, version, encoding), out var envelope, out _)
                && StatusCodec.TryDecode(envelope, ProtocolLimits.Default, out var status, out _))
            {
                statuses.Enqueue(status);
            }

            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", rig.Broker.Port)
            .WithClientId("status-watch")
            .WithCredentials(ProvisionedFleet.AggregatorUser, rig.Fleet.AggregatorPassword)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(EdgeTopics.Build(rig.Fleet.Fleet, device, TopicKind.Status), MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return client;
    }
}
