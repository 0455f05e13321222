using EdgeSentinel.Protocol.Topics;
using EdgeSentinel.Cloud.Tests.Support;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeSentinel.Cloud.Tests.Security;

/// <summary>
/// Shows what a device's login can read: the "device" subscribes to another device's topics (and wildcards) and to its
/// own command topic; a "peer" device publishes on its own topics and an "operator" login (the aggregator's, which may
/// write every command topic) commands the peer and then the device. Mosquitto grants the foreign subscriptions (its
/// ACL file is applied when it delivers, not in the SUBACK), so what counts is what arrives: once the device has its own
/// command (routed last; the broker delivers to one client in routing order), nothing of the peer's may have arrived.
/// </summary>
public static class SubscriptionProbe
{
    public static async Task AssertDeviceReadsOnlyItsOwnTopicsAsync(MqttClientOptions device, MqttClientOptions peer, MqttClientOptions operatorLogin, string fleet, string deviceId, string peerId)
    {
        var factory = new MqttClientFactory();
        using var deviceClient = factory.CreateMqttClient();
        using var peerClient = factory.CreateMqttClient();
        using var operatorClient = factory.CreateMqttClient();
        var received = new List<string>();
        deviceClient.ApplicationMessageReceivedAsync += e =>
        {
            lock (received)
            {
                received.Add(e.ApplicationMessage.Topic);
            }

            return Task.CompletedTask;
        };
        foreach (var (client, options) in new[] { (deviceClient, device), (peerClient, peer), (operatorClient, operatorLogin) })
        {
            Assert.Equal(MqttClientConnectResultCode.Success, (await client.ConnectAsync(options)).ResultCode);
        }

        var own = EdgeTopics.Build(fleet, deviceId, TopicKind.Command);
        var filters = new[]
        {
            EdgeTopics.Build(fleet, peerId, TopicKind.Command),
            EdgeTopics.Build(fleet, peerId, TopicKind.Alert),
            $"{EdgeTopics.Prefix}/{fleet}/+/{EdgeTopics.KindLevel(TopicKind.Status)}",
            EdgeTopics.AllDevicesFilter(),
            own,
        };
        foreach (var filter in filters)
        {
            await deviceClient.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }

        await PublishAsync(peerClient, EdgeTopics.Build(fleet, peerId, TopicKind.Alert));
        await PublishAsync(peerClient, EdgeTopics.Build(fleet, peerId, TopicKind.Status));
        await PublishAsync(operatorClient, EdgeTopics.Build(fleet, peerId, TopicKind.Command));
        await PublishAsync(operatorClient, own);

        await Eventually.TrueAsync(() => Task.FromResult(Snapshot(received).Contains(own)), "the device's own command delivered");
        Assert.Equal([own], Snapshot(received).Distinct()); // twice with overlapping filters (own topic and '#'), nothing else
        foreach (var client in new[] { deviceClient, peerClient, operatorClient })
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        }
    }

    private static List<string> Snapshot(List<string> received)
    {
        lock (received)
        {
            return [.. received];
        }
    }

    private static async Task PublishAsync(IMqttClient client, string topic)
    {
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("probe"u8.ToArray()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True(result.IsSuccess, $"{topic}: {result.ReasonCode}");
    }
}
