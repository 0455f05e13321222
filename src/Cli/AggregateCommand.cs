using System.CommandLine;
using System.Net;
using EdgeSentinel.Cloud;
using EdgeSentinel.Cloud.Api;
using EdgeSentinel.Cloud.Broker;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Protocol.Transport;

namespace EdgeSentinel.Cli;

/// <summary>
/// <c>edgesentinel aggregate</c>: runs the cloud aggregator (store, MQTT ingest, HTTP API) until
/// Ctrl+C. Without <c>--broker</c> it starts an embedded, authenticated MQTT broker; with it, it
/// ingests from that broker (Mosquitto, EMQX, ...).
/// </summary>
internal static class AggregateCommand
{
    /// <summary>How often newly provisioned (or re-keyed) devices are picked up from the store.</summary>
    private static readonly TimeSpan KeyRefreshInterval = TimeSpan.FromSeconds(5);

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var store = new Option<string>("--store") { Description = "The store: sqlite:PATH (embedded, default sqlite:edgesentinel.db) or postgres:CONNECTION-STRING (shared by several instances).", DefaultValueFactory = _ => "sqlite:edgesentinel.db" };
        var broker = new Option<string?>("--broker") { Description = "External broker, mqtt://host:port or mqtts://host:port (TLS); without it an embedded broker with authentication is started." };
        var username = new Option<string?>("--username") { Description = "User name on the external broker." };
        var passwordFile = new Option<FileInfo?>("--password-file") { Description = "File whose first line is the password on the external broker." };
        var clientId = new Option<string>("--client-id") { Description = "MQTT client id; unique per aggregator instance.", DefaultValueFactory = _ => "edgesentinel-aggregator" };
        var bind = new Option<string>("--bind") { Description = "Address the HTTP API and the embedded broker listen on (0.0.0.0 for other machines).", DefaultValueFactory = _ => "127.0.0.1" };
        var httpPort = new Option<int>("--http-port") { Description = "HTTP API port (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var mqttPort = new Option<int>("--mqtt-port") { Description = "Embedded broker port (0 picks a free one); ignored with --broker.", DefaultValueFactory = _ => 1883 };
        var caFile = new Option<FileInfo?>("--ca-file") { Description = "With an mqtts:// broker: PEM file of the CA(s) its certificate must chain to (default: the system's trust store)." };
        var certFile = new Option<FileInfo?>("--cert-file") { Description = "With an mqtts:// broker: PEM client certificate of the aggregator (mutual TLS; its common name is the aggregator's MQTT user)." };
        var keyFile = new Option<FileInfo?>("--key-file") { Description = "The PEM private key of --cert-file." };
        var apiTokenFile = new Option<FileInfo?>("--api-token-file") { Description = "File whose first line is the HTTP API token: requests that change state (acknowledge) need 'Authorization: Bearer <token>'. Without it the API is read-only." };

        var command = new Command("aggregate", "Run the cloud aggregator (MQTT ingest, store, HTTP API, /metrics) until Ctrl+C; embedded authenticated broker unless --broker is given.");
        foreach (var o in new Option[] { store, broker, username, passwordFile, clientId, bind, httpPort, mqttPort, caFile, certFile, keyFile, apiTokenFile })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) => RunAsync(
            new Settings(parse.GetValue(store)!, parse.GetValue(broker), parse.GetValue(username), parse.GetValue(passwordFile), parse.GetValue(clientId)!,
                parse.GetValue(bind)!, parse.GetValue(httpPort), parse.GetValue(mqttPort), parse.GetValue(caFile), parse.GetValue(certFile), parse.GetValue(keyFile), parse.GetValue(apiTokenFile)),
            stdout, stderr, cancellationToken));
        return command;
    }

    private sealed record Settings(string Store, string? Broker, string? Username, FileInfo? PasswordFile, string ClientId, string Bind, int HttpPort, int MqttPort,
        FileInfo? CaFile, FileInfo? CertFile, FileInfo? KeyFile, FileInfo? ApiTokenFile);

    private static async Task<int> RunAsync(Settings settings, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (!StoreLocation.TryParse(settings.Store, out var location, out var storeProblem))
        {
            problems.Add($"--store {storeProblem}");
        }

        Uri? brokerUri = null;
        if (settings.Broker is { } b && !BrokerAddress.TryParse(b, out brokerUri, out var brokerProblem))
        {
            problems.Add($"--broker {brokerProblem}");
        }

        var tls = BrokerAddress.Tls(brokerUri, settings.CaFile, settings.CertFile, settings.KeyFile, problems);
        string? apiToken = null;
        if (settings.ApiTokenFile is { } tokenFile)
        {
            apiToken = BrokerAddress.ReadSecretFile(tokenFile, "--api-token-file", problems);
            if (apiToken is not null && ApiTokenGate.Problem(apiToken) is { } tokenProblem)
            {
                problems.Add($"--api-token-file {tokenFile.FullName}: the token {tokenProblem} (make one with: head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' > {tokenFile.Name})");
                apiToken = null;
            }
        }

        if (settings.Broker is null && (settings.Username is not null || settings.PasswordFile is not null))
        {
            problems.Add("--username and --password-file are for an external --broker (the embedded broker makes the aggregator's credentials itself)");
        }

        if (settings.PasswordFile is { Exists: false } missing)
        {
            problems.Add($"--password-file {missing.FullName} does not exist");
        }

        if (!IPAddress.TryParse(settings.Bind, out _))
        {
            problems.Add($"--bind '{settings.Bind}' is not an IP address");
        }

        if (settings.HttpPort is < 0 or > 65535)
        {
            problems.Add($"--http-port {settings.HttpPort} must be in 0..65535");
        }

        if (settings.MqttPort is < 0 or > 65535)
        {
            problems.Add($"--mqtt-port {settings.MqttPort} must be in 0..65535");
        }

        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                stderr.WriteLine($"edgesentinel aggregate: {p}");
            }

            return EdgeSentinelCommand.UsageError;
        }

        FleetServer? server = null;
        try
        {
            var password = settings.PasswordFile is { } file
                ? (await File.ReadAllLinesAsync(file.FullName, cancellationToken).ConfigureAwait(false)).FirstOrDefault() ?? string.Empty
                : null;
            server = await FleetServer.StartAsync(location!, settings.Bind, settings.HttpPort, settings.MqttPort, settings.ClientId, brokerUri, settings.Username, password, tls, apiToken, cancellationToken).ConfigureAwait(false);
            var aggregator = server.Aggregator;
            stdout.WriteLine($"edgesentinel aggregate: store {location} ({server.ProvisionedDevices} provisioned device(s))");
            stdout.WriteLine($"  MQTT: {server.BrokerDescription}, subscribed {(aggregator.Ingest.Mode == SubscriptionMode.Shared ? "with a shared subscription" : "plainly")} as '{settings.ClientId}'");
            stdout.WriteLine($"  HTTP API: {aggregator.Http.Address} (/api/..., /health, /metrics); dashboard {aggregator.Http.Address}dashboard/");
            stdout.WriteLine(apiToken is null
                ? "  API access: read-only (no --api-token-file: acknowledging is refused)"
                : $"  API access: reads open; changes need 'Authorization: Bearer <token>' with the token in {settings.ApiTokenFile!.FullName} (the dashboard asks for it)");
            stdout.WriteLine("  Ctrl+C stops.");
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(KeyRefreshInterval, cancellationToken).ConfigureAwait(false);
                    await server.ReloadKeysAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (System.Data.Common.DbException e)
                {
                    stderr.WriteLine($"edgesentinel aggregate: could not refresh device keys from the store (retrying): {e.Message}");
                }
            }

            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or System.Net.Sockets.SocketException or System.Data.Common.DbException or UnauthorizedAccessException
            or MQTTnet.Exceptions.MqttCommunicationException or TlsCredentialsException or System.Security.Authentication.AuthenticationException)
        {
            stderr.WriteLine($"edgesentinel aggregate: {e.Message}");
            return 1;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            stdout.WriteLine("edgesentinel aggregate: stopped");
        }
    }
}
