using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>A device publishing sealed messages with QoS 1, as the Protocol prescribes; can also publish raw bytes.</summary>
public sealed class TestDevice : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private TestDevice(IMqttClient client, string fleet, string device, SigningKey key)
    {
        _client = client;
        Fleet = fleet;
        Device = device;
        Key = key;
    }

    public string Fleet { get; }

    public string Device { get; }

    public SigningKey Key { get; }

    public static async Task<TestDevice> ConnectAsync(int port, string fleet, string device, SigningKey key, string? username = null, string? password = null, string? clientId = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(ClientOptions(port, clientId ?? $"dev-{fleet}-{device}", username, password));
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return new TestDevice(client, fleet, device, key);
    }

    /// <summary>Connects with ready-made client options (e.g. TLS with a client certificate) and asserts that the broker accepted.</summary>
    public static async Task<TestDevice> ConnectAsync(MqttClientOptions options, string fleet, string device, SigningKey key)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(options);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return new TestDevice(client, fleet, device, key);
    }

    /// <summary>Tries to connect and returns the broker's CONNACK result (the connection is closed again).</summary>
    public static async Task<MqttClientConnectResultCode> TryConnectAsync(int port, string clientId, string? username, string? password)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(ClientOptions(port, clientId, username, password)); // a refusal is a result code, not an exception
        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        }

        return result.ResultCode;
    }

    private static MqttClientOptions ClientOptions(int port, string clientId, string? username, string? password)
    {
        var builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithProtocolVersion(MqttProtocolVersion.V500);
        if (username is not null)
        {
            builder.WithCredentials(username, password);
        }

        return builder.Build();
    }

    /// <summary>Publishes raw bytes with QoS 1 on any topic and returns the broker's PUBACK reason code.</summary>
    public async Task<MqttClientPublishReasonCode> PublishForReasonAsync(string topic, byte[] message, TopicKind kind)
    {
        var p = WireFormat.PropertiesFor(kind);
        var built = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(message)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType(p.ContentType)
            .WithUserProperty(WireFormat.VersionProperty, System.Text.Encoding.UTF8.GetBytes(p.SchemaVersion!))
            .WithUserProperty(WireFormat.EncodingProperty, System.Text.Encoding.UTF8.GetBytes(p.Encoding!))
            .Build();
        return (await _client.PublishAsync(built)).ReasonCode;
    }

    /// <summary>Subscribes with QoS 1 and returns the broker's SUBACK result for the filter.</summary>
    public async Task<MqttClientSubscribeResultCode> SubscribeForResultAsync(string filter)
    {
        var result = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return result.Items.Single().ResultCode;
    }

    public static Alert Alert(string id, string device, DateTimeOffset at, AlertState state = AlertState.Raised) => new(
        id,
        device,
        "model-a",
        AlertKind.InputDrift,
        "inputs",
        AlertSeverity.Warning,
        state,
        100,
        355,
        at,
        at,
        new AlertEvidence("min-holm-adjusted-p", 1e-7, 1e-4, 1e-4, "per window", [new ChannelContribution("input.x", "ks", 0.31, 0.31)]));

    public byte[] Seal(TopicKind kind, long sequence, DateTimeOffset timestamp, ReadOnlySpan<byte> body, SigningKey? key = null) =>
        EnvelopeCodec.Encode(Envelope.Seal(key ?? Key, EdgeTopics.Address(Fleet, Device, kind), sequence, timestamp, body));

    public Task PublishAlertAsync(Alert alert, long sequence, DateTimeOffset timestamp, SigningKey? key = null) =>
        PublishAsync(TopicKind.Alert, Seal(TopicKind.Alert, sequence, timestamp, AlertCodec.Encode(alert), key));

    public Task PublishStatusAsync(StatusReport status, long sequence, DateTimeOffset timestamp) =>
        PublishAsync(TopicKind.Status, Seal(TopicKind.Status, sequence, timestamp, StatusCodec.Encode(status)));

    public Task PublishFingerprintAsync(FingerprintReport report, long sequence, DateTimeOffset timestamp) =>
        PublishAsync(TopicKind.Fingerprint, Seal(TopicKind.Fingerprint, sequence, timestamp, FingerprintReportCodec.Encode(report)));

    public async Task PublishAsync(TopicKind kind, byte[] message, MessageProperties? properties = null, string? topic = null)
    {
        var p = properties ?? WireFormat.PropertiesFor(kind);
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic ?? EdgeTopics.Build(Fleet, Device, kind))
            .WithPayload(message)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (p.ContentType is not null)
        {
            builder.WithContentType(p.ContentType);
        }

        if (p.SchemaVersion is not null)
        {
            builder.WithUserProperty(WireFormat.VersionProperty, System.Text.Encoding.UTF8.GetBytes(p.SchemaVersion));
        }

        if (p.Encoding is not null)
        {
            builder.WithUserProperty(WireFormat.EncodingProperty, System.Text.Encoding.UTF8.GetBytes(p.Encoding));
        }

        var result = await _client.PublishAsync(builder.Build());
        Assert.True(result.IsSuccess, $"publish failed: {result.ReasonCode}");
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        _client.Dispose();
    }
}
