using System.Diagnostics;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeSentinel.FleetLoad;

/// <summary>How the simulated devices publish.</summary>
public sealed class FleetLoadOptions
{
    /// <summary>Messages per second per device. Default: 5.</summary>
    public double RatePerDevice { get; set; } = 5;

    /// <summary>Messages each device publishes in all. Default: 100.</summary>
    public int MessagesPerDevice { get; set; } = 100;

    /// <summary>Every n-th message of a device is an alert, the others are window fingerprints. Default: 5.</summary>
    public int AlertEvery { get; set; } = 5;

    /// <summary>Every problem, each naming the property; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!(RatePerDevice > 0 && double.IsFinite(RatePerDevice)))
        {
            problems.Add($"RatePerDevice: {RatePerDevice} must be a positive number");
        }

        if (MessagesPerDevice < 1)
        {
            problems.Add($"MessagesPerDevice: {MessagesPerDevice} must be at least 1");
        }

        if (AlertEvery < 1)
        {
            problems.Add($"AlertEvery: {AlertEvery} must be at least 1");
        }

        return problems;
    }
}

/// <summary>
/// Provisioned devices, each on its own MQTT 5 connection with its own credentials, publishing sealed
/// (HMAC-signed) alerts and fingerprints with QoS 1 at a paced rate, one publish in flight per device (as
/// the device reporter does). Records when each (device, sequence) was handed to the client, and counts
/// what the broker acknowledged.
/// </summary>
public sealed class SimulatedFleet : IAsyncDisposable
{
    private readonly List<SimulatedDevice> _devices;
    private readonly LoadMessages _messages;
    private readonly TimeProvider _time;

    private SimulatedFleet(List<SimulatedDevice> devices, LoadMessages messages, TimeProvider time)
    {
        _devices = devices;
        _messages = messages;
        _time = time;
    }

    /// <summary>The devices, in the order given.</summary>
    public IReadOnlyList<SimulatedDevice> Devices => _devices;

    /// <summary>Messages the broker acknowledged, all devices.</summary>
    public long Acknowledged => _devices.Sum(d => d.Acknowledged);

    /// <summary>Sum of the message sizes on the wire (envelope bytes), all devices.</summary>
    public long PayloadBytes => _devices.Sum(d => d.PayloadBytes);

    /// <summary>Connects every device to the broker on 127.0.0.1:<paramref name="port"/> with its provisioned credentials.</summary>
    /// <exception cref="InvalidOperationException">The broker refused a device.</exception>
    public static async Task<SimulatedFleet> ConnectAsync(int port, IReadOnlyList<ProvisionedDevice> devices, LoadMessages messages, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(messages);
        var connected = new List<SimulatedDevice>(devices.Count);
        try
        {
            foreach (var device in devices)
            {
                connected.Add(await SimulatedDevice.ConnectAsync(port, device, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            foreach (var d in connected)
            {
                await d.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return new SimulatedFleet(connected, messages, timeProvider ?? TimeProvider.System);
    }

    /// <summary>
    /// Every device publishes <see cref="FleetLoadOptions.MessagesPerDevice"/> messages at
    /// <see cref="FleetLoadOptions.RatePerDevice"/> (start times spread evenly over one period; a device that
    /// falls behind its schedule publishes without waiting until it has caught up). Completes when all are
    /// acknowledged by the broker; throws when one is refused.
    /// </summary>
    public Task RunAsync(FleetLoadOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid fleet load options: " + string.Join("; ", problems), nameof(options));
        }

        var period = TimeSpan.FromSeconds(1 / options.RatePerDevice);
        var start = _time.GetTimestamp();
        return Task.WhenAll(_devices.Select((d, i) => Task.Run(
            () => d.RunAsync(options, _messages, _time, start, period, TimeSpan.FromTicks(period.Ticks * i / _devices.Count), cancellationToken),
            cancellationToken)));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var d in _devices)
        {
            await d.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>One simulated device: its connection, its next sequence number and when each message was sent.</summary>
public sealed class SimulatedDevice : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly List<long> _sentAt = [];
    private long _acknowledged;
    private long _payloadBytes;

    private SimulatedDevice(IMqttClient client, ProvisionedDevice device)
    {
        _client = client;
        Identity = device;
    }

    /// <summary>The provisioned identity.</summary>
    public ProvisionedDevice Identity { get; }

    /// <summary>The fleet id.</summary>
    public string Fleet => Identity.Credentials.Fleet;

    /// <summary>The device id.</summary>
    public string Device => Identity.Credentials.Device;

    /// <summary>Messages the broker acknowledged; they carry sequences 1..Acknowledged.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Alerts among the acknowledged messages.</summary>
    public long AlertsAcknowledged { get; private set; }

    /// <summary>Fingerprints among the acknowledged messages.</summary>
    public long FingerprintsAcknowledged { get; private set; }

    /// <summary>Bytes of the acknowledged envelopes.</summary>
    public long PayloadBytes => Interlocked.Read(ref _payloadBytes);

    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> at which message <paramref name="sequence"/> was handed to the MQTT client.</summary>
    public long SentAt(long sequence)
    {
        lock (_sentAt)
        {
            return _sentAt[(int)(sequence - 1)];
        }
    }

    internal static async Task<SimulatedDevice> ConnectAsync(int port, ProvisionedDevice device, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(DeviceProvisioning.MqttClientId(device.Credentials.Fleet, device.Credentials.Device))
            .WithCredentials(device.MqttUsername, device.MqttPassword)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromSeconds(60))
            .Build();
        var result = await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            client.Dispose();
            throw new InvalidOperationException($"The broker refused device {device.MqttUsername}: {result.ResultCode}");
        }

        return new SimulatedDevice(client, device);
    }

    internal async Task RunAsync(FleetLoadOptions options, LoadMessages messages, TimeProvider time, long start, TimeSpan period, TimeSpan phase, CancellationToken cancellationToken)
    {
        var key = Identity.Credentials.Key;
        for (long sequence = Acknowledged + 1, n = 0; n < options.MessagesPerDevice; sequence++, n++)
        {
            var due = phase + (period * n);
            var wait = due - time.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }

            var now = time.GetUtcNow();
            var alert = sequence % options.AlertEvery == 0;
            var kind = alert ? TopicKind.Alert : TopicKind.Fingerprint;
            var body = alert ? messages.AlertBody(Device, sequence, now) : messages.FingerprintBody(sequence, now);
            var address = EdgeTopics.Address(Fleet, Device, kind);
            var wire = EnvelopeCodec.Encode(Envelope.Seal(key, address, sequence, now, body));
            var properties = WireFormat.PropertiesFor(kind);
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(address.Topic)
                .WithPayload(wire)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType(properties.ContentType)
                .WithUserProperty(WireFormat.VersionProperty, System.Text.Encoding.UTF8.GetBytes(properties.SchemaVersion!))
                .WithUserProperty(WireFormat.EncodingProperty, System.Text.Encoding.UTF8.GetBytes(properties.Encoding!))
                .Build();
            lock (_sentAt)
            {
                _sentAt.Add(time.GetTimestamp());
            }

            var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"The broker refused {Fleet}/{Device} sequence {sequence}: {result.ReasonCode} {result.ReasonString}");
            }

            if (alert)
            {
                AlertsAcknowledged++;
            }
            else
            {
                FingerprintsAcknowledged++;
            }

            Interlocked.Add(ref _payloadBytes, wire.Length);
            Interlocked.Increment(ref _acknowledged);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build()).ConfigureAwait(false);
        }

        _client.Dispose();
    }
}
