using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using EdgeSentinel.Cloud.Broker;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Topics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
/// <para>Acknowledgement is manual and follows a group commit: MQTTnet delivers messages one at a
/// time to the handler, which queues each without acknowledging it. What is read from the broker and not yet
/// settled is bounded by a receive window (<see cref="MqttIngestOptions.MaxQueuedBytes"/>,
/// <see cref="MqttIngestOptions.MaxQueuedMessages"/>): when it is full the connection is not read any further, so a
/// backlog stays in the broker (back-pressure through TCP) whether or not the broker holds to
/// <see cref="MqttIngestOptions.ReceiveMaximum"/>. A single writer takes up to
/// <see cref="MqttIngestOptions.MaxBatchSize"/> queued messages (at most half the window) and authenticates and decodes
/// them while the batch before is stored; then, one batch after another, it checks them against the
/// replay guard, stores the accepted ones in ONE transaction, records the rejections, and only then acknowledges each message, in arrival order.
/// When the store fails, the batch is left unacknowledged and the connection is dropped, so the broker
/// redelivers it — in order — after the reconnect; queued messages of a lost connection are dropped
/// (redelivered too). Nothing accepted is ever acknowledged without being stored.</para>
/// <para>Thread-safe to start and dispose.</para>
/// </remarks>
public sealed class MqttIngestor : IAsyncDisposable, IPublishReceiver
{
    private readonly MqttIngestOptions _options;
    private readonly IAggregatorStore _store;
    private readonly DeviceKeyRegistry _keys;
    private readonly IngestMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly InboundVerifier _verifier;
    private readonly ILogger<MqttIngestor> _logger;
    private readonly IMqttClient _client;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<Pending> _queue;
    private readonly ReceiveWindow _window;
    private readonly WriteCoalescer _writes = new();
    private long _stallPings;
    private long _authenticated;
    private Task? _supervisor;
    private Task? _writer;
    private long _generation;
    private long _activity; // messages received and acknowledged since the supervisor last looked
    private volatile bool _halted;
    private volatile bool _writing;
    private int _heldBack; // messages held back by the broker from the idle ingest, counted since _heldBackSince
    private DateTimeOffset _heldBackSince;
    private readonly Dictionary<(string Fleet, string Device), double> _leastDelay = []; // seconds; the writer's alone
    private volatile SubscriptionMode _mode;

    /// <summary>Creates the ingest; nothing connects before <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    public MqttIngestor(MqttIngestOptions options, IAggregatorStore store, DeviceKeyRegistry keys, IngestMetrics metrics, TimeProvider? timeProvider = null, ILogger<MqttIngestor>? logger = null)
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
        _logger = logger ?? NullLogger<MqttIngestor>.Instance;
        _verifier = new InboundVerifier(
            address => address.Kind == TopicKind.Command ? null : keys.Find(address.Fleet, address.Device),
            new ReplayGuard(_timeProvider, options.Replay),
            options.Limits);
        _window = new ReceiveWindow(options.MaxQueuedBytes, options.MaxQueuedMessages);
        // The window, not this queue, bounds what is held; the queue only has to be large enough never to fill.
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Math.Max(options.ReceiveMaximum, options.MaxQueuedMessages) + 1) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        // MQTTnet's keep-alive runs on the wall clock, so its counterpart while the reader waits does too.
        _client = new MqttClientFactory().CreateMqttClient(new WindowedAdapterFactory(_window, PingWhileStalled, options.KeepAlive / 3, TimeProvider.System, paused => metrics.RecordStageTime("read-paused", paused), _writes, this));
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>Raised after a message is durably stored (not for duplicates); handlers must not throw or block.</summary>
    public event Action<InboundMessage>? Stored;

    /// <summary>How the ingest is subscribed now.</summary>
    public SubscriptionMode Mode => _mode;

    /// <summary>Whether the client is connected.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>What is read from the broker and not yet settled, against <see cref="MqttIngestOptions.MaxQueuedBytes"/> and <see cref="MqttIngestOptions.MaxQueuedMessages"/>.</summary>
    internal ReceiveWindow Window => _window;

    /// <summary>Messages the writer has authenticated (decoded, key and signature checked), whatever the verdict.</summary>
    internal long Authenticated => Interlocked.Read(ref _authenticated);

    /// <summary>PINGREQs sent because the reader waited for room longer than a third of the keep-alive.</summary>
    internal long StallPings => Interlocked.Read(ref _stallPings);

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

        _writer = Task.Run(() => WriteAsync(_stopping.Token), CancellationToken.None);
        await ConnectAndSubscribeAsync(cancellationToken).ConfigureAwait(false);
        _supervisor = Task.Run(() => SuperviseAsync(_stopping.Token), CancellationToken.None);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var task in new[] { _supervisor, _writer })
        {
            if (task is null)
            {
                continue;
            }

            try
            {
                await task.ConfigureAwait(false);
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
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithReceiveMaximum((ushort)_options.ReceiveMaximum);
        if (_options.Username is not null)
        {
            builder.WithCredentials(_options.Username, _options.Password);
        }

        builder.WithTls(_options.Tls);

        if (_client.IsConnected)
        {
            await CloseQuietlyAsync().ConfigureAwait(false); // a generation belongs to one connection
        }

        // A new generation before connecting (redelivered messages may arrive right after the CONNACK):
        // messages queued from an earlier connection are dropped, not acknowledged on this one.
        Interlocked.Increment(ref _generation);
        _halted = false;
        // A broker that takes the TCP connection but never answers must not hold the supervisor: give up after the keep-alive.
        using var timeout = new CancellationTokenSource(_options.KeepAlive, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var clientOptions = builder.Build();
        ((MqttClientTcpOptions)clientOptions.ChannelOptions).BufferSize = _options.SocketBufferSize; // MQTTnet's 8 KiB default turns off the kernel's autotuning
        var connected = await _client.ConnectAsync(clientOptions, linked.Token).ConfigureAwait(false);
        if (connected.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"The broker at {_options.Host}:{_options.Port} refused the connection: {connected.ResultCode} {connected.ReasonString}");
        }

        // One filter per kind the aggregator stores, not edgesentinel/v1/+/+/+: that one also matched the stored
        // acknowledgements the aggregators publish (and commands), which then came back to the group, each taking a
        // turn of the shared subscription's round robin and a share of its traffic.
        // A session kept from an earlier version may still hold edgesentinel/v1/+/+/+: drop it (no harm if absent).
        var legacy = EdgeTopics.AllDevicesFilter();
        await _client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(legacy).WithTopicFilter(EdgeTopics.SharedFilter(_options.SharedGroup ?? "none", legacy)).Build(), cancellationToken).ConfigureAwait(false);
        if (_options.SharedGroup is { } group)
        {
            var shared = await SubscribeAsync([.. IngestFilters.Select(f => EdgeTopics.SharedFilter(group, f))], cancellationToken).ConfigureAwait(false);
            if (IsGranted(shared.Code))
            {
                _mode = SubscriptionMode.Shared;
                return;
            }

            if (shared.Code != MqttClientSubscribeResultCode.SharedSubscriptionsNotSupported)
            {
                throw new InvalidOperationException($"The broker refused the shared subscription {shared.Filter}: {shared.Code}");
            }
        }

        var plain = await SubscribeAsync(IngestFilters, cancellationToken).ConfigureAwait(false);
        if (!IsGranted(plain.Code))
        {
            throw new InvalidOperationException($"The broker refused the subscription {plain.Filter}: {plain.Code}");
        }

        _mode = SubscriptionMode.Plain;
    }

    /// <summary>Alerts, fingerprints and status of every device.</summary>
    private static readonly string[] IngestFilters = [EdgeTopics.AllDevicesFilter(TopicKind.Alert), EdgeTopics.AllDevicesFilter(TopicKind.Fingerprint), EdgeTopics.AllDevicesFilter(TopicKind.Status)];

    /// <summary>Subscribes to every filter in one request; returns the first refused filter and its code, or a granted code.</summary>
    private async Task<(string Filter, MqttClientSubscribeResultCode Code)> SubscribeAsync(string[] filters, CancellationToken cancellationToken)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in filters)
        {
            builder.WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
        }

        var result = await _client.SubscribeAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        if (result.Items.Count != filters.Length)
        {
            return (filters[0], MqttClientSubscribeResultCode.UnspecifiedError);
        }

        var refused = result.Items.FirstOrDefault(i => !IsGranted(i.ResultCode));
        return refused is null ? (filters[0], result.Items.First().ResultCode) : (refused.TopicFilter.Topic, refused.ResultCode);
    }

    private static bool IsGranted(MqttClientSubscribeResultCode code) =>
        code is MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2;

    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        var lost = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(_options.ReconnectInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
            try
            {
                if (_halted && _client.IsConnected)
                {
                    IngestLog.ReconnectingToRedeliver(_logger, _options.Host, _options.Port);
                    // A failed store or acknowledgement: drop the connection so the broker redelivers the unacknowledged messages in order.
                    await CloseQuietlyAsync().ConfigureAwait(false);
                }

                if (_client.IsConnected && HeldBackDeliveries() is > 0 and var heldBack)
                {
                    IngestLog.DeliveriesHeldBack(_logger, heldBack, _options.HeldBackDelay, _options.Host, _options.Port);
                    _metrics.RecordHeldBackRecycle();
                    // On the new connection the broker resets its in-flight window for the session and sends everything it holds.
                    await CloseQuietlyAsync().ConfigureAwait(false);
                }

                if (_client.IsConnected)
                {
                    // Messages received or acknowledged since the last look prove the link alive. A ping is needed only
                    // on a quiet link: while the receive window is full the connection reads nothing, so a PINGRESP
                    // behind the messages the broker has sent would be missed and a busy link taken for a dead one.
                    // A store in progress counts too: the broker may hold its messages' PUBACKs against our receive maximum.
                    var activity = Interlocked.Exchange(ref _activity, 0);
                    if (activity > 0 || _writing || await PingAsync(cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }

                    // The link is dead, but MQTTnet may still think it open: close it first, so that a new generation
                    // never starts on the old connection (its queued messages would be dropped without being
                    // acknowledged, and the broker, which still counts them in flight, would never resend them).
                    IngestLog.PingUnanswered(_logger, _options.Host, _options.Port, _options.KeepAlive);
                    await CloseQuietlyAsync().ConfigureAwait(false);
                }

                if (!lost)
                {
                    lost = true;
                    IngestLog.Disconnected(_logger, _options.Host, _options.Port, _options.ReconnectInterval);
                }

                _mode = SubscriptionMode.None;
                await ConnectAndSubscribeAsync(cancellationToken).ConfigureAwait(false);
                lost = false;
                _metrics.RecordReconnect();
                IngestLog.Reconnected(_logger, _options.Host, _options.Port, _mode);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // the broker may be down: try again at the next interval
            catch (Exception ex)
#pragma warning restore CA1031
            {
                IngestLog.ReconnectFailed(_logger, ex, _options.Host, _options.Port);
            }
        }
    }

    /// <summary>
    /// Notes how long a stored message took from its device (by the device's clock) to the ingest. One that reached
    /// the ingest while it was idle, <see cref="MqttIngestOptions.HeldBackDelay"/> later than the least delay seen from
    /// its device, was held back by the broker: the ingest was ready for it all along. The least delay absorbs a device
    /// clock that runs behind; a backlog drained after an outage arrives while the ingest is busy and does not count.
    /// </summary>
    private void NoteDelay(Pending pending, Envelope envelope, DateTimeOffset now)
    {
        if (_options.HeldBackDelay <= TimeSpan.Zero || envelope.Kind is not (TopicKind.Alert or TopicKind.Fingerprint) || pending.Retained)
        {
            return; // a status may be retained or a last will, sent long after it was signed
        }

        var delay = (now - envelope.Timestamp).TotalSeconds;
        var device = (envelope.Fleet, envelope.Device);
        if (!_leastDelay.TryGetValue(device, out var least) || delay < least)
        {
            _leastDelay[device] = least = delay;
        }

        if (pending.ArrivedIdle && delay - least > _options.HeldBackDelay.TotalSeconds)
        {
            Interlocked.Increment(ref _heldBack);
        }
    }

    /// <summary>
    /// The held-back messages counted in the current period when they are enough to replace the connection (the count
    /// starts again after one period's pause, in which the released messages arrive), else 0; a new period starts
    /// every <see cref="MqttIngestOptions.HeldBackDelay"/>.
    /// </summary>
    private int HeldBackDeliveries()
    {
        if (_options.HeldBackDelay <= TimeSpan.Zero)
        {
            return 0;
        }

        var now = _timeProvider.GetUtcNow();
        if (now < _heldBackSince)
        {
            Interlocked.Exchange(ref _heldBack, 0); // just replaced: what the broker held arrives now, late by design
            return 0;
        }

        if (Volatile.Read(ref _heldBack) >= _options.HeldBackToRecycle)
        {
            _heldBackSince = now + _options.HeldBackDelay;
            return Interlocked.Exchange(ref _heldBack, 0);
        }

        if (now - _heldBackSince >= _options.HeldBackDelay)
        {
            _heldBackSince = now;
            Interlocked.Exchange(ref _heldBack, 0);
        }

        return 0;
    }

    /// <summary>Pings the broker; an answer later than the keep-alive period counts as none.</summary>
    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.KeepAlive, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await _client.TryPingAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task CloseQuietlyAsync()
    {
        try
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // closing a dead connection may fail in any way; what matters is that it is closed
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>A PUBLISH the connection's reader did not read itself (<see cref="WindowedChannel"/>): MQTTnet decoded it; MQTTnet acknowledges it when told.</summary>
    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var wireBytes = _window.TakeSize(); // this message's PUBLISH, counted when the connection read it
        Interlocked.Increment(ref _activity);
        if (StoredAck.IsTopic(e.ApplicationMessage.Topic))
        {
            _window.Release(wireBytes);
            return; // a stored acknowledgement (QoS 0; not subscribed to, but a broker may still send one): nothing to store or queue
        }

        e.AutoAcknowledge = false;
        var message = e.ApplicationMessage;
        var payload = message.Payload.IsSingleSegment ? message.Payload.First : message.Payload.ToArray();
        var properties = new MessageProperties(message.ContentType, UserProperty(message, WireFormat.VersionProperty), UserProperty(message, WireFormat.EncodingProperty));
        if (Accept(message.Topic, payload, properties, message.Retain, wireBytes, new Acknowledgement(e, null, 0, 0)) is { } queueing)
        {
            await queueing.ConfigureAwait(false);
        }
    }

    /// <summary>A PUBLISH the connection's reader read itself (in arrival order, on the reader; must not block): queued as MQTTnet's are, acknowledged with the connection's own PUBACK.</summary>
    void IPublishReceiver.OnPublish(in ReceivedPublish publish)
    {
        Interlocked.Increment(ref _activity);
        if (StoredAck.IsTopic(publish.Topic))
        {
            _window.Release(publish.WireBytes);
            return; // as in OnMessageAsync
        }

        // Not awaited: the queue holds more than the window lets in, so it is never full but once the ingest stops, when
        // the message is settled unacknowledged (the broker redelivers it to the next session).
        _ = Accept(publish.Topic, publish.Payload, publish.Properties, publish.Retain, publish.WireBytes, new Acknowledgement(null, publish.Channel, publish.QualityOfService, publish.PacketIdentifier));
    }

    /// <summary>
    /// Queues a received message for the writer (<paramref name="acknowledgement"/> says how it is acknowledged); returns
    /// null when it is queued or dropped, or the wait for room in the queue (which the window keeps from ever filling).
    /// </summary>
    private Task? Accept(string topic, ReadOnlyMemory<byte> payload, MessageProperties properties, bool retained, int wireBytes, Acknowledgement acknowledgement)
    {
        var generation = Interlocked.Read(ref _generation);
        if (_halted)
        {
            _window.Release(wireBytes);
            return null; // left unacknowledged: redelivered after the reconnect
        }

        var parsed = TryParseTopic(topic, out var address);
        var arrivedIdle = _queue.Reader.Count == 0 && !_writing;
        Pending pending;
        if (parsed && address.Kind == TopicKind.Command)
        {
            pending = new(acknowledgement, generation, "command", arrivedIdle, _window, wireBytes) { Retained = retained, Verdict = AcknowledgeOnly }; // commands to devices are not the aggregator's
        }
        else
        {
            // Only queued here: the writer authenticates the next batch while the one before is stored. Verifying here instead,
            // on the connection's reader, drained a store that stores nothing a third faster but made the durable drain
            // slower: on two cores the commit then ran ≈55 instead of ≈35 us per message (session 8, bench/Ingest.Bench, profile).
            // The payload is not copied: it is an array of the message's own, never reused (MQTTnet 5.2 decodes every
            // PUBLISH's payload into one, MqttBufferReader.ReadRemainingData; the channel's reader copies it into one);
            // the verified envelope and the stored fingerprint refer to it (InboundVerifier.TryAuthenticate on memory).
            pending = new(acknowledgement, generation, parsed ? EdgeTopics.KindLevel(address.Kind) : "unknown", arrivedIdle, _window, wireBytes)
            {
                Retained = retained,
                Topic = topic,
                Address = parsed ? address : null,
                Payload = payload,
                Properties = properties,
            };
        }

        if (_queue.Writer.TryWrite(pending))
        {
            Received(pending);
            return null;
        }

        return QueueAsync(pending);
    }

    private async Task QueueAsync(Pending pending)
    {
        try
        {
            await _queue.Writer.WriteAsync(pending, _stopping.Token).ConfigureAwait(false);
            Received(pending);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            pending.Settle();
        }
        catch (ChannelClosedException)
        {
            pending.Settle();
        }
    }

    private void Received(Pending pending)
    {
        if (pending.Kind != "command")
        {
            _metrics.RecordReceived(pending.Kind); // counted once queued for the writer
        }
    }

    /// <summary><see cref="EdgeTopics.TryParse"/>, remembered for the topic strings seen last (the connection's reader gives each recurring topic one string).</summary>
    private bool TryParseTopic(string topic, out TopicAddress address)
    {
        var slot = (RuntimeHelpers.GetHashCode(topic) & 0x7FFFFFFF) % _topics.Length;
        var known = _topics[slot];
        if (known is not null && ReferenceEquals(known.Topic, topic))
        {
            address = known.Address;
            return known.Parsed;
        }

        var parsed = EdgeTopics.TryParse(topic, out address, out _);
        _topics[slot] = new ParsedTopic(topic, parsed, address);
        return parsed;
    }

    /// <summary>Topics parsed last, by the identity of their string (written by the connection's reader or MQTTnet's handler, one at a time).</summary>
    private readonly ParsedTopic?[] _topics = new ParsedTopic?[64];

    private sealed record ParsedTopic(string Topic, bool Parsed, TopicAddress Address);

    /// <summary>Sends a PINGREQ without waiting for the PINGRESP (unread behind the messages while the window is full), so that MQTTnet's keep-alive does not take the link for dead.</summary>
    private void PingWhileStalled()
    {
        if (!_client.IsConnected || _stopping.IsCancellationRequested)
        {
            return;
        }

        Interlocked.Increment(ref _stallPings);
        _ = Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(_options.KeepAlive / 2, TimeProvider.System);
            try
            {
                await _client.PingAsync(timeout.Token).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // the answer is not awaited: it arrives once reading resumes, or the link is checked then
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        });
    }

    /// <summary>
    /// Every check of a received message but the replay guard's (never throws on bad input): an authentic one keeps its
    /// decoded message and what the store is handed; a refused one gets its verdict.
    /// </summary>
    private void Authenticate(Pending pending, ReadOnlyMemory<byte> payload, MessageProperties properties)
    {
        var topic = pending.Topic!;
        if (_verifier.TryAuthenticate(topic, payload, properties, out var inbound, out var rejection))
        {
            pending.Inbound = inbound;
            pending.Incoming = ToIncoming(inbound);
            return;
        }

        pending.Verdict = new Verdict(Work.Reject)
        {
            Address = pending.Address,
            Topic = topic,
            Reason = RejectionCodes.Of(rejection.Reason),
            Detail = rejection.Message,
            Settles = SettledByRejection(topic, payload.Span, properties),
        };
    }

    /// <summary>What the writer does with an authentic message, by the replay guard as the batches before it left it (never throws).</summary>
    private Verdict Decide(Pending pending)
    {
        var inbound = pending.Inbound!;
        var envelope = inbound.Envelope;
        if (_verifier.TryCheckReplay(inbound, out var rejection, out var redelivery)
            || (redelivery && envelope.Kind is TopicKind.Alert or TopicKind.Fingerprint))
        {
            // Accepted; or authentic and fresh but not above the highest sequence seen: a redelivery of a stored message
            // (the store finds it and counts a duplicate) or a first delivery that came late — after a later message of the
            // device was stored, e.g. by another member of the shared subscription — which must not be lost as a "replay".
            return StoreVerdict; // what it stores is the pending message's own (Inbound, Incoming, Address, Topic)
        }

        // An authentic alert or fingerprint that can never be stored (too old) is settled by its recorded refusal, unless it
        // is only ahead of our clock (see SettledByRejection: its checks before the clock's hold for an authentic message).
        MessageKey? settles = envelope.Kind is TopicKind.Alert or TopicKind.Fingerprint && envelope.Timestamp <= _timeProvider.GetUtcNow() + _options.Replay.MaxClockSkew
            ? new MessageKey(envelope.Fleet, envelope.Device, envelope.Sequence)
            : null;
        var reason = RejectionCodes.Of(rejection.Reason);
        return rejection.Reason == RejectionReason.Replayed
            ? new Verdict(Work.Replayed) // a QoS 1 redelivery of a stored message, or a true replay: the writer asks the store
            {
                Key = new MessageKey(envelope.Fleet, envelope.Device, envelope.Sequence),
                Address = pending.Address,
                Topic = pending.Topic,
                Reason = reason,
                Detail = rejection.Message,
                Settles = settles,
            }
            : new Verdict(Work.Reject) { Address = pending.Address, Topic = pending.Topic, Reason = reason, Detail = rejection.Message, Settles = settles };
    }

    /// <summary>
    /// The key of a refused alert or fingerprint that its device really sent (signature valid) and that can never
    /// be stored (too old, or its payload malformed): once the refusal is recorded it is settled, and its stored
    /// acknowledgement stops the device resending it forever. Null for anything else — forged, unknown, or only
    /// ahead of our clock (it may be accepted later).
    /// </summary>
    private MessageKey? SettledByRejection(string topic, ReadOnlySpan<byte> payload, MessageProperties properties)
    {
        if (!EnvelopeCodec.TryDecode(topic, payload, properties, _options.Limits, out var envelope, out _)
            || envelope.Kind is not (TopicKind.Alert or TopicKind.Fingerprint)
            || _keys.Find(envelope.Fleet, envelope.Device) is not { } key
            || !envelope.VerifySignature(key)
            || envelope.Timestamp > _timeProvider.GetUtcNow() + _options.Replay.MaxClockSkew)
        {
            return null;
        }

        return new MessageKey(envelope.Fleet, envelope.Device, envelope.Sequence);
    }

    /// <summary>
    /// The writer: takes what has arrived into the next batch and authenticates it (stateless: decoding, key, HMAC) while
    /// the batch before it is stored on another thread — whose commit waits on the disk; then the replay checks, the store
    /// and the acknowledgements of each batch, one batch after another and in arrival order (<see cref="ProcessAsync"/>).
    /// </summary>
    /// <remarks>
    /// A batch is started only when the one before it has committed and been acknowledged, so the replay guard a batch is
    /// checked against holds every message stored before it, and what arrives while a batch is stored goes into the next
    /// one (group commit). At most half the receive window in one batch, so that the connection goes on reading while a
    /// batch is stored.
    /// </remarks>
    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        var maxBatch = Math.Min(_options.MaxBatchSize, Math.Max(1, _options.MaxQueuedMessages / 2));
        var maxBatchBytes = Math.Max(1, _options.MaxQueuedBytes / 2);
        var next = new List<Pending>(maxBatch);
        long nextBytes = 0;
        Task? storing = null;
        try
        {
            while (true)
            {
                var room = next.Count < maxBatch && nextBytes < maxBatchBytes;
                if (room)
                {
                    nextBytes += TakeAuthenticated(reader, next, maxBatch, maxBatchBytes - nextBytes);
                    room = next.Count < maxBatch && nextBytes < maxBatchBytes;
                }

                if (storing is not null)
                {
                    if (!storing.IsCompleted)
                    {
                        if (!room)
                        {
                            await storing.ConfigureAwait(false);
                        }
                        else
                        {
                            var arrived = reader.WaitToReadAsync(cancellationToken).AsTask();
                            if (await Task.WhenAny(storing, arrived).ConfigureAwait(false) == arrived && !await arrived.ConfigureAwait(false))
                            {
                                await storing.ConfigureAwait(false); // the queue is closed: nothing more arrives
                            }
                        }

                        continue;
                    }

                    await storing.ConfigureAwait(false); // completed: throws what the store stage threw
                    storing = null;
                    continue; // take what arrived meanwhile before the next batch starts
                }

                if (next.Count > 0)
                {
                    var batch = next;
                    next = new List<Pending>(maxBatch);
                    nextBytes = 0;
                    storing = Task.Run(() => StoreAsync(batch, cancellationToken), CancellationToken.None);
                    continue;
                }

                _writing = false;
                if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                _writing = true;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (storing is not null)
            {
                try
                {
                    await storing.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                }
            }

            foreach (var pending in next)
            {
                pending.Settle(); // left to the broker's redelivery
            }

            _writing = false;
        }
    }

    /// <summary>Moves what the queue holds into <paramref name="next"/> (up to its limits; the bytes may end one message over <paramref name="roomBytes"/>) and authenticates each message; returns the bytes taken.</summary>
    private long TakeAuthenticated(ChannelReader<Pending> reader, List<Pending> next, int maxBatch, long roomBytes)
    {
        long bytes = 0;
        long verifying = 0;
        var taken = 0;
        var authenticated = 0;
        while (next.Count < maxBatch && bytes < roomBytes && reader.TryRead(out var pending))
        {
            if (taken++ == 0)
            {
                _writing = true;
                verifying = _timeProvider.GetTimestamp();
            }

            next.Add(pending);
            bytes += pending.WireBytes;
            if (pending.Verdict is null && pending.Inbound is null)
            {
                Authenticate(pending, pending.Payload, pending.Properties); // does not throw
                pending.Payload = default; // the envelope keeps what it needs
                authenticated++;
            }
        }

        if (taken > 0)
        {
            Interlocked.Add(ref _authenticated, authenticated);
            _metrics.RecordStageTime("verify", _timeProvider.GetElapsedTime(verifying));
        }

        return bytes;
    }

    /// <summary>The store stage of one batch: <see cref="ProcessAsync"/>, then every message of it settled.</summary>
    private async Task StoreAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        try
        {
            await ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var pending in batch)
            {
                pending.Settle(); // acknowledged, or left to the broker's redelivery: either way no longer held here
            }

            batch.Clear(); // the finished batch must not keep its payloads alive
        }
    }

    private async Task ProcessAsync(List<Pending> taken, CancellationToken cancellationToken)
    {
        var generation = Interlocked.Read(ref _generation);
        if (_halted)
        {
            return; // a store failure: everything queued is redelivered after the reconnect
        }

        var batch = taken.FindAll(p => p.Generation == generation); // the others are from a lost connection: the broker redelivers them
        var checking = _timeProvider.GetTimestamp();
        foreach (var pending in batch)
        {
            pending.Verdict ??= Decide(pending); // Decide does not throw
        }

        _metrics.RecordStageTime("replay-check", _timeProvider.GetElapsedTime(checking));
        var messages = new List<IncomingMessage>(batch.Count);
        var settled = new Dictionary<(string Fleet, string Device), List<long>>();
        foreach (var pending in batch)
        {
            if (pending.Verdict!.Work == Work.Store)
            {
                messages.Add(pending.Incoming!); // in arrival order
            }
        }

        try
        {
            var outcomes = messages.Count == 0 ? [] : await StoreBatchAsync(messages, cancellationToken).ConfigureAwait(false);
            if (messages.Count > 0)
            {
                _metrics.RecordBatch(messages.Count);
            }

            var next = 0;
            var now = _timeProvider.GetUtcNow(); // the batch is durable as of now: each stored message's lag is taken against it
            for (var i = 0; i < batch.Count; i++)
            {
                var pending = batch[i];
                var verdict = pending.Verdict!;
                switch (verdict.Work)
                {
                    case Work.Store:
                        var outcome = outcomes[next++];
                        if (outcome.Conflict is { } conflict)
                        {
                            await RejectAsync(RejectionCodes.AlertIdConflict, pending.Address, pending.Topic, conflict, cancellationToken).ConfigureAwait(false);
                            Settle(settled, pending.Incoming!.Key); // authentic, refused for good, the refusal recorded
                        }
                        else
                        {
                            var inbound = pending.Inbound!;
                            _verifier.Commit(inbound);
                            Settle(settled, pending.Incoming!.Key);
                            if (outcome.Outcome == StoreOutcome.Stored)
                            {
                                NoteDelay(pending, inbound.Envelope, now); // a first delivery: a device's resend of a stored message is late by design
                                _metrics.RecordStored(pending.Kind, now - inbound.Envelope.Timestamp);
                                Stored?.Invoke(inbound);
                            }
                            else
                            {
                                _metrics.RecordDuplicate(pending.Kind);
                            }
                        }

                        break;
                    case Work.Replayed when await _store.ContainsMessageAsync(verdict.Key!, cancellationToken).ConfigureAwait(false):
                        _metrics.RecordDuplicate(pending.Kind);
                        Settle(settled, verdict.Key!);
                        break;
                    case Work.Replayed:
                    case Work.Reject:
                        await RejectAsync(verdict.Reason!, verdict.Address, verdict.Topic, verdict.Detail!, cancellationToken).ConfigureAwait(false);
                        if (verdict.Settles is { } key)
                        {
                            Settle(settled, key);
                        }

                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // any store failure: leave the batch unacknowledged and reconnect
        catch (Exception ex)
#pragma warning restore CA1031
        {
            IngestLog.StoreFailed(_logger, ex, messages.Count);
            _metrics.RecordStoreFailure();
            _halted = true;
            return;
        }

        // Durable now: acknowledge in arrival order.
        var acknowledging = _timeProvider.GetTimestamp();
        try
        {
            await AcknowledgeAsync(batch, settled, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _metrics.RecordStageTime("acknowledge", _timeProvider.GetElapsedTime(acknowledging));
        }
    }

    /// <summary>Acknowledges a stored batch in arrival order, then publishes the stored acknowledgements: all in one write to the broker.</summary>
    private async Task AcknowledgeAsync(List<Pending> batch, Dictionary<(string Fleet, string Device), List<long>> settled, CancellationToken cancellationToken)
    {
        var channel = _writes.Begin(); // gathers MQTTnet's packet-by-packet writes (anything else sent meanwhile too, in order)
        try
        {
            await AcknowledgeEachAsync(batch, settled, channel, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (channel is not null)
            {
                try
                {
                    await channel.FlushGatheredAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                }
#pragma warning disable CA1031 // as a failed acknowledgement below: the broker redelivers, the store keeps each message once
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    IngestLog.AcknowledgeFailed(_logger, ex, batch.Count);
                    _halted = true;
                }
            }
        }
    }

    private async Task AcknowledgeEachAsync(List<Pending> batch, Dictionary<(string Fleet, string Device), List<long>> settled, WindowedChannel? gathering, CancellationToken cancellationToken)
    {
        foreach (var pending in batch)
        {
            if (Interlocked.Read(ref _generation) != pending.Generation)
            {
                return; // the connection was replaced: the broker redelivers the rest, the store keeps them once
            }

            var acknowledgement = pending.Acknowledgement;
            if (acknowledgement.Args is null && acknowledgement.QualityOfService == 0)
            {
                Interlocked.Increment(ref _activity); // a QoS 0 PUBLISH the reader read: nothing to acknowledge
                continue;
            }

            // The PUBACK MQTTnet would send, gathered directly: MQTTnet's acknowledgement builds, encodes and sends a packet
            // through its adapter, several async calls per message in the stage that holds up the next batch.
            if (acknowledgement.Args is { } args
                    ? gathering is not null && IsPlainPubAck(args) && gathering.TryGatherPubAck(args.PacketIdentifier)
                    : gathering is not null && ReferenceEquals(gathering, acknowledgement.Channel) && gathering.TryGatherPubAck(acknowledgement.PacketIdentifier))
            {
                Interlocked.Increment(ref _activity);
                continue;
            }

            try
            {
                await (acknowledgement.Args is { } mqttNets
                    ? mqttNets.AcknowledgeAsync(cancellationToken)
                    : acknowledgement.Channel!.SendPubAckAsync(acknowledgement.PacketIdentifier, cancellationToken)).ConfigureAwait(false);
                Interlocked.Increment(ref _activity);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // the broker redelivers what is left unacknowledged, the store keeps each message once
            catch (Exception ex)
#pragma warning restore CA1031
            {
                // The rest of the batch stays unacknowledged. If the connection is gone the broker resends it on the next
                // one; if the connection survived (a send timed out), it would hold those messages in flight forever and,
                // once the receive maximum is reached, send nothing more: halt, so that the supervisor replaces it.
                IngestLog.AcknowledgeFailed(_logger, ex, batch.Count);
                _halted = true;
                return;
            }
        }

        if (_options.PublishStoredAcks)
        {
            await PublishStoredAcksAsync(settled, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether MQTTnet would acknowledge the message with a PUBACK of reason Success and no properties (a QoS 1 PUBLISH the ingest left as it came).</summary>
    private static bool IsPlainPubAck(MqttApplicationMessageReceivedEventArgs args) =>
        args.ApplicationMessage.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtLeastOnce
        && args.ReasonCode == MqttApplicationMessageReceivedReasonCode.Success
        && args.ResponseReasonString is null
        && args.ResponseUserProperties is not { Count: > 0 }
        && !args.ProcessingFailed;

    /// <summary>
    /// Stores the batch; a failed attempt is tried once more at once, on the same connection, before the caller halts:
    /// what makes a group commit fail now and then with several aggregators on one database — a deadlock with
    /// another member's commit, or another member storing the same redelivered message first — is over by then,
    /// and the second attempt finds what the first may have stored (duplicates). A second failure is thrown.
    /// </summary>
    private async Task<IReadOnlyList<BatchItemOutcome>> StoreBatchAsync(List<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        try
        {
            return await _store.StoreBatchAsync(messages, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            IngestLog.StoreRetried(_logger, ex, messages.Count);
            _metrics.RecordStoreFailure();
            return await _store.StoreBatchAsync(messages, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _metrics.RecordStageTime("store", _timeProvider.GetElapsedTime(started));
        }
    }

    private static void Settle(Dictionary<(string Fleet, string Device), List<long>> settled, MessageKey key)
    {
        if (!settled.TryGetValue((key.Fleet, key.Device), out var sequences))
        {
            settled[(key.Fleet, key.Device)] = sequences = [];
        }

        sequences.Add(key.Sequence);
    }

    /// <summary>
    /// Tells each device of the batch, retained on its ack topic and signed with its key, which of its messages this
    /// batch settled (stored now, found stored, or refused for good): devices that wait for it (a PUBACK does not
    /// survive a broker crash) let exactly those alerts go. Only what this instance settled is named — never a
    /// "stored through N" — because other members of a shared subscription may still hold lower numbers.
    /// QoS 0: a lost or overwritten acknowledgement only makes the device resend, and the store keeps each message once.
    /// </summary>
    private async Task PublishStoredAcksAsync(Dictionary<(string Fleet, string Device), List<long>> settled, CancellationToken cancellationToken)
    {
        foreach (var ((fleet, device), sequences) in settled)
        {
            if (_keys.Find(fleet, device) is not { } key)
            {
                continue;
            }

            foreach (var ranges in StoredAck.Group(sequences))
            {
                var ack = new MqttApplicationMessageBuilder()
                    .WithTopic(StoredAck.Topic(fleet, device))
                    .WithPayload(StoredAck.Encode(key, fleet, device, ranges))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
                    .WithRetainFlag(true)
                    .Build();
                try
                {
                    await _client.PublishAsync(ack, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // the connection is gone: the devices resend, and the store finds those stored
                catch (Exception)
#pragma warning restore CA1031
                {
                    return;
                }
            }
        }
    }

    private IncomingMessage ToIncoming(InboundMessage inbound)
    {
        var envelope = inbound.Envelope;
        var key = new MessageKey(envelope.Fleet, envelope.Device, envelope.Sequence);
        var now = _timeProvider.GetUtcNow();
        return envelope.Kind switch
        {
            TopicKind.Alert => IncomingMessage.Of(key, now, ToStored(envelope, inbound.Alert!)),
            TopicKind.Fingerprint => IncomingMessage.Of(key, now, ToStored(envelope, inbound.Fingerprint!, FingerprintMemory(envelope))),
            _ => IncomingMessage.Of(key, now, ToStored(inbound.Status!, envelope)),
        };
    }

    /// <summary>The fingerprint bytes inside the verified payload, without copying them (the envelope's payload is immutable).</summary>
    private static ReadOnlyMemory<byte> FingerprintMemory(Envelope envelope)
    {
        var fingerprint = FingerprintReportCodec.FingerprintBytes(envelope.Payload);
        return envelope.Payload.Overlaps(fingerprint, out var offset)
            ? envelope.PayloadMemory.Slice(offset, fingerprint.Length)
            : fingerprint.ToArray();
    }

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

    /// <summary>The fingerprint as stored: its bytes as received (verified and decoded already), not the decoded fingerprint written back.</summary>
    private static StoredFingerprint ToStored(Envelope envelope, FingerprintReport report, ReadOnlyMemory<byte> fingerprint) => new(
        envelope.Fleet,
        envelope.Device,
        envelope.Sequence,
        report.ModelHash,
        report.WindowStart,
        report.WindowEnd,
        report.ObservationCount,
        fingerprint);

    private static DeviceStatusReport ToStored(StatusReport status, Envelope envelope) =>
        new(StatusCodec.ToWireName(status.State), null, status.OutboxDepth, status.DroppedFingerprints, envelope.Timestamp, status.OutboxFault);

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
                // The values every device sends, without a string per message; anything else as received.
                var value = property.ValueBuffer.Span;
                return value.SequenceEqual("1"u8) ? "1"
                    : value.SequenceEqual("json"u8) ? WireFormat.EncodingJson
                    : value.SequenceEqual("binary"u8) ? WireFormat.EncodingBinary
                    : property.ReadValueAsString();
            }
        }

        return null;
    }

    private enum Work
    {
        AcknowledgeOnly,
        Store,
        Replayed,
        Reject,
    }

    /// <summary>A received, not yet acknowledged message and, once verified, what the writer does with it.</summary>
    /// <summary>How a message is acknowledged: through MQTTnet (<paramref name="Args"/>, a PUBLISH MQTTnet read), or with a PUBACK on <paramref name="Channel"/> for packet <paramref name="PacketIdentifier"/> when of QoS 1 (a PUBLISH the connection's reader read itself).</summary>
    private readonly record struct Acknowledgement(MqttApplicationMessageReceivedEventArgs? Args, WindowedChannel? Channel, int QualityOfService, ushort PacketIdentifier);

    private sealed class Pending(Acknowledgement acknowledgement, long generation, string kind, bool arrivedIdle, ReceiveWindow window, int wireBytes)
    {
        private int _settled;

        /// <summary>The PUBLISH packet's size on the wire, as counted in the receive window.</summary>
        public int WireBytes { get; } = wireBytes;

        /// <summary>Gives its room in the receive window back (once).</summary>
        public void Settle()
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0)
            {
                window.Release(WireBytes);
            }
        }

        public Acknowledgement Acknowledgement { get; } = acknowledgement;

        /// <summary>Whether the PUBLISH had its RETAIN flag set (a retained message the broker sends a new subscription).</summary>
        public bool Retained { get; init; }

        public long Generation { get; } = generation;

        public string Kind { get; } = kind;

        /// <summary>Whether the ingest had nothing queued and no store in progress when the message arrived.</summary>
        public bool ArrivedIdle { get; } = arrivedIdle;

        public string? Topic { get; init; }

        public TopicAddress? Address { get; init; }

        /// <summary>The payload as received, until it is verified.</summary>
        public ReadOnlyMemory<byte> Payload { get; set; }

        /// <summary>The MQTT 5 properties the envelope is checked against.</summary>
        public MessageProperties Properties { get; init; }

        /// <summary>The authentic message, once verified; null for a command or a refused message.</summary>
        public InboundMessage? Inbound { get; set; }

        /// <summary>What the store is handed for <see cref="Inbound"/>.</summary>
        public IncomingMessage? Incoming { get; set; }

        /// <summary>What the writer does with it: set on arrival for a command, by the writer's verification otherwise.</summary>
        public Verdict? Verdict { get; set; }
    }

    private static readonly Verdict AcknowledgeOnly = new(Work.AcknowledgeOnly);

    /// <summary>Store the pending message (its Inbound and Incoming); one instance for all, rather than a copy of the pending's fields per message.</summary>
    private static readonly Verdict StoreVerdict = new(Work.Store);

    /// <summary>The outcome of verifying one message.</summary>
    private sealed record Verdict(Work Work)
    {
        public MessageKey? Key { get; init; }

        public TopicAddress? Address { get; init; }

        public string? Topic { get; init; }

        public string? Reason { get; init; }

        public string? Detail { get; init; }

        /// <summary>For a refusal: the key it settles for good (see <see cref="SettledByRejection"/>), or null.</summary>
        public MessageKey? Settles { get; init; }
    }

    private static string Clip(string value, int max) => value.Length <= max ? value : value[..max];
}
