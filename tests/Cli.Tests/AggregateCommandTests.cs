using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeSentinel.Cloud.Api;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Transport;
using EdgeSentinel.Runtime.Reporting;

namespace EdgeSentinel.Cli.Tests;

/// <summary>
/// <c>edgesentinel aggregate</c> with its embedded broker, run in-process: a device provisioned with
/// <c>edgesentinel provision</c> reports through the real <see cref="DeviceReporter"/> (default client
/// id, provisioned credentials), the alert is stored and served by the HTTP API, and cancelling stops
/// the verb with exit code 0.
/// </summary>
public sealed partial class AggregateCommandTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("edgesentinel-aggregate-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [GeneratedRegex(@"on mqtt://127\.0\.0\.1:(\d+)")]
    private static partial Regex MqttPort();

    [GeneratedRegex(@"HTTP API: (http://\S+) ")]
    private static partial Regex HttpAddress();

    [Fact]
    public async Task Aggregate_EmbeddedBroker_StoresASignedAlertFromAProvisionedDevice_AndStopsWithExit0OnCancel()
    {
        var store = "sqlite:" + Path.Combine(_folder, "store.db");
        var provisioned = await ProvisionCommandTests.Run("provision", "--fleet", "plant-1", "--device", "press.07", "--store", store);
        Assert.True(provisioned.Exit == 0, provisioned.Err);
        var key = SigningKey.FromBase64(ProvisionCommandTests.LineAfter(provisioned.Out, "# device signing key (base64)"));
        var password = ProvisionCommandTests.LineAfter(provisioned.Out, "# device MQTT password");

        var stdout = new LockedWriter();
        var stderr = new LockedWriter();
        using var stop = new CancellationTokenSource();
        var run = EdgeSentinelCommand.RunAsync(["aggregate", "--store", store, "--http-port", "0", "--mqtt-port", "0"], stdout, stderr, stop.Token);
        try
        {
            await UntilAsync(() => stdout.ToString().Contains("HTTP API:", StringComparison.Ordinal) || run.IsCompleted, "the aggregator started");
            Assert.False(run.IsCompleted, $"aggregate ended early: {stderr}");
            var output = stdout.ToString();
            Assert.Contains("(1 provisioned device(s))", output, StringComparison.Ordinal);
            var port = int.Parse(MqttPort().Match(output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var http = new Uri(HttpAddress().Match(output).Groups[1].Value);

            await using var reporter = new DeviceReporter(new ReporterOptions
            {
                Fleet = "plant-1",
                Device = "press.07",
                DeviceKey = key,
                BrokerHost = "127.0.0.1",
                BrokerPort = port,
                Username = "plant-1/press.07",
                Password = password,
                OutboxPath = Path.Combine(_folder, "outbox.db"),
                InitialReconnectDelay = TimeSpan.FromMilliseconds(100),
                MaxReconnectDelay = TimeSpan.FromSeconds(1),
            });
            reporter.EnqueueAlert(CriticalAlert("press.07-input-drift-1"));
            using var device = new CancellationTokenSource();
            var reporting = reporter.RunAsync(device.Token);

            using var client = new HttpClient { BaseAddress = http };
            string? body = null;
            await UntilAsync(
                async () =>
                {
                    using var response = await client.GetAsync(new Uri("/api/alerts/press.07-input-drift-1", UriKind.Relative));
                    body = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
                    return body is not null;
                },
                "the alert stored and served");
            using (var alert = JsonDocument.Parse(body!))
            {
                var text = alert.RootElement.GetRawText();
                Assert.Contains("\"plant-1\"", text, StringComparison.Ordinal);
                Assert.Contains("\"critical\"", text, StringComparison.Ordinal);
            }

            // The outbox lets the alert go when the aggregator's stored acknowledgement arrives, just after the store shows it.
            await UntilAsync(() => Task.FromResult(reporter.Counts.Depth == 0), "the outbox drained by the stored acknowledgement");
            await device.CancelAsync();
            await reporting.WaitAsync(Deadline);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await run.WaitAsync(Deadline));
        Assert.Equal(string.Empty, stderr.ToString());
    }

    [Fact]
    public async Task Aggregate_BadOptions_Exit2ListingEveryProblem()
    {
        var stdout = new LockedWriter();
        var stderr = new LockedWriter();
        var exit = await EdgeSentinelCommand.RunAsync(["aggregate", "--store", "mysql:x", "--broker", "http://h:1", "--http-port", "70000"], stdout, stderr);

        Assert.Equal(2, exit);
        var errors = stderr.ToString();
        Assert.Contains("--store", errors, StringComparison.Ordinal);
        Assert.Contains("--broker 'http://h:1'", errors, StringComparison.Ordinal);
        Assert.Contains("--http-port 70000", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aggregate_MosquittoOverMutualTls_WithApiTokenFile_IngestsFromATlsDevice_AcknowledgeNeedsTheToken()
    {
        var store = "sqlite:" + Path.Combine(_folder, "store.db");
        var provisioned = await ProvisionCommandTests.Run("provision", "--fleet", "plant-1", "--device", "press.07", "--store", store);
        Assert.True(provisioned.Exit == 0, provisioned.Err);
        var key = SigningKey.FromBase64(ProvisionCommandTests.LineAfter(provisioned.Out, "# device signing key (base64)"));
        using var pki = await TestCertificates.CreateAsync();
        var aggregatorCert = await pki.IssueClientAsync("edgesentinel-aggregator");
        var deviceCert = await pki.IssueClientAsync("plant-1/press.07");
        await using var broker = await MosquittoBroker.StartAsync(
            new MosquittoSecurity([], [.. DeviceProvisioning.MosquittoDevicePatterns, .. DeviceProvisioning.MosquittoAggregatorAcl("edgesentinel-aggregator")]),
            tls: new MosquittoTls(pki.CaFile, await pki.IssueServerAsync()));
        var token = ApiTokenGate.GenerateToken();
        var tokenFile = Path.Combine(_folder, "api.token");
        await File.WriteAllTextAsync(tokenFile, token + "\n");

        var stdout = new LockedWriter();
        var stderr = new LockedWriter();
        using var stop = new CancellationTokenSource();
        var run = EdgeSentinelCommand.RunAsync(
            ["aggregate", "--store", store, "--http-port", "0", "--broker", $"mqtts://127.0.0.1:{broker.Port}", "--ca-file", pki.CaFile,
             "--cert-file", aggregatorCert.CertificateFile, "--key-file", aggregatorCert.KeyFile, "--api-token-file", tokenFile],
            stdout, stderr, stop.Token);
        try
        {
            await UntilAsync(() => stdout.ToString().Contains("API access:", StringComparison.Ordinal) || run.IsCompleted, "the aggregator started");
            Assert.False(run.IsCompleted, $"aggregate ended early: {stderr}");
            var output = stdout.ToString();
            Assert.Contains($"external broker mqtts://127.0.0.1:{broker.Port} (TLS, client certificate, CA {pki.CaFile})", output, StringComparison.Ordinal);
            Assert.Contains("API access: reads open; changes need 'Authorization: Bearer <token>'", output, StringComparison.Ordinal);
            Assert.DoesNotContain(token, output, StringComparison.Ordinal); // the secret stays in its file
            var http = new Uri(HttpAddress().Match(output).Groups[1].Value);

            await using var reporter = new DeviceReporter(new ReporterOptions
            {
                Fleet = "plant-1",
                Device = "press.07",
                DeviceKey = key,
                BrokerHost = "127.0.0.1",
                BrokerPort = broker.Port,
                Tls = new TlsClientOptions { CaCertificateFile = pki.CaFile, ClientCertificateFile = deviceCert.CertificateFile, ClientKeyFile = deviceCert.KeyFile },
                OutboxPath = Path.Combine(_folder, "outbox.db"),
                HoldUntilSubscribed = true,
                InitialReconnectDelay = TimeSpan.FromMilliseconds(100),
                MaxReconnectDelay = TimeSpan.FromSeconds(1),
            });
            reporter.EnqueueAlert(CriticalAlert("press.07-tls-1"));
            using var device = new CancellationTokenSource();
            var reporting = reporter.RunAsync(device.Token);

            using var anonymous = new HttpClient { BaseAddress = http };
            await UntilAsync(
                async () =>
                {
                    using var response = await anonymous.GetAsync(new Uri("/api/alerts/press.07-tls-1", UriKind.Relative));
                    return response.IsSuccessStatusCode;
                },
                "the alert stored and served (reads need no token)");
            using (var refused = await anonymous.PostAsync(new Uri("/api/alerts/press.07-tls-1/acknowledge", UriKind.Relative), new StringContent("{\"by\":\"mallory\"}", Encoding.UTF8, "application/json")))
            {
                Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            using var operatorClient = new HttpClient { BaseAddress = http };
            operatorClient.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using (var ok = await operatorClient.PostAsync(new Uri("/api/alerts/press.07-tls-1/acknowledge", UriKind.Relative), new StringContent("{\"by\":\"alice\"}", Encoding.UTF8, "application/json")))
            {
                Assert.Equal(System.Net.HttpStatusCode.OK, ok.StatusCode);
                Assert.Contains("\"acknowledgedBy\":\"alice\"", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            await device.CancelAsync();
            await reporting.WaitAsync(Deadline);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await run.WaitAsync(Deadline));
        Assert.Equal(string.Empty, stderr.ToString());
    }

    [Fact]
    public async Task Aggregate_TlsAndTokenOptionsMisused_Exit2ListingEveryProblem()
    {
        var shortToken = Path.Combine(_folder, "short.token");
        await File.WriteAllTextAsync(shortToken, "abc");
        var stdout = new LockedWriter();
        var stderr = new LockedWriter();

        var exit = await EdgeSentinelCommand.RunAsync(
            ["aggregate", "--broker", "mqtt://127.0.0.1:1883", "--ca-file", Path.Combine(_folder, "ca.pem"), "--api-token-file", shortToken], stdout, stderr);
        Assert.Equal(2, exit);
        Assert.Contains("--ca-file, --cert-file and --key-file are for TLS: give the broker as mqtts://host:port", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains($"--api-token-file {shortToken}: the token has 3 characters", stderr.ToString(), StringComparison.Ordinal);

        var missing = new LockedWriter();
        Assert.Equal(2, await EdgeSentinelCommand.RunAsync(["aggregate", "--broker", "mqtts://127.0.0.1:8883", "--ca-file", Path.Combine(_folder, "nope.pem"), "--cert-file", shortToken], new LockedWriter(), missing));
        Assert.Contains("--ca-file: " + Path.Combine(_folder, "nope.pem"), missing.ToString(), StringComparison.Ordinal);
        Assert.Contains("--cert-file and --key-file must be given together", missing.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A raised critical input-drift alert of press.07, stamped now.</summary>
    private static Alert CriticalAlert(string id)
    {
        var raised = TimeProvider.System.GetUtcNow();
        return new Alert(id, "press.07", new string('c', 64), AlertKind.InputDrift, "inputs", AlertSeverity.Critical, AlertState.Raised,
            100, 355, raised, raised, new AlertEvidence("ks", 0.4, 0.2, 1e-6, "per window", [new ChannelContribution("input.x", "ks", 0.4, 1.2)]));
    }

    private static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < Deadline, $"timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }
}
