using System.Buffers;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Tests.Support;
using EdgeSentinel.Protocol.Topics;
using EdgeSentinel.Runtime.Reporting;
using EdgeSentinel.Runtime.Tests.Reporting.Support;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Protocol;

namespace EdgeSentinel.Runtime.Tests.Reporting;

public sealed class DeviceReporterTests : IDisposable
{
    private const string Fleet = "fleet-1";
    private const string Device = "robot-7";
    private static readonly SigningKey Key = SigningKey.FromBytes(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray());

    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 4, 0, 0, TimeSpan.Zero));

    public void Dispose() => _folder.Dispose();

    private ReporterOptions Options(int port, Action<ReporterOptionsBuilder>? tweak = null)
    {
        var b = new ReporterOptionsBuilder { Port = port, Outbox = _folder.File("outbox.db") };
        tweak?.Invoke(b);
        return new ReporterOptions
        {
            Fleet = Fleet,
            Device = Device,
            DeviceKey = Key,
            BrokerHost = "127.0.0.1",
            BrokerPort = b.Port,
            OutboxPath = b.Outbox,
            AwaitStoredAck = false, // no aggregator here: the broker's acknowledgement is the end of the path under test
            Username = b.Username,
            Password = b.Password,
            PingInterval = TimeSpan.FromSeconds(5),
            ResponseTimeout = TimeSpan.FromSeconds(10),
            InitialReconnectDelay = TimeSpan.FromSeconds(1),
            MaxReconnectDelay = TimeSpan.FromSeconds(8),
            BreakerFailureThreshold = b.BreakerThreshold,
            BreakerBreakDuration = TimeSpan.FromSeconds(60),
        };
    }

    private Collector NewCollector() => new(new InboundVerifier(
        a => a.Fleet == Fleet && a.Device == Device ? Key : null,
        new ReplayGuard(_time)));

    private static List<long> AlertSamples(Collector c) =>
        c.Accepted.Where(m => m.Alert is not null).Select(m => m.Alert!.FirstSample).ToList();

    private static StatusReport DecodeStatus(MQTTnet.MqttApplicationMessage message)
    {
        Assert.True(EnvelopeCodec.TryDecode(message.Topic, message.Payload.ToArray(), Collector.PropertiesOf(message), out var envelope, out var r1), r1.Message);
        Assert.True(envelope.VerifySignature(Key));
        Assert.True(StatusCodec.TryDecode(envelope, ProtocolLimits.Default, out var status, out var r2), r2.Message);
        return status;
    }

    [Fact]
    public async Task Run_PublishesEverything_AcknowledgedEntriesLeaveTheOutboxInOrder()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var collector = NewCollector();
        broker.OnPublish = collector.Handle;
        await using var reporter = new DeviceReporter(Options(broker.Port), _time);
        for (var i = 0; i < 30; i++)
        {
            reporter.EnqueueAlert(TestAlerts.Sample(Device, first: i * 10));
            if (i % 10 == 9)
            {
                reporter.EnqueueFingerprint(new FingerprintReport(TestFingerprints.ModelHash, _time.GetUtcNow(), _time.GetUtcNow(), 1, TestFingerprints.Training));
            }
        }

        Assert.Equal(33, reporter.Counts.Depth);
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(cts.Token);

        await Eventually.HoldsAsync(() => reporter.Counts.Depth == 0 && collector.Accepted.Count(m => m.Status is not null) >= 2, "outbox drained and status updated");

        Assert.Empty(collector.Rejected);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i * 10L), AlertSamples(collector));
        Assert.Equal(3, collector.Accepted.Count(m => m.Fingerprint is not null));
        var sequences = collector.Accepted.Select(m => m.Envelope.Sequence).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(sequences.Count, sequences.Distinct().Count());

        // The online status comes first (session = the reserved will sequence 1), a status update after draining reports an empty outbox.
        var first = collector.Accepted[0];
        Assert.Equal((DeviceState.Online, 1L, 33L), (first.Status!.State, first.Status.Session, first.Status.OutboxDepth));
        Assert.Equal(0, collector.Accepted.Last(m => m.Status is not null).Status!.OutboxDepth);
        Assert.All(collector.Raw, r => Assert.Equal(r.Topic.EndsWith("/status", StringComparison.Ordinal), r.Retain));
        Assert.All(collector.Raw, r => Assert.Equal(r.Topic.EndsWith("/fingerprint", StringComparison.Ordinal) ? WireFormat.ContentTypeBinary : WireFormat.ContentTypeJson, r.ContentType));
        Assert.Equal(DeviceState.Online, DecodeStatus((await broker.RetainedAsync(EdgeTopics.Build(Fleet, Device, TopicKind.Status)))!).State);
        Assert.Equal(33, reporter.Statistics.Acknowledged);

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
        var final = DecodeStatus((await broker.RetainedAsync(EdgeTopics.Build(Fleet, Device, TopicKind.Status)))!);
        Assert.True((DeviceState.Offline, "shutdown") == (final.State, final.Detail), $"final status {final.State} {final.Detail}; last error: {reporter.Statistics.LastError}");
        Assert.Empty(collector.Rejected);
    }

    [Fact]
    public async Task BrokerStoppedMidStream_ThenRestarted_EveryAlertArrivesOnceInOrder()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var collector = NewCollector();
        broker.OnPublish = collector.Handle;
        await using var reporter = new DeviceReporter(Options(broker.Port), _time);
        for (var i = 0; i < 300; i++)
        {
            reporter.EnqueueAlert(TestAlerts.Sample(Device, first: i));
        }

        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(cts.Token);
        await Eventually.HoldsAsync(() => AlertSamples(collector).Count >= 60, "first alerts delivered");

        await broker.StopAsync();
        await Eventually.HoldsAsync(() => !reporter.IsConnected, "reporter noticed the outage");
        for (var i = 300; i < 320; i++)
        {
            reporter.EnqueueAlert(TestAlerts.Sample(Device, first: i));
        }

        var duringOutage = reporter.Counts.PendingAlerts;
        Assert.True(duringOutage >= 20, $"{duringOutage} pending during the outage");

        // Reconnect attempts fail and back off on the fake clock; advance it only while the reporter is disconnected.
        await Eventually.HoldsAsync(() => reporter.Statistics.FailedConnects >= 2, "failed reconnects", _time, TimeSpan.FromSeconds(1), advanceWhile: () => !reporter.IsConnected);
        await broker.StartAsync();
        await Eventually.HoldsAsync(
            () => reporter.Counts.Depth == 0 && AlertSamples(collector).Count == 320,
            "all alerts delivered after the restart",
            _time,
            TimeSpan.FromSeconds(1),
            advanceWhile: () => !reporter.IsConnected);

        Assert.Equal(Enumerable.Range(0, 320).Select(i => (long)i), AlertSamples(collector));
        Assert.All(collector.Rejected, r => Assert.Equal(RejectionReason.Replayed, r.Reason));
        Assert.True(reporter.Statistics.Sessions >= 2);
        Assert.True(reporter.Statistics.LinkLosses >= 1);

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task RestartedReporter_ContinuesTheSequence_AndResendsWhatWasPending()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var collector = NewCollector();
        broker.OnPublish = collector.Handle;
        long firstRunHighest;
        await using (var reporter = new DeviceReporter(Options(broker.Port), _time))
        {
            using var cts = new CancellationTokenSource();
            var run = reporter.RunAsync(cts.Token);
            for (var i = 0; i < 5; i++)
            {
                reporter.EnqueueAlert(TestAlerts.Sample(Device, first: i));
            }

            await Eventually.HoldsAsync(() => AlertSamples(collector).Count == 5, "first run delivered");
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(20));
            firstRunHighest = collector.Verifier.Guard.HighestSequence(Fleet, Device);

            // Written while the reporter is not running: must survive in the file.
            reporter.EnqueueAlert(TestAlerts.Sample(Device, first: 5));
        }

        await using (var reporter = new DeviceReporter(Options(broker.Port), _time))
        {
            Assert.Equal(1, reporter.Counts.PendingAlerts);
            Assert.True(reporter.Counts.NextSequence > firstRunHighest);
            using var cts = new CancellationTokenSource();
            var run = reporter.RunAsync(cts.Token);
            await Eventually.HoldsAsync(() => AlertSamples(collector).Count == 6 && reporter.Counts.Depth == 0, "second run delivered");
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(20));
        }

        Assert.Empty(collector.Rejected);
        Assert.Equal([0L, 1, 2, 3, 4, 5], AlertSamples(collector));
    }

    [Fact]
    public async Task FrozenLink_PingLoopDetectsItDuringAPublish_ReconnectsAndDeliversOnce()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var collector = NewCollector();
        broker.OnPublish = collector.Handle;
        await using var proxy = new FreezingProxy(broker.Port);
        await using var reporter = new DeviceReporter(Options(proxy.Port), _time);
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(cts.Token);
        for (var i = 0; i < 5; i++)
        {
            reporter.EnqueueAlert(TestAlerts.Sample(Device, first: i));
        }

        await Eventually.HoldsAsync(() => AlertSamples(collector).Count == 5 && reporter.Counts.Depth == 0, "first alerts delivered");

        // The link goes silent: no socket error, no PUBACK, no PINGRESP. The publish of alert 5 hangs (publish timeout 30 s);
        // the ping loop (every 5 s, 10 s to answer) must end the session first.
        proxy.FreezeAll();
        reporter.EnqueueAlert(TestAlerts.Sample(Device, first: 5));
        await Eventually.HoldsAsync(() => reporter.Statistics.LinkLosses >= 1, "dead link detected", _time, TimeSpan.FromSeconds(1), advanceWhile: () => reporter.Statistics.LinkLosses == 0);
        Assert.Equal(1, reporter.Statistics.PingFailures);
        Assert.True(_time.GetUtcNow() - new DateTimeOffset(2026, 11, 24, 4, 0, 0, TimeSpan.Zero) < TimeSpan.FromSeconds(30), "detected before the publish timeout");

        reporter.EnqueueAlert(TestAlerts.Sample(Device, first: 6));
        await Eventually.HoldsAsync(
            () => AlertSamples(collector).Count == 7 && reporter.Counts.Depth == 0,
            "delivered after reconnecting",
            _time,
            TimeSpan.FromSeconds(1),
            advanceWhile: () => !reporter.IsConnected);

        Assert.Equal([0L, 1, 2, 3, 4, 5, 6], AlertSamples(collector));

        // The frozen session's last will is published by the broker when the new connection takes over the client id.
        // MQTTnet's in-process broker sometimes hands out that will with a payload overwritten by a later packet
        // (it starts 0x33, a PUBLISH header); the verifier then rejects it as Malformed — so status topics are not asserted here.
        Assert.DoesNotContain(collector.Rejected, r => !r.Message.Contains("/status ", StringComparison.Ordinal));
        Assert.Equal(2, reporter.Statistics.Sessions);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Commands_SignedByTheOperator_Handled_ForgedAndReplayedRejected()
    {
        var operatorKey = SigningKey.FromBytes(Enumerable.Range(60, 32).Select(i => (byte)i).ToArray());
        await using var broker = await InProcessBroker.StartAsync();
        var options = Options(broker.Port);
        await using var reporter = new DeviceReporter(
            new ReporterOptions { Fleet = options.Fleet, Device = options.Device, DeviceKey = Key, BrokerPort = broker.Port, OutboxPath = options.OutboxPath, OperatorKey = operatorKey, AwaitStoredAck = false },
            _time);
        var received = new List<DeviceCommand>();
        reporter.CommandHandler = c =>
        {
            lock (received)
            {
                received.Add(c);
            }

            return Task.CompletedTask;
        };
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(cts.Token);
        await Eventually.HoldsAsync(() => reporter.IsConnected, "connected");

        var operatorClient = new MQTTnet.MqttClientFactory().CreateMqttClient();
        await operatorClient.ConnectAsync(new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
        var address = EdgeTopics.Address(Fleet, Device, TopicKind.Command);
        async Task SendAsync(long sequence, SigningKey key, CommandKind kind)
        {
            var bytes = EnvelopeCodec.Encode(Envelope.Seal(key, address, sequence, _time.GetUtcNow(), CommandCodec.Encode(new DeviceCommand(kind, $"op-{sequence}", "alice"))));
            await operatorClient.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic(address.Topic).WithPayload(bytes).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }

        await SendAsync(1, operatorKey, CommandKind.ClearInterlock);
        await Eventually.HoldsAsync(() => reporter.Statistics.CommandsAccepted == 1, "command handled");
        await SendAsync(1, operatorKey, CommandKind.ClearInterlock);
        await Eventually.HoldsAsync(() => reporter.Statistics.CommandsRejected == 1, "replay rejected");
        Assert.Equal(RejectionReason.Replayed, reporter.LastCommandRejection!.Value.Reason);
        await SendAsync(2, Key, CommandKind.RunCanaries);
        await Eventually.HoldsAsync(() => reporter.Statistics.CommandsRejected == 2, "device-key command rejected");
        Assert.Equal(RejectionReason.BadSignature, reporter.LastCommandRejection!.Value.Reason);
        await SendAsync(3, operatorKey, CommandKind.RunCanaries);
        await Eventually.HoldsAsync(() => reporter.Statistics.CommandsAccepted == 2, "second command handled");

        lock (received)
        {
            Assert.Equal([CommandKind.ClearInterlock, CommandKind.RunCanaries], received.Select(c => c.Command));
        }

        await operatorClient.DisconnectAsync(new MQTTnet.MqttClientDisconnectOptionsBuilder().Build());
        operatorClient.Dispose();
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Options_Validate_ListsEveryProblem()
    {
        var problems = new ReporterOptions { Fleet = "a/b", Device = "", BrokerPort = 0, PingInterval = TimeSpan.Zero, MaxPendingFingerprints = 0 }.Validate();
        Assert.Equal(7, problems.Count);
        Assert.Contains(problems, p => p.Contains("Fleet 'a/b'", StringComparison.Ordinal) && p.Contains("'/'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("DeviceKey", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("OutboxPath", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new DeviceReporter(new ReporterOptions()));
    }

    [Fact]
    public async Task WrongCredentials_RefusalCounted_BreakerStopsAttemptsUntilBreakDurationPasses()
    {
        await using var broker = await InProcessBroker.StartAsync(e =>
        {
            if (e.UserName != "robot-7" || e.Password != "right")
            {
                e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            }

            return Task.CompletedTask;
        });
        await using var reporter = new DeviceReporter(Options(broker.Port, o => { o.Username = "robot-7"; o.Password = "wrong"; o.BreakerThreshold = 3; }), _time);
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(cts.Token);

        // Backoff 1 s, 2 s, 4 s (±jitter): three refusals open the breaker.
        await Eventually.HoldsAsync(() => reporter.Statistics.FailedConnects >= 3, "three refused attempts", _time, TimeSpan.FromMilliseconds(500));
        Assert.Contains("BadUserNameOrPassword", reporter.Statistics.LastError, StringComparison.Ordinal);
        Assert.Equal(reporter.Statistics.ConnectAttempts, reporter.Statistics.FailedConnects);
        Assert.False(reporter.IsConnected);

        // While open (60 s) retries hit the breaker, not the broker.
        var attemptsWhenOpen = reporter.Statistics.ConnectAttempts;
        for (var i = 0; i < 50; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        Assert.Equal(3, attemptsWhenOpen);
        Assert.Equal(attemptsWhenOpen, reporter.Statistics.ConnectAttempts);

        // After the break the breaker lets an attempt through again.
        await Eventually.HoldsAsync(() => reporter.Statistics.ConnectAttempts > attemptsWhenOpen, "attempt after the break", _time, TimeSpan.FromSeconds(1));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }
}

/// <summary>Per-test tweaks of <see cref="ReporterOptions"/>.</summary>
internal sealed class ReporterOptionsBuilder
{
    public int Port { get; set; }

    public string Outbox { get; set; } = string.Empty;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public int BreakerThreshold { get; set; } = 5;
}
