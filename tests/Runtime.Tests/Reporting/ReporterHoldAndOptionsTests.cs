using System.Buffers;
using System.Collections.Concurrent;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Tests.Support;
using EdgeSentinel.Protocol.Topics;
using EdgeSentinel.Runtime.Reporting;
using EdgeSentinel.Runtime.Tests.Reporting.Support;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeSentinel.Runtime.Tests.Reporting;

/// <summary><see cref="ReporterOptions.HoldUntilSubscribed"/>, the breaker-duration validation and the default client id.</summary>
public sealed class ReporterHoldAndOptionsTests : IDisposable
{
    private const string Fleet = "fleet-1";
    private const string Device = "robot-7";
    private static readonly SigningKey Key = SigningKey.FromBytes(Enumerable.Range(3, 32).Select(i => (byte)i).ToArray());

    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 5, 0, 0, TimeSpan.Zero));

    public void Dispose() => _folder.Dispose();

    private ReporterOptions Options(int port, bool hold, string fleet = Fleet, string device = Device, int samplingMs = 60_000, int breakMs = 60_000, string? clientId = null) => new()
    {
        Fleet = fleet,
        Device = device,
        ClientId = clientId,
        AwaitStoredAck = false, // no aggregator here: the broker's acknowledgement is the end of the path under test
        BreakerSamplingDuration = TimeSpan.FromMilliseconds(samplingMs),
        BreakerBreakDuration = TimeSpan.FromMilliseconds(breakMs),
        DeviceKey = Key,
        BrokerHost = "127.0.0.1",
        BrokerPort = port,
        OutboxPath = _folder.File("outbox.db"),
        PingInterval = TimeSpan.FromSeconds(5),
        ResponseTimeout = TimeSpan.FromSeconds(10),
        InitialReconnectDelay = TimeSpan.FromSeconds(1),
        MaxReconnectDelay = TimeSpan.FromSeconds(8),
        HoldUntilSubscribed = hold,
    };

    [Fact]
    public async Task HoldUntilSubscribed_AlertAcknowledgedWithNoMatchingSubscribers_StaysInTheOutboxAndIsRetriedWithItsSequence()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var alertSequences = new ConcurrentQueue<long>();
        broker.OnPublish = m =>
        {
            if (m.Topic.EndsWith("/alert", StringComparison.Ordinal)
                && EnvelopeCodec.TryDecode(m.Topic, m.Payload.ToArray(), Collector.PropertiesOf(m), out var envelope, out _))
            {
                alertSequences.Enqueue(envelope.Sequence);
            }
        };
        await using var reporter = new DeviceReporter(Options(broker.Port, hold: true), _time);
        reporter.EnqueueAlert(TestAlerts.Sample(Device, first: 10));
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(cts.Token);

        // Nobody subscribed: the broker acknowledges with "no matching subscribers"; the alert is sent again and again, and kept.
        await Eventually.HoldsAsync(() => alertSequences.Count >= 3, "the alert published three times", _time, TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, reporter.Counts.Depth);
        Assert.Equal(0, reporter.Statistics.Acknowledged);
        Assert.Contains("no subscriber", reporter.Statistics.LastError, StringComparison.Ordinal);
        Assert.Single(alertSequences.Distinct());

        // A subscriber appears: the next attempt is delivered and the alert leaves the outbox, with the same sequence.
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        var received = new ConcurrentQueue<string>();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("aggregator").WithProtocolVersion(MqttProtocolVersion.V500).Build());
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(EdgeTopics.AllDevicesFilter(), MqttQualityOfServiceLevel.AtLeastOnce).Build());

        // (The entry leaves the outbox a moment before the counter moves, and the broker forwards to the subscriber a moment after its PUBACK: wait for all three.)
        await Eventually.HoldsAsync(
            () => reporter.Counts.Depth == 0 && reporter.Statistics.Acknowledged == 1 && received.Any(t => t.EndsWith("/alert", StringComparison.Ordinal)),
            "the alert delivered and removed",
            _time,
            TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, reporter.Statistics.Acknowledged);
        Assert.Contains(received, t => t.EndsWith("/alert", StringComparison.Ordinal));
        Assert.Single(alertSequences.Distinct());

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
        await subscriber.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
    }

    [Fact]
    public async Task WithoutHold_AlertAcknowledgedWithNoMatchingSubscribers_LeavesTheOutbox()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var alerts = 0;
        broker.OnPublish = m =>
        {
            if (m.Topic.EndsWith("/alert", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref alerts);
            }
        };
        await using var reporter = new DeviceReporter(Options(broker.Port, hold: false), _time);
        reporter.EnqueueAlert(TestAlerts.Sample(Device, first: 10));
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(cts.Token);

        await Eventually.HoldsAsync(() => reporter.Counts.Depth == 0, "the alert removed", _time, TimeSpan.FromMilliseconds(500));
        Assert.Equal((1, 1L), (Volatile.Read(ref alerts), reporter.Statistics.Acknowledged));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData(499, 60_000, "BreakerSamplingDuration")]
    [InlineData(60_000, 499, "BreakerBreakDuration")]
    [InlineData(86_400_001, 60_000, "BreakerSamplingDuration")]
    [InlineData(60_000, 86_400_001, "BreakerBreakDuration")]
    public void Validate_BreakerDurationOutsidePollysRange_NamedAsAProblem(int samplingMs, int breakMs, string named)
    {
        var problems = Options(1883, hold: false, samplingMs: samplingMs, breakMs: breakMs);
        var problem = Assert.Single(problems.Validate());
        Assert.StartsWith(named, problem, StringComparison.Ordinal);
        Assert.Contains("0.5 s..1 day", problem, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new DeviceReporter(problems, _time));
    }

    [Theory]
    [InlineData(500, 500)]
    [InlineData(86_400_000, 86_400_000)]
    public void Validate_BreakerDurationsAtPollysLimits_Accepted(int samplingMs, int breakMs)
    {
        var options = Options(1883, hold: false, samplingMs: samplingMs, breakMs: breakMs);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void EffectiveClientId_DottedIds_Unambiguous()
    {
        var a = Options(1883, hold: false, fleet: "f", device: "a.b");
        var b = Options(1883, hold: false, fleet: "f.a", device: "b");
        Assert.Equal(("f:a.b", "f.a:b"), (a.EffectiveClientId, b.EffectiveClientId));
        Assert.Equal("mine", Options(1883, hold: false, clientId: "mine").EffectiveClientId);
    }
}
