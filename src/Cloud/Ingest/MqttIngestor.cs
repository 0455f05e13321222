using System.Buffers;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Topics;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using StoreRejection = EdgeSentinel.Cloud.Storage.Rejection;

namespace EdgeSentinel.Cloud.Ingest;

/// <summary>
/// Subscribes to every device's alert, fingerprint and status topics (MQTT 5, QoS 1, a shared
/// subscription when the broker grants it, a plain one otherwise), verifies each message against
/// the device registry, stores it exactly once and only then acknowledges it.
/// </summary>
/// <remarks>
/// <para>Acknowledgement is manual: a message is acknowledged after it is durably stored, found
/// already stored (a redelivery), or rejected and recorded. When the store fails, the message is
/// left unacknowledged and the connection is dropped, so the broker redelivers it — in order — after
/// the reconnect; nothing accepted is ever acknowledged without being stored.</para>
/// <para>Thread-safe to start and dispose; MQTTnet delivers messages to the handler one at a time.</para>
/// </remarks>
public sealed class MqttIngestor : IAsyncDisposable
{
    private readonly MqttIngestOptions _options;
    private readonly IAggregatorStore _store;
    private readonly DeviceKeyRegistry _keys;
    private readonly IngestMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly InboundVerifier _verifier;
    private readonly IMqttClient _client;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _supervisor;
    private volatile bool _halted;
    private volatile SubscriptionMode _mode;

    /// <summary>Creates the ingest; nothing connects before <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    public MqttIngestor(MqttIngestOptions options, IAggregatorStore store, DeviceKeyRegistry keys, IngestMetrics metrics, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(metrics);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid MQTT ingest options: " + string.Join("; ", problems), nameof(options));
        }

        _options = options;
        _store = store;
        _keys = keys;
        _metrics = metrics;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _verifier = new InboundVerifier(
            address => address.Kind == TopicKind.Command ? null : keys.Find(address.Fleet, address.Device),
            new ReplayGuard(_timeProvider, options.Replay),
            options.Limits);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>Raised after a message is durably stored (not for duplicates); handlers must not throw or block.</summary>
    public event Action<InboundMessage>? Stored;

    /// <summary>How the ingest is subscribed now.</summary>
    public SubscriptionMode Mode => _mode;

    /// <summary>Whether the client is connected.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Connects and subscribes (failing if the broker refuses), then keeps the connection up in the background.</summary>
    /// <exception cref="InvalidOperationException">The broker refused the connection or the subscription.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_supervisor is not null)
        {
            throw new InvalidOperationException("The ingest is already started.");
        }

        foreach (var (fleet, device, keyId) in _keys.Entries)
        {
            await _store.RegisterDeviceAsync(fleet, device, keyId, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (device, highest) in await _store.GetHighestSequencesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (Identifiers.IsValid(device.Fleet) && Identifiers.IsValid(device.Device))
            {
                _verifier.Guard.Seed(device.Fleet, device.Device, highest); // sessions and wills are not stored: the store's (device, sequence) key still keeps a replayed will from changing anything
            }
        }

        await ConnectAndSubscribeAsync(cancellationToken).ConfigureAwait(false);
        _supervisor = Task.Run(() => SuperviseAsync(_stopping.Token), CancellationToken.None);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_supervisor is not null)
        {
            try
            {
                await _supervisor.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
        }

        _client.Dispose();
        _stopping.Dispose();
    }

    private async Task ConnectAndSubscribeAsync(CancellationToken cancellationToken)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_options.ClientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(_options.KeepAlive);
        if (_options.Username is not null)
        {
            builder.WithCredentials(_options.Username, _options.Password);
        }

        // Cleared before connecting: redelivered messages may arrive right after the CONNACK.
        _halted = false;
        var connected = await _client.ConnectAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        if (connected.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"The broker at {_options.Host}:{_options.Port} refused the connection: {connected.ResultCode} {connected.ReasonString}");
        }

        var filter = EdgeTopics.AllDevicesFilter();
        if (_options.SharedGroup is { } group)
        {
            var shared = await SubscribeAsync(EdgeTopics.SharedFilter(group, filter), cancellationToken).ConfigureAwait(false);
            if (IsGranted(shared))
            {
                _mode = SubscriptionMode.Shared;
                return;
            }

            if (shared != MqttClientSubscribeResultCode.SharedSubscriptionsNotSupported)
            {
                throw new InvalidOperationException($"The broker refused the shared subscription {EdgeTopics.SharedFilter(group, filter)}: {shared}");
            }
        }

        var plain = await SubscribeAsync(filter, cancellationToken).ConfigureAwait(false);
        if (!IsGranted(plain))
        {
            throw new InvalidOperationException($"The broker refused the subscription {filter}: {plain}");
        }

        _mode = SubscriptionMode.Plain;
    }

    private async Task<MqttClientSubscribeResultCode> SubscribeAsync(string filter, CancellationToken cancellationToken)
    {
        var options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build();
        var result = await _client.SubscribeAsync(options, cancellationToken).ConfigureAwait(false);
        return result.Items.Count == 0 ? MqttClientSubscribeResultCode.UnspecifiedError : result.Items.First().ResultCode;
    }

    private static bool IsGranted(MqttClientSubscribeResultCode code) =>
        code is MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2;

    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(_options.ReconnectInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
            try
            {
                if (_halted && _client.IsConnected)
                {
                    // A store failure: drop the connection so the broker redelivers the unacknowledged messages in order.
                    await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cancellationToken).ConfigureAwait(false);
                }

                if (!_client.IsConnected || !await _client.TryPingAsync(cancellationToken).ConfigureAwait(false))
                {
                    _mode = SubscriptionMode.None;
                    await ConnectAndSubscribeAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // the broker may be down: try again at the next interval
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        e.AutoAcknowledge = false;
        if (_halted)
        {
            return; // left unacknowledged: redelivered after the reconnect
        }

        var cancellationToken = _stopping.Token;
        var message = e.ApplicationMessage;
        var topic = message.Topic;
        var parsed = EdgeTopics.TryParse(topic, out var address, out _);
        if (parsed && address.Kind == TopicKind.Command)
        {
            await e.AcknowledgeAsync(cancellationToken).ConfigureAwait(false); // commands to devices are not the aggregator's
            return;
        }

        var kind = parsed ? EdgeTopics.KindLevel(address.Kind) : "unknown";
        _metrics.RecordReceived(kind);
        var payload = message.Payload.IsSingleSegment ? message.Payload.First : message.Payload.ToArray();
        var properties = new MessageProperties(message.ContentType, UserProperty(message, WireFormat.VersionProperty), UserProperty(message, WireFormat.EncodingProperty));
        try
        {
            if (_verifier.TryVerify(topic, payload.Span, properties, out var inbound, out var rejection))
            {
                await StoreAsync(inbound, kind, cancellationToken).ConfigureAwait(false);
            }
            else if (rejection.Reason == RejectionReason.Replayed && await IsStoredAsync(topic, payload, properties, cancellationToken).ConfigureAwait(false))
            {
                _metrics.RecordDuplicate(kind); // a QoS 1 redelivery of a stored message
            }
            else
            {
                await RejectAsync(RejectionCodes.Of(rejection.Reason), parsed ? address : null, topic, rejection.Message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (StoreConflictException conflict)
        {
            await RejectAsync(RejectionCodes.AlertIdConflict, address, topic, conflict.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // any store failure: leave the message unacknowledged and reconnect
        catch (Exception)
#pragma warning restore CA1031
        {
            _metrics.RecordStoreFailure();
            _halted = true;
            return;
        }

        await e.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task StoreAsync(InboundMessage inbound, string kind, CancellationToken cancellationToken)
    {
        var envelope = inbound.Envelope;
        var key = new MessageKey(envelope.Fleet, envelope.Device, envelope.Sequence);
        var now = _timeProvider.GetUtcNow();
        var outcome = envelope.Kind switch
        {
            TopicKind.Alert => await _store.StoreAlertAsync(key, now, ToStored(envelope, inbound.Alert!), cancellationToken).ConfigureAwait(false),
            TopicKind.Fingerprint => await _store.StoreFingerprintAsync(key, now, ToStored(envelope, inbound.Fingerprint!), cancellationToken).ConfigureAwait(false),
            _ => await _store.StoreStatusAsync(key, now, ToStored(inbound.Status!, envelope), cancellationToken).ConfigureAwait(false),
        };
        _verifier.Commit(inbound);
        if (outcome == StoreOutcome.Stored)
        {
            _metrics.RecordStored(kind, now - envelope.Timestamp);
            Stored?.Invoke(inbound);
        }
        else
        {
            _metrics.RecordDuplicate(kind);
        }
    }

    private async Task<bool> IsStoredAsync(string topic, ReadOnlyMemory<byte> payload, MessageProperties properties, CancellationToken cancellationToken) =>
        EnvelopeCodec.TryDecode(topic, payload.Span, properties, _options.Limits, out var envelope, out _)
        && await _store.ContainsMessageAsync(new MessageKey(envelope.Fleet, envelope.Device, envelope.Sequence), cancellationToken).ConfigureAwait(false);

    private async Task RejectAsync(string reason, TopicAddress? address, string? topic, string detail, CancellationToken cancellationToken)
    {
        _metrics.RecordRejected(reason);
        var rejection = new StoreRejection(reason, address?.Fleet, address?.Device, Clip(topic ?? string.Empty, 256), _timeProvider.GetUtcNow(), Clip(detail, 1024));
        await _store.RecordRejectionAsync(rejection, cancellationToken).ConfigureAwait(false);
    }

    private static StoredAlert ToStored(Envelope envelope, Alert alert) => new(
        alert.Id,
        envelope.Fleet,
        envelope.Device,
        alert.ModelHash,
        AlertKinds.ToWireName(alert.Kind),
        alert.Subject,
        AlertSeverities.ToWireName(alert.Severity),
        AlertStates.ToWireName(alert.State),
        alert.FirstSample,
        alert.LastSample,
        AlertEvidenceJson.Write(alert.Evidence),
        alert.RaisedAt,
        alert.UpdatedAt);

    private static StoredFingerprint ToStored(Envelope envelope, FingerprintReport report) => new(
        envelope.Fleet,
        envelope.Device,
        envelope.Sequence,
        report.ModelHash,
        report.WindowStart,
        report.WindowEnd,
        report.Fingerprint.ObservationCount,
        report.Fingerprint.ToBytes());

    private static DeviceStatusReport ToStored(StatusReport status, Envelope envelope) =>
        new(StatusCodec.ToWireName(status.State), null, status.OutboxDepth, status.DroppedFingerprints, envelope.Timestamp);

    private static string? UserProperty(MqttApplicationMessage message, string name)
    {
        if (message.UserProperties is null)
        {
            return null;
        }

        foreach (var property in message.UserProperties)
        {
            if (string.Equals(property.Name, name, StringComparison.Ordinal))
            {
                return property.ReadValueAsString();
            }
        }

        return null;
    }

    private static string Clip(string value, int max) => value.Length <= max ? value : value[..max];
}
