using EdgeSentinel.Monitor.Alerts;
using System.Buffers;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Topics;
using EdgeSentinel.Protocol.Transport;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Microsoft.Data.Sqlite;

namespace EdgeSentinel.Runtime.Reporting;

/// <summary>The device side of reporting: a durable SQLite outbox drained to an MQTT 5 broker over a self-healing connection.</summary>
/// <remarks>
/// <para><see cref="EnqueueAlert"/> and <see cref="EnqueueFingerprint"/> return once the entry is in
/// the outbox file (WAL, synchronous=FULL); an entry leaves only after the broker's PUBACK (QoS 1).</para>
/// <para><see cref="RunAsync"/> is the connection loop: connect (MQTT 5, clean start, retained offline
/// status as last will, result code checked), then in one session: resend entries that were sent but
/// not acknowledged, publish the retained online status, drain the outbox in order one publish at a
/// time, publish status updates; a ping loop runs beside it and ends the session when the broker stops
/// answering, also in the middle of a publish. Reconnects use exponential backoff with jitter and a
/// circuit breaker (Polly), on the given <see cref="TimeProvider"/>. On cancellation it publishes an
/// offline status and disconnects cleanly (no last will).</para>
/// <para>With <see cref="ReporterOptions.AwaitStoredAck"/> (the default), an alert leaves only when an
/// aggregator's signed stored acknowledgement names its sequence number; every session resends what is still
/// in the outbox, in order, with the same sequence numbers, and so does a session in which the oldest waiting
/// alert stayed unacknowledged for <see cref="ReporterOptions.StoredAckTimeout"/>.</para>
/// <para>Enqueue methods and the read-only properties are thread-safe; call <see cref="RunAsync"/> once.</para>
/// </remarks>
public sealed class DeviceReporter : IAsyncDisposable
{
    private readonly ReporterOptions _options;
    private readonly TimeProvider _time;
    private readonly SigningKey _key;
    private readonly SqliteOutbox _outbox;
    private readonly ResiliencePipeline _connectPipeline;
    private readonly MqttClientFactory _factory = new();
    private readonly AsyncSignal _wake = new();
    private readonly TlsClientCredentials? _tls;
    private long _connectAttempts;
    private long _failedConnects;
    private long _sessions;
    private long _acknowledged;
    private long _linkLosses;
    private long _pingFailures;
    private long _commandsAccepted;
    private long _commandsRejected;
    private long _storedAcks;
    private long _storedAcksRejected;
    private long _resendPasses;
    private long _ackProgressMs;
    private long _lastLinkLossMs = long.MinValue;
    private static readonly TimeSpan StorageRetry = TimeSpan.FromSeconds(1);
    private readonly Lock _spillLock = new();
    private readonly List<(byte[] Body, long CreatedMs)> _spill = []; // alerts the outbox could not take (disk full, read-only), in order
    private long _spillDropped;
    private long _fingerprintsLostToFault;
    private volatile string? _outboxFault;
    private InboundVerifier? _commandVerifier;
    private string? _lastError;
    private volatile bool _connected;
    private int _running;

    /// <summary>Opens (or creates) the outbox; throws <see cref="ArgumentException"/> listing every problem of <paramref name="options"/>.</summary>
    public DeviceReporter(ReporterOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid reporter options: " + string.Join("; ", problems), nameof(options));
        }

        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _key = options.DeviceKey!;
        _tls = options.Tls is { } tls ? TlsClientCredentials.Load(tls) : null;
        _outbox = new SqliteOutbox(options.OutboxPath, options.MaxPendingFingerprints, options.MaxWindowsPerSummary);
        _connectPipeline = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.InitialReconnectDelay,
                MaxDelay = options.MaxReconnectDelay,
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
                FailureRatio = 1.0,
                MinimumThroughput = options.BreakerFailureThreshold,
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakerBreakDuration,
            })
            .Build();
        if (options.OperatorKey is { } operatorKey)
        {
            var guard = new ReplayGuard(_time, new ReplayGuardOptions { MaxAge = options.CommandMaxAge });
            guard.Seed(options.Fleet, options.Device, _outbox.HighestCommand);
            _commandVerifier = new InboundVerifier(a => a.Kind == TopicKind.Command ? operatorKey : null, guard);
        }
    }

    /// <summary>Called for each verified command (operator signature, not replayed, not stale), on the MQTT client's thread; set before <see cref="RunAsync"/>.</summary>
    public Func<DeviceCommand, Task>? CommandHandler { get; set; }

    /// <summary>Why the last rejected command was rejected, or null.</summary>
    public Rejection? LastCommandRejection { get; private set; }

    /// <summary>True while a session is up.</summary>
    public bool IsConnected => _connected;

    /// <summary>The outbox's current counts.</summary>
    public OutboxCounts Counts
    {
        get
        {
            var counts = _outbox.Counts();
            return counts with { PendingAlerts = counts.PendingAlerts + SpilledAlerts };
        }
    }

    /// <summary>Why the outbox cannot be written now ("disk full: ...", "read-only: ..."), or null; reported in status while it lasts.</summary>
    public string? OutboxFault => _outboxFault;

    /// <summary>Alerts held in memory because the outbox could not take them (counted in <see cref="Counts"/>' pending alerts); written to the outbox, in order, once it can.</summary>
    public long SpilledAlerts
    {
        get
        {
            lock (_spillLock)
            {
                return _spill.Count;
            }
        }
    }

    /// <summary>Alerts lost because the outbox failed and the in-memory hold was full (<see cref="ReporterOptions.MaxSpilledAlerts"/>), and fingerprint summaries lost because the outbox failed.</summary>
    public (long Alerts, long Fingerprints) LostToOutboxFault => (Interlocked.Read(ref _spillDropped), Interlocked.Read(ref _fingerprintsLostToFault));

    /// <summary>The connection loop's counters.</summary>
    public ReporterStatistics Statistics => new(
        Interlocked.Read(ref _connectAttempts),
        Interlocked.Read(ref _failedConnects),
        Interlocked.Read(ref _sessions),
        Interlocked.Read(ref _acknowledged),
        Interlocked.Read(ref _linkLosses),
        Interlocked.Read(ref _pingFailures),
        Interlocked.Read(ref _commandsAccepted),
        Interlocked.Read(ref _commandsRejected),
        Volatile.Read(ref _lastError),
        Interlocked.Read(ref _storedAcks),
        Interlocked.Read(ref _storedAcksRejected),
        Interlocked.Read(ref _resendPasses),
        Interlocked.Read(ref _lastLinkLossMs) is var lost && lost != long.MinValue ? DateTimeOffset.FromUnixTimeMilliseconds(lost) : null);

    /// <summary>Writes an alert to the outbox (durable on return) and wakes the sender; never throws for a failing outbox (disk full, read-only): the alert then waits in memory, in order, and <see cref="OutboxFault"/> says why.</summary>
    public void EnqueueAlert(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var body = AlertCodec.Encode(alert);
        var created = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_spillLock)
        {
            if (!FlushSpillLocked() || !TryAppend(TopicKind.Alert, body, created))
            {
                if (_spill.Count < _options.MaxSpilledAlerts)
                {
                    _spill.Add((body, created));
                }
                else
                {
                    Interlocked.Increment(ref _spillDropped);
                }
            }
        }

        _wake.Set();
    }

    /// <summary>Writes a fingerprint summary to the outbox (durable on return; may coalesce or drop older summaries per the bound) and wakes the sender; a failing outbox loses the summary (counted), never throws.</summary>
    public void EnqueueFingerprint(FingerprintReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var body = FingerprintReportCodec.Encode(report);
        lock (_spillLock)
        {
            if (!FlushSpillLocked() || !TryAppend(TopicKind.Fingerprint, body, _time.GetUtcNow().ToUnixTimeMilliseconds()))
            {
                Interlocked.Increment(ref _fingerprintsLostToFault);
            }
        }

        _wake.Set();
    }

    /// <summary>Writes held alerts to the outbox in order; true when none is left.</summary>
    private bool FlushSpillLocked()
    {
        while (_spill.Count > 0)
        {
            var (body, created) = _spill[0];
            if (!TryAppend(TopicKind.Alert, body, created))
            {
                return false;
            }

            _spill.RemoveAt(0);
        }

        return true;
    }

    private bool TryAppend(TopicKind kind, byte[] body, long created)
    {
        try
        {
            _outbox.Append(kind, body, created);
            _outboxFault = null;
            return true;
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            _outboxFault = DescribeStorageFailure(ex);
            return false;
        }
    }

    private static bool IsStorageFailure(Exception ex) => ex is SqliteException or IOException;

    private static string DescribeStorageFailure(Exception ex)
    {
        var what = ex is SqliteException sqlite ? (sqlite.SqliteErrorCode & 0xFF) switch
        {
            13 => "disk full",
            8 => "read-only",
            10 => "I/O error",
            14 => "cannot open",
            _ => $"SQLite error {sqlite.SqliteErrorCode}",
        } : "I/O error";
        var message = ex.Message.Length > 160 ? ex.Message[..160] : ex.Message;
        return $"{what}: {message}";
    }

    /// <summary>Runs the connection loop until <paramref name="cancellationToken"/> is cancelled; then goes offline cleanly and returns.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("RunAsync is already running.");
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Session session;
                try
                {
                    session = await _connectPipeline.ExecuteAsync(ConnectOnceAsync, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                var progressBefore = Interlocked.Read(ref _acknowledged);
                try
                {
                    await RunSessionAsync(session, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
                {
                    // Stopping (whatever the cancelled operation threw): go offline cleanly.
                    await GoOfflineAsync(session).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Interlocked.Exchange(ref _lastLinkLossMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
                    Interlocked.Increment(ref _linkLosses);
                    Volatile.Write(ref _lastError, $"link lost: {ex.GetType().Name}: {ex.Message}");
                }
                finally
                {
                    _connected = false;
                    session.Dispose();
                }

                // A session that made no progress (e.g. the broker refuses every publish) must not spin: wait the first backoff step.
                if (Interlocked.Read(ref _acknowledged) == progressBefore)
                {
                    try
                    {
                        await Task.Delay(_options.InitialReconnectDelay, _time, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>Closes the outbox file. Call after <see cref="RunAsync"/> returned.</summary>
    public ValueTask DisposeAsync()
    {
        _outbox.Dispose();
        _tls?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async ValueTask<Session> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _connectAttempts);
        var willSequence = _outbox.ReserveSequence();
        var will = SealStatus(DeviceState.Offline, willSequence, willSequence, "last will");
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.BrokerHost, _options.BrokerPort)
            .WithClientId(_options.EffectiveClientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.ResponseTimeout)
            .WithWillTopic(StatusTopic)
            .WithWillPayload(will)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillContentType(WireFormat.ContentTypeJson)
            .WithWillUserProperty(WireFormat.VersionProperty, Utf8("1"))
            .WithWillUserProperty(WireFormat.EncodingProperty, Utf8(WireFormat.EncodingJson));
        if (_options.Username is not null)
        {
            builder = builder.WithCredentials(_options.Username, _options.Password ?? string.Empty);
        }

        if (_tls is { } tls)
        {
            builder = builder.WithTlsOptions(o => ConfigureTls(o, tls));
        }

        var client = _factory.CreateMqttClient();
        // Our own bound on the handshake: over a link that swallows packets (TCP accepted, no CONNACK ever),
        // MQTTnet's ConnectAsync was seen to wait forever, and the device would never reconnect.
        using var handshake = new CancellationTokenSource(_options.ResponseTimeout, _time);
        using var connectToken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, handshake.Token);
        try
        {
            MqttClientConnectResult result;
            try
            {
                result = await client.ConnectAsync(builder.Build(), connectToken.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (handshake.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                throw new TimeoutException($"no CONNACK within {_options.ResponseTimeout.TotalSeconds:0.###} s", ex);
            }

            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new BrokerRefusedException($"broker refused the connection: {result.ResultCode} {result.ReasonString}".TrimEnd());
            }
        }
        catch (Exception ex)
        {
            client.Dispose();
            if (ex is not OperationCanceledException)
            {
                Interlocked.Increment(ref _failedConnects);
                Volatile.Write(ref _lastError, $"connect failed: {ex.GetType().Name}: {ex.Message}");
            }

            throw;
        }

        Interlocked.Increment(ref _sessions);
        return new Session(client, willSequence);
    }

    private static void ConfigureTls(MqttClientTlsOptionsBuilder tls, TlsClientCredentials credentials)
    {
        tls.UseTls();
        if (credentials.ClientCertificate is { } certificate)
        {
            tls.WithClientCertificates([certificate]);
        }

        if (credentials.TargetHost is { } host)
        {
            tls.WithTargetHost(host);
        }

        tls.WithCertificateValidationHandler(e => credentials.IsServerCertificateValid(e.Certificate, e.Chain, e.SslPolicyErrors));
    }

    private async Task RunSessionAsync(Session session, CancellationToken cancellationToken)
    {
        // Two tokens: "link dead" (ping failure, disconnect) aborts MQTT operations; "stop or dead" only ends waits.
        // Stopping never cancels an MQTT operation in flight — MQTTnet drops the connection when one is cancelled,
        // and the broker would then publish the last will instead of our offline status.
        using var linkDead = new CancellationTokenSource();
        using var stopOrDead = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, linkDead.Token);
        using var pingStop = CancellationTokenSource.CreateLinkedTokenSource(stopOrDead.Token);
        var link = linkDead.Token;
        var wait = stopOrDead.Token;
        session.Client.DisconnectedAsync += _ =>
        {
            Cancel(linkDead);
            return Task.CompletedTask;
        };
        if (!session.Client.IsConnected)
        {
            throw new InvalidOperationException("The connection closed right after it was made.");
        }

        if (_commandVerifier is not null)
        {
            session.Client.ApplicationMessageReceivedAsync += OnCommandMessageAsync;
            var subscription = await session.Client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(EdgeTopics.Build(_options.Fleet, _options.Device, TopicKind.Command), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                link).ConfigureAwait(false);
            foreach (var item in subscription.Items)
            {
                if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))
                {
                    throw new BrokerRefusedException($"broker refused the command subscription: {item.ResultCode}");
                }
            }
        }

        if (_options.AwaitStoredAck)
        {
            // The retained acknowledgement arrives right after subscribing.
            session.Client.ApplicationMessageReceivedAsync += OnStoredAckAsync;
            var subscription = await session.Client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(AckTopic, MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                link).ConfigureAwait(false);
            foreach (var item in subscription.Items)
            {
                if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))
                {
                    throw new BrokerRefusedException($"broker refused the stored-acknowledgement subscription {AckTopic}: {item.ResultCode}");
                }
            }
        }

        _connected = true;
        var ping = PingLoopAsync(session.Client, linkDead, pingStop.Token);
        try
        {
            var onlineSent = false;
            var lastStatusAt = _time.GetUtcNow();
            OutboxCounts? lastStatusCounts = null;
            string? lastStatusFault = null;
            var storageRetryAt = DateTimeOffset.MinValue; // after an outbox write failed: when to try writing again
            var cursor = 0L; // row id of the last entry the broker acknowledged in this session: every session resends all entries still in the outbox
            Volatile.Write(ref _ackProgressMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
            while (true)
            {
                link.ThrowIfCancellationRequested();
                cancellationToken.ThrowIfCancellationRequested();
                var storageBlocked = _time.GetUtcNow() < storageRetryAt;
                OutboxEntry? entry = null;
                if (!storageBlocked)
                {
                    lock (_spillLock)
                    {
                        FlushSpillLocked();
                    }

                    entry = _outbox.PeekAfter(cursor);
                }

                var statusDue = onlineSent && _time.GetUtcNow() - lastStatusAt >= _options.StatusInterval;

                // Entries already sent once keep their (lower) sequence numbers and go before the online status.
                if (entry is not null && (entry.Sequence is not null || (onlineSent && !statusDue)))
                {
                    try
                    {
                        if (await PublishEntryAsync(session.Client, entry, link).ConfigureAwait(false))
                        {
                            cursor = entry.Id;
                        }
                    }
                    catch (Exception ex) when (IsStorageFailure(ex))
                    {
                        // The outbox cannot be written (disk full, read-only): the entry stays and is sent again later.
                        _outboxFault = DescribeStorageFailure(ex);
                        storageRetryAt = _time.GetUtcNow() + StorageRetry;
                    }

                    continue;
                }

                // What a status reports changed (not the sequence counter, which every status itself advances).
                var counts = Counts with { NextSequence = 0, AwaitingStoredAck = 0 };
                var fault = _outboxFault;
                if (!onlineSent || statusDue || fault != lastStatusFault || (entry is null && fault is null && !storageBlocked && counts != lastStatusCounts))
                {
                    try
                    {
                        await PublishStatusAsync(session.Client, DeviceState.Online, session.WillSequence, onlineSent ? "update" : "connected", link).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (IsStorageFailure(ex))
                    {
                        // No sequence number left to give without writing: the status waits for the outbox to recover.
                        _outboxFault = DescribeStorageFailure(ex);
                        storageRetryAt = _time.GetUtcNow() + StorageRetry;
                    }

                    onlineSent = true;
                    lastStatusAt = _time.GetUtcNow();
                    lastStatusCounts = counts;
                    lastStatusFault = fault;
                    continue;
                }

                var wakeAfter = _options.StatusInterval;
                if (_options.AwaitStoredAck && entry is null && counts.Depth > 0)
                {
                    var sinceProgress = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(Volatile.Read(ref _ackProgressMs));
                    if (sinceProgress >= _options.StoredAckTimeout)
                    {
                        // No stored acknowledgement came (lost with a broker crash, or the aggregator was away): send the uncovered entries again.
                        cursor = 0;
                        Interlocked.Increment(ref _resendPasses);
                        Volatile.Write(ref _ackProgressMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
                        continue;
                    }

                    wakeAfter = TimeSpan.FromTicks(Math.Min(wakeAfter.Ticks, (_options.StoredAckTimeout - sinceProgress).Ticks));
                }

                if (fault is not null || storageBlocked)
                {
                    var retryIn = storageRetryAt - _time.GetUtcNow();
                    wakeAfter = TimeSpan.FromTicks(Math.Min(wakeAfter.Ticks, Math.Max(retryIn.Ticks, StorageRetry.Ticks / 4)));
                }

                await _wake.WaitAsync(wakeAfter, _time, wait).ConfigureAwait(false);
            }
        }
        finally
        {
            Cancel(pingStop);
            await ping.ConfigureAwait(false);
        }
    }

    private Task OnStoredAckAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        if (e.ApplicationMessage.Topic != AckTopic)
        {
            return Task.CompletedTask;
        }

        try
        {
            if (!StoredAck.TryDecode(_key, _options.Fleet, _options.Device, e.ApplicationMessage.Payload.ToArray(), out var ranges, out var rejection))
            {
                Interlocked.Increment(ref _storedAcksRejected);
                Volatile.Write(ref _lastError, $"stored acknowledgement rejected: {rejection}");
                return Task.CompletedTask;
            }

            var next = _outbox.Counts().NextSequence;
            if (ranges[^1].To >= next)
            {
                // Beyond any sequence number this outbox gave out (e.g. a retained ack of an outbox file that was replaced): trusted for nothing.
                Interlocked.Increment(ref _storedAcksRejected);
                Volatile.Write(ref _lastError, $"stored acknowledgement naming sequence {ranges[^1].To} is beyond the last sequence sent ({next - 1}); ignored");
                return Task.CompletedTask;
            }

            Interlocked.Increment(ref _storedAcks);
            var oldest = _outbox.OldestBrokered();
            if (_outbox.RemoveSequences(ranges) > 0)
            {
                // Progress is the oldest waiting alert leaving: acks naming only newer ones (another aggregator of a
                // shared subscription stored those) must not hold back the resend of one nobody stored.
                if (_outbox.OldestBrokered() != oldest)
                {
                    Volatile.Write(ref _ackProgressMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
                }

                _wake.Set();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The entries stay and are resent; the aggregator stores them once.
            Volatile.Write(ref _lastError, $"stored acknowledgement not applied: {ex.GetType().Name}: {ex.Message}");
        }

        return Task.CompletedTask;
    }

    private async Task OnCommandMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var verifier = _commandVerifier!;
        var m = e.ApplicationMessage;
        if (m.Topic == AckTopic)
        {
            return; // the stored-acknowledgement handler's
        }

        string? version = null, encoding = null;
        foreach (var p in m.UserProperties ?? [])
        {
            if (p.Name == WireFormat.VersionProperty)
            {
                version = p.ReadValueAsString();
            }
            else if (p.Name == WireFormat.EncodingProperty)
            {
                encoding = p.ReadValueAsString();
            }
        }

        if (!verifier.TryVerify(m.Topic, m.Payload.ToArray(), new MessageProperties(m.ContentType, version, encoding), out var message, out var rejection))
        {
            LastCommandRejection = rejection; // before the counter: whoever sees the count sees its reason
            Interlocked.Increment(ref _commandsRejected);
            return;
        }

        verifier.Commit(message);
        _outbox.RecordCommand(message.Envelope.Sequence);
        Interlocked.Increment(ref _commandsAccepted);
        if (CommandHandler is { } handler)
        {
            await handler(message.Command!).ConfigureAwait(false);
        }
    }

    private async Task PingLoopAsync(IMqttClient client, CancellationTokenSource linkDead, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(_options.PingInterval, _time, stop).ConfigureAwait(false);
                using var timeout = new CancellationTokenSource(_options.ResponseTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(linkDead.Token, timeout.Token);
                await client.PingAsync(linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The session is ending for another reason.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (!linkDead.IsCancellationRequested)
            {
                Interlocked.Increment(ref _pingFailures);
                Volatile.Write(ref _lastError, $"ping failed: {ex.GetType().Name}: {ex.Message}");
            }

            Cancel(linkDead);
        }
    }

    /// <summary>Publishes an entry; true when the broker acknowledged it (and it left the outbox, or waits there for the stored acknowledgement).</summary>
    private async Task<bool> PublishEntryAsync(IMqttClient client, OutboxEntry entry, CancellationToken token)
    {
        var address = EdgeTopics.Address(_options.Fleet, _options.Device, entry.Kind);
        var (sequence, wire) = _outbox.Seal(entry, seq =>
            EnvelopeCodec.Encode(Envelope.Seal(_key, address, seq, DateTimeOffset.FromUnixTimeMilliseconds(entry.CreatedMilliseconds), entry.Body)));
        var code = await PublishAsync(client, address.Topic, entry.Kind, wire, retain: false, $"#{sequence}", token).ConfigureAwait(false);
        if (code == MqttClientPublishReasonCode.NoMatchingSubscribers && _options.HoldUntilSubscribed)
        {
            // Acknowledged, but nobody received it (e.g. the aggregator has not re-subscribed after a broker
            // restart): keep it, same sequence, and try again after a pause.
            Volatile.Write(ref _lastError, $"no subscriber for {address.Topic} #{sequence}; kept in the outbox");
            await Task.Delay(_options.InitialReconnectDelay, _time, token).ConfigureAwait(false);
            return false;
        }

        if (_options.AwaitStoredAck && entry.Kind == TopicKind.Alert)
        {
            if (_outbox.OldestBrokered() is null)
            {
                // The first alert waiting: its stored-acknowledgement timeout starts now, not at the last ack.
                Volatile.Write(ref _ackProgressMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
            }

            _outbox.MarkBrokered(entry.Id); // until an aggregator's stored acknowledgement names it
        }
        else
        {
            _outbox.Remove(entry.Id);
        }

        Interlocked.Increment(ref _acknowledged);
        return true;
    }

    private async Task PublishStatusAsync(IMqttClient client, DeviceState state, long session, string detail, CancellationToken token)
    {
        var sequence = _outbox.ReserveSequence();
        var wire = SealStatus(state, session, sequence, detail);
        await PublishAsync(client, StatusTopic, TopicKind.Status, wire, retain: true, $"#{sequence}", token).ConfigureAwait(false);
    }

    private async Task<MqttClientPublishReasonCode> PublishAsync(IMqttClient client, string topic, TopicKind kind, byte[] wire, bool retain, string what, CancellationToken token)
    {
        var properties = WireFormat.PropertiesFor(kind);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(wire)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .WithContentType(properties.ContentType)
            .WithUserProperty(WireFormat.VersionProperty, Utf8(properties.SchemaVersion!))
            .WithUserProperty(WireFormat.EncodingProperty, Utf8(properties.Encoding!))
            .Build();
        using var timeout = new CancellationTokenSource(_options.PublishTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
        var result = await client.PublishAsync(message, linked.Token).ConfigureAwait(false);
        if (result.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
        {
            throw new BrokerRefusedException($"broker refused {topic} {what}: {result.ReasonCode} {result.ReasonString}".TrimEnd());
        }

        return result.ReasonCode;
    }

    private async Task GoOfflineAsync(Session session)
    {
        if (!session.Client.IsConnected)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_options.ResponseTimeout, _time);
        try
        {
            await PublishStatusAsync(session.Client, DeviceState.Offline, session.WillSequence, "shutdown", timeout.Token).ConfigureAwait(false);
            await session.Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Best effort: the broker publishes the last will instead.
            Volatile.Write(ref _lastError, $"clean shutdown failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private byte[] SealStatus(DeviceState state, long session, long sequence, string detail)
    {
        var counts = Counts;
        var status = new StatusReport(state, session, counts.PendingAlerts, counts.PendingFingerprints, counts.DroppedFingerprints, counts.CoalescedFingerprints, detail, _outboxFault);
        var address = EdgeTopics.Address(_options.Fleet, _options.Device, TopicKind.Status);
        return EnvelopeCodec.Encode(Envelope.Seal(_key, address, sequence, _time.GetUtcNow(), StatusCodec.Encode(status)));
    }

    private string StatusTopic => EdgeTopics.Build(_options.Fleet, _options.Device, TopicKind.Status);

    private string AckTopic => StoredAck.Topic(_options.Fleet, _options.Device);

    private static ReadOnlyMemory<byte> Utf8(string value) => System.Text.Encoding.UTF8.GetBytes(value);

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session is already over.
        }
    }

    private sealed class Session(IMqttClient client, long willSequence) : IDisposable
    {
        public IMqttClient Client { get; } = client;

        public long WillSequence { get; } = willSequence;

        public void Dispose() => Client.Dispose();
    }
}
