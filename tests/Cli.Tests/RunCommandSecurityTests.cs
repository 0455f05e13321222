using System.Buffers;
using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using EdgeSentinel.Cloud.Broker;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using EdgeSentinel.Protocol.Transport;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeSentinel.Cli.Tests;

/// <summary>
/// The device (<c>edgesentinel run</c>) reporting over mutual TLS to a real Mosquitto and taking operator commands sent with
/// <c>edgesentinel command</c>: a signed clear releases the tripped interlock; unsigned, wrongly signed, device-signed and
/// replayed commands do nothing. Real time (the device paces frames and checks command ages with the clock); every wait
/// is for a condition, with a deadline.
/// </summary>
public sealed partial class RunCommandTests
{
    private const string Fleet = "demo";
    private const string DeviceId = "sim-robot-01"; // firmware-config/sim-robot.json
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Run_OverMutualTls_TrippedInterlock_SignedClearClears_UnsignedForgedDeviceSignedAndReplayedDoNothing()
    {
        using var pki = await TestCertificates.CreateAsync();
        var server = await pki.IssueServerAsync();
        var deviceCert = await pki.IssueClientAsync(DeviceProvisioning.MqttUsername(Fleet, DeviceId));
        var operatorCert = await pki.IssueClientAsync("edgesentinel-aggregator");
        await using var broker = await MosquittoBroker.StartAsync(
            new MosquittoSecurity([], [.. DeviceProvisioning.MosquittoDevicePatterns, .. DeviceProvisioning.MosquittoAggregatorAcl("edgesentinel-aggregator")]),
            tls: new MosquittoTls(pki.CaFile, server));
        var operatorKey = Path.Combine(_w.Folder, "operator.key");
        await File.WriteAllTextAsync(operatorKey, SigningKey.Generate().ToBase64());

        // The tampered model fails its canaries; the interlock trips on canary mismatches only, and canaries run only when commanded.
        var config = _w.Config("commands", "tampered", _w.PolicyBaseline, "clean", c =>
        {
            c["mqtt"] = new JsonObject
            {
                ["host"] = "127.0.0.1",
                ["port"] = broker.Port,
                ["tls"] = true,
                ["caCertificateFile"] = pki.CaFile,
                ["clientCertificateFile"] = deviceCert.CertificateFile,
                ["clientKeyFile"] = deviceCert.KeyFile,
                ["deviceKeyFile"] = c["mqtt"]!["deviceKeyFile"]!.GetValue<string>(),
                ["keepAliveSeconds"] = 15,
            };
            c["interlock"]!["rules"] = new JsonArray(new JsonObject { ["kinds"] = new JsonArray("canary-mismatch"), ["severity"] = "info" });
            c["monitor"] = new JsonObject { ["canaryPeriodFrames"] = 1_000_000_000, ["canaryPeriodSeconds"] = 86_400 };
        });
        var sendArgs = new[] { "--fleet", Fleet, "--device", DeviceId, "--operator-key", operatorKey, "--broker", $"mqtts://127.0.0.1:{broker.Port}",
            "--ca-file", pki.CaFile, "--cert-file", operatorCert.CertificateFile, "--key-file", operatorCert.KeyFile, "--issued-by", "alice" };

        // The operator's own view of the device's topics (the aggregator's login may read everything and write commands).
        using var observer = new MqttClientFactory().CreateMqttClient();
        var seen = new List<(string Topic, byte[] Payload)>();
        observer.ApplicationMessageReceivedAsync += e =>
        {
            lock (seen)
            {
                seen.Add((e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray()));
            }

            return Task.CompletedTask;
        };
        var observerOptions = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("observer").WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTls(new TlsClientOptions { CaCertificateFile = pki.CaFile, ClientCertificateFile = operatorCert.CertificateFile, ClientKeyFile = operatorCert.KeyFile }).Build();
        Assert.Equal(MqttClientConnectResultCode.Success, (await observer.ConnectAsync(observerOptions)).ResultCode);
        var commandTopic = EdgeTopics.Build(Fleet, DeviceId, TopicKind.Command);
        var statusTopic = EdgeTopics.Build(Fleet, DeviceId, TopicKind.Status);
        await observer.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(commandTopic, MqttQualityOfServiceLevel.AtLeastOnce).WithTopicFilter(statusTopic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        List<(string Topic, byte[] Payload)> Seen()
        {
            lock (seen)
            {
                return [.. seen];
            }
        }

        var stdout = new LockedWriter();
        var stderr = new LockedWriter();
        using var stop = new CancellationTokenSource();
        var root = new RootCommand { RunCommand.Create(stdout, stderr, new RunEnvironment { DemoModels = () => _w.Models }) };
        var run = Task.Run(() => root.Parse(["run", "--config", config, "--rate", "100", "--allow-model-mismatch", "--operator-key", operatorKey,
            "--outbox", Path.Combine(_w.Folder, "commands.outbox.db")]).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, stop.Token));
        try
        {
            // Online (retained status, published after the device subscribed to its commands) over TLS.
            await UntilAsync(() => Seen().Any(m => m.Topic == statusTopic && Encoding.UTF8.GetString(m.Payload).Contains("\"online\"", StringComparison.Ordinal)), "the device online", run, stderr);
            Assert.Contains($"reporting: mqtts 127.0.0.1:{broker.Port}", stdout.ToString(), StringComparison.Ordinal);

            // 1. A signed clear while the interlock is armed: accepted, nothing to clear. Kept for a replay later.
            Assert.Equal(0, await SendAsync("clear-interlock", sendArgs));
            await UntilAsync(() => stdout.ToString().Contains("from alice: clear interlock → NotTripped", StringComparison.Ordinal), "the first clear handled", run, stderr);
            var firstClear = Seen().First(m => m.Topic == commandTopic).Payload;

            // 2. Run the canaries now: the tampered model fails them and the interlock trips.
            Assert.Equal(0, await SendAsync("run-canaries", sendArgs));
            await UntilAsync(() => stdout.ToString().Contains("interlock: armed → tripped", StringComparison.Ordinal), "the interlock tripped", run, stderr);

            // 3. Attacks, published with the operator's broker login (the broker lets them through; the device must not).
            var now = TimeProvider.System.GetUtcNow();
            var sequence = (now - DateTimeOffset.UnixEpoch).Ticks / 10;
            var address = EdgeTopics.Address(Fleet, DeviceId, TopicKind.Command);
            var body = CommandCodec.Encode(new DeviceCommand(CommandKind.ClearInterlock, "evil", "mallory"));
            var deviceKey = RunSession.ReadKey(Path.Combine(Workspace.Repository, "firmware-config", "sim-robot.device.key"), "device key");
            var genuine = Encoding.UTF8.GetString(EnvelopeCodec.Encode(Envelope.Seal(RunSession.ReadKey(operatorKey, "operator key"), address, sequence, now, body)));
            var zeroSignature = System.Text.RegularExpressions.Regex.Replace(genuine, "\"sig\":\"[0-9a-f]{64}\"", "\"sig\":\"" + new string('0', 64) + "\"");
            Assert.NotEqual(genuine, zeroSignature);
            await PublishAsync(observer, commandTopic, firstClear);                                                                             // replayed
            await PublishAsync(observer, commandTopic, body);                                                                                   // unsigned: a bare command body
            await PublishAsync(observer, commandTopic, Encoding.UTF8.GetBytes(zeroSignature));                                                  // unsigned: zero signature
            await PublishAsync(observer, commandTopic, EnvelopeCodec.Encode(Envelope.Seal(SigningKey.Generate(), address, sequence + 1, now, body))); // signed with a stranger's key
            await PublishAsync(observer, commandTopic, EnvelopeCodec.Encode(Envelope.Seal(deviceKey, address, sequence + 2, now, body)));       // signed with the device's own key

            // 4. A valid command after them: once it is handled, the device has seen all five (one subscription, in order).
            Assert.Equal(0, await SendAsync("run-canaries", sendArgs));
            await UntilAsync(() => Occurrences(stdout.ToString(), "canary check requested") == 2, "the second canary command handled", run, stderr);
            var output = stdout.ToString();
            Assert.Equal(1, Occurrences(output, "clear interlock →")); // only the first, genuine clear reached the interlock
            Assert.DoesNotContain("tripped → armed", output, StringComparison.Ordinal);
            Assert.DoesNotContain("mallory", output, StringComparison.Ordinal);

            // 5. A fresh signed clear releases it.
            Assert.Equal(0, await SendAsync("clear-interlock", sendArgs));
            await UntilAsync(() => stdout.ToString().Contains("clear interlock → Cleared", StringComparison.Ordinal) && stdout.ToString().Contains("interlock: tripped → armed", StringComparison.Ordinal), "the interlock cleared", run, stderr);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await run.WaitAsync(Deadline));
        Assert.Contains("commands accepted 4, rejected 5", stdout.ToString(), StringComparison.Ordinal);

        // With the device gone (and the observer too) nobody reads its commands: the tool says so instead of claiming success.
        await observer.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        var offline = new LockedWriter();
        Assert.Equal(CommandVerb.NotDelivered, await EdgeSentinelCommand.RunAsync(["command", "clear-interlock", .. sendArgs], new LockedWriter(), offline));
        Assert.Contains($"nobody is subscribed to {commandTopic}", offline.ToString(), StringComparison.Ordinal);
    }

    private static async Task<int> SendAsync(string what, string[] args)
    {
        var stdout = new LockedWriter();
        var stderr = new LockedWriter();
        var exit = await EdgeSentinelCommand.RunAsync(["command", what, .. args], stdout, stderr);
        Assert.True(exit == 0, $"command {what} exited {exit}: {stderr}");
        Assert.Contains($"{what} cmd-", stdout.ToString(), StringComparison.Ordinal);
        return exit;
    }

    private static async Task PublishAsync(IMqttClient client, string topic, byte[] payload)
    {
        var p = WireFormat.PropertiesFor(TopicKind.Command);
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType(p.ContentType).WithUserProperty(WireFormat.VersionProperty, Encoding.UTF8.GetBytes(p.SchemaVersion!)).WithUserProperty(WireFormat.EncodingProperty, Encoding.UTF8.GetBytes(p.Encoding!)).Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode); // the device is subscribed: delivered to it
    }

    private static int Occurrences(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static async Task UntilAsync(Func<bool> condition, string what, Task run, LockedWriter stderr)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.False(run.IsCompleted, $"the device stopped while waiting for: {what}; stderr: {stderr}");
            Assert.True(watch.Elapsed < Deadline, $"timed out waiting for: {what}; stderr: {stderr}");
            await Task.Delay(20);
        }
    }
}
