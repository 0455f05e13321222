using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeSentinel.Cloud.Benchmarks;

/// <summary>The benches' stream of signed alerts (≈635 bytes each, one evidence channel) and its publication; Ingest.Bench links this file.</summary>
internal static class SignedAlerts
{
    public static readonly DateTimeOffset Epoch = TimeProvider.System.GetUtcNow();

    public static Alert Alert(string id, string device, long n) => new(
        id, device, "model-a", AlertKind.InputDrift, "inputs", AlertSeverity.Warning, AlertState.Raised, n, n, Epoch, Epoch,
        new AlertEvidence("min-holm-adjusted-p", 1e-7, 1e-4, 1e-4, "per window", [new ChannelContribution("input.x", "ks", 0.31, 0.31)]));

    /// <summary>Devices d1..dN of fleet "bench" with fresh keys, registered in a new registry.</summary>
    public static (DeviceKeyRegistry Keys, List<(string Device, SigningKey Key)> Devices) Devices(int count)
    {
        var keys = new DeviceKeyRegistry();
        var devices = Enumerable.Range(1, count).Select(d => (Device: $"d{d}", Key: SigningKey.Generate())).ToList();
        foreach (var (device, key) in devices)
        {
            keys.Register("bench", device, key);
        }

        return (keys, devices);
    }

    /// <summary>Sealed alert envelopes, round-robin over the devices, sequences from 1; alert ids <c>{device}-{idPrefix}a{sequence}</c>.</summary>
    public static List<(string Topic, byte[] Wire)> Wires(List<(string Device, SigningKey Key)> devices, int messages, string idPrefix = "")
    {
        var wires = new List<(string, byte[])>(messages);
        for (var i = 0; i < messages; i++)
        {
            var (device, key) = devices[i % devices.Count];
            long sequence = (i / devices.Count) + 1;
            var address = EdgeTopics.Address("bench", device, TopicKind.Alert);
            wires.Add((address.Topic, EnvelopeCodec.Encode(Envelope.Seal(key, address, sequence, Epoch, AlertCodec.Encode(Alert($"{device}-{idPrefix}a{sequence}", device, sequence))))));
        }

        return wires;
    }

    /// <summary>The QoS 1 PUBLISH a device sends for <paramref name="wire"/> (content type and user properties by topic kind).</summary>
    public static MqttApplicationMessage Message(string topic, byte[] wire)
    {
        var binary = topic.EndsWith("/fingerprint", StringComparison.Ordinal);
        return new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(wire)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType(binary ? WireFormat.ContentTypeBinary : WireFormat.ContentTypeJson)
            .WithUserProperty(WireFormat.VersionProperty, "1"u8.ToArray())
            .WithUserProperty(WireFormat.EncodingProperty, System.Text.Encoding.UTF8.GetBytes(binary ? WireFormat.EncodingBinary : WireFormat.EncodingJson))
            .Build();
    }

    /// <summary>Publishes the wires into the broker on <paramref name="port"/> (100 in flight); returns the payload bytes.</summary>
    public static async Task<long> PublishAsync(int port, List<(string Topic, byte[] Wire)> wires, string clientId)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithProtocolVersion(MqttProtocolVersion.V500).Build());
        long bytes = 0;
        var inFlight = new List<Task<MqttClientPublishResult>>();
        foreach (var (topic, wire) in wires)
        {
            bytes += wire.Length;
            inFlight.Add(client.PublishAsync(Message(topic, wire)));
            if (inFlight.Count == 100)
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
            }
        }

        await Task.WhenAll(inFlight);
        await client.DisconnectAsync();
        return bytes;
    }
}
