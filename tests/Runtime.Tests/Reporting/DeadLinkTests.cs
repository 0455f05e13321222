using System.Net;
using System.Net.Sockets;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Tests.Support;
using EdgeSentinel.Runtime.Reporting;
using EdgeSentinel.Runtime.Tests.Reporting.Support;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Runtime.Tests.Reporting;

/// <summary>Dead links on fake time: found within 1.5 × keep-alive while publishing, and a handshake that never gets its CONNACK does not block reconnection.</summary>
public sealed class DeadLinkTests : IDisposable
{
    private const string Fleet = "fleet-1";
    private const string Device = "robot-7";
    private static readonly SigningKey Key = SigningKey.FromBytes(Enumerable.Range(31, 32).Select(i => (byte)i).ToArray());
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(T0);

    public void Dispose() => _folder.Dispose();

    private ReporterOptions Options(int port) => new()
    {
        Fleet = Fleet,
        Device = Device,
        DeviceKey = Key,
        BrokerPort = port,
        OutboxPath = _folder.File("outbox.db"),
        AwaitStoredAck = false, // no aggregator here: the broker's acknowledgement is the end of the path under test
        KeepAlive = TimeSpan.FromSeconds(15),
        PingInterval = TimeSpan.FromSeconds(5),
        ResponseTimeout = TimeSpan.FromSeconds(10),
        PublishTimeout = TimeSpan.FromSeconds(60),
        InitialReconnectDelay = TimeSpan.FromSeconds(1),
        MaxReconnectDelay = TimeSpan.FromSeconds(2),
        BreakerFailureThreshold = 1000,
    };

    [Fact]
    public async Task FrozenLinkDuringAPublish_DetectedWithinOneAndAHalfKeepAlivesOfFakeTime()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var proxy = new FreezingProxy(broker.Port);
        var options = Options(proxy.Port);
        await using var reporter = new DeviceReporter(options, _time);
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(cts.Token);
        reporter.EnqueueAlert(TestAlerts.Sample(Device, first: 1));
        await Eventually.HoldsAsync(() => reporter.Statistics.Acknowledged == 1 && reporter.Counts.Depth == 0, "first alert delivered");

        proxy.FreezeAll();
        var frozenAt = _time.GetUtcNow();
        reporter.EnqueueAlert(TestAlerts.Sample(Device, first: 2)); // its publish hangs: PUBACK never comes (publish timeout 60 s)
        await Eventually.HoldsAsync(() => reporter.Statistics.LinkLosses == 1, "dead link found", _time, TimeSpan.FromMilliseconds(250), advanceWhile: () => reporter.Statistics.LinkLosses == 0);

        // Fake time: the ping loop finds it after at most one ping interval plus the response timeout (5 + 10 s,
        // plus one 0.25 s step of the test clock), inside 1.5 x keep-alive = 22.5 s and long before the publish timeout.
        var detectedAfter = reporter.Statistics.LastLinkLossAt!.Value - frozenAt;
        Assert.InRange(detectedAfter, options.ResponseTimeout, options.PingInterval + options.ResponseTimeout + TimeSpan.FromMilliseconds(250));
        Assert.True(detectedAfter <= 1.5 * options.KeepAlive);
        Assert.Equal(1, reporter.Statistics.PingFailures);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task BrokerAcceptsTcpButNeverAnswers_HandshakeTimesOutAndTheReporterKeepsTrying()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0); // accepts (backlog), never sends a CONNACK
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var reporter = new DeviceReporter(Options(port), _time);
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(cts.Token);

        await Eventually.HoldsAsync(() => reporter.Statistics.ConnectAttempts >= 3, "three attempts", _time, TimeSpan.FromMilliseconds(500));
        Assert.True(reporter.Statistics.FailedConnects >= 2);
        Assert.Contains("no CONNACK within 10 s", reporter.Statistics.LastError, StringComparison.Ordinal);
        Assert.Equal(0, reporter.Statistics.Sessions);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
