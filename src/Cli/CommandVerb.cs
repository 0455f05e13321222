using System.CommandLine;
using System.Security.Cryptography;
using EdgeSentinel.Cloud.Broker;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;
using EdgeSentinel.Protocol.Transport;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeSentinel.Cli;

/// <summary>
/// <c>edgesentinel command clear-interlock|run-canaries --fleet F --device D --operator-key K --broker URL</c>: the operator's
/// side of device commands. Seals the command with the fleet operator's key (HMAC-SHA256 envelope on <c>.../cmd</c>, sequence
/// = the issue time in microseconds, so every command is above the last one the device accepted) and publishes it with QoS 1;
/// exits 0 only when the broker delivered it to a subscriber (the device). The device checks signature, replay and age.
/// </summary>
internal static class CommandVerb
{
    /// <summary>Exit code when the broker refused, nobody was subscribed, or the connection failed.</summary>
    public const int NotDelivered = 1;

    public static Command Create(TextWriter stdout, TextWriter stderr) => Create(stdout, stderr, TimeProvider.System);

    internal static Command Create(TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        var what = new Argument<string>("command") { Description = "What the device should do: clear-interlock (release a latched safety interlock) or run-canaries (replay the baseline's canaries now)." };
        what.AcceptOnlyFromAmong(CommandCodec.ToWireName(CommandKind.ClearInterlock), CommandCodec.ToWireName(CommandKind.RunCanaries));
        var fleet = new Option<string>("--fleet") { Description = "Fleet id.", Required = true };
        var device = new Option<string>("--device") { Description = "Device id within the fleet.", Required = true };
        var operatorKey = new Option<FileInfo>("--operator-key") { Description = "The fleet operator's key (base64 or hex; the file the device's 'run --operator-key' names).", Required = true };
        var broker = new Option<string>("--broker") { Description = "The broker: mqtt://host:port or mqtts://host:port (TLS).", Required = true };
        var username = new Option<string?>("--username") { Description = "User name on the broker (one allowed to write edgesentinel/v1/+/+/cmd, e.g. the aggregator's)." };
        var passwordFile = new Option<FileInfo?>("--password-file") { Description = "File whose first line is the password." };
        var caFile = new Option<FileInfo?>("--ca-file") { Description = "With mqtts://: PEM file of the CA(s) the broker's certificate must chain to (default: the system's trust store)." };
        var certFile = new Option<FileInfo?>("--cert-file") { Description = "With mqtts://: PEM client certificate (mutual TLS)." };
        var keyFile = new Option<FileInfo?>("--key-file") { Description = "The PEM private key of --cert-file." };
        var issuedBy = new Option<string>("--issued-by") { Description = "Who issues the command (shown in the device's log).", DefaultValueFactory = _ => "operator" };
        var reason = new Option<string?>("--reason") { Description = "Why (shown in the device's log)." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the broker (connect and acknowledgement).", DefaultValueFactory = _ => 10 };

        var command = new Command("command", "Send a command signed with the fleet operator's key to one device over MQTT (clear-interlock, run-canaries).");
        command.Arguments.Add(what);
        foreach (var o in new Option[] { fleet, device, operatorKey, broker, username, passwordFile, caFile, certFile, keyFile, issuedBy, reason, timeout })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) => RunAsync(
            new Request(parse.GetValue(what)!, parse.GetValue(fleet)!, parse.GetValue(device)!, parse.GetValue(operatorKey)!, parse.GetValue(broker)!,
                parse.GetValue(username), parse.GetValue(passwordFile), parse.GetValue(caFile), parse.GetValue(certFile), parse.GetValue(keyFile),
                parse.GetValue(issuedBy)!, parse.GetValue(reason), parse.GetValue(timeout)),
            stdout, stderr, time, cancellationToken));
        return command;
    }

    private sealed record Request(string What, string Fleet, string Device, FileInfo OperatorKey, string Broker, string? Username, FileInfo? PasswordFile,
        FileInfo? CaFile, FileInfo? CertFile, FileInfo? KeyFile, string IssuedBy, string? Reason, double TimeoutSeconds);

    private static async Task<int> RunAsync(Request request, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (!CommandCodec.TryParse(request.What, out var kind))
        {
            problems.Add($"'{request.What}' is not clear-interlock or run-canaries");
        }
        if (!Identifiers.IsValid(request.Fleet, out var fleetProblem))
        {
            problems.Add($"--fleet '{request.Fleet}' {fleetProblem}");
        }

        if (!Identifiers.IsValid(request.Device, out var deviceProblem))
        {
            problems.Add($"--device '{request.Device}' {deviceProblem}");
        }

        SigningKey? key = null;
        if (!request.OperatorKey.Exists)
        {
            problems.Add($"--operator-key {request.OperatorKey.FullName} does not exist");
        }
        else
        {
            try
            {
                key = RunSession.ReadKey(request.OperatorKey.FullName, "--operator-key");
            }
            catch (RunRefusedException e)
            {
                problems.Add(e.Message);
            }
        }

        if (!BrokerAddress.TryParse(request.Broker, out var broker, out var brokerProblem))
        {
            problems.Add($"--broker {brokerProblem}");
        }

        var tls = BrokerAddress.Tls(broker, request.CaFile, request.CertFile, request.KeyFile, problems);
        string? password = null;
        if (request.PasswordFile is { } file)
        {
            password = BrokerAddress.ReadSecretFile(file, "--password-file", problems);
            if (request.Username is null)
            {
                problems.Add("--password-file needs --username");
            }
        }

        if (string.IsNullOrWhiteSpace(request.IssuedBy) || request.IssuedBy.Length > 128)
        {
            problems.Add("--issued-by must be 1..128 characters");
        }

        if (request.Reason is { Length: > 256 })
        {
            problems.Add($"--reason has {request.Reason.Length} characters; at most 256");
        }

        if (!(request.TimeoutSeconds is > 0 and <= 600))
        {
            problems.Add($"--timeout {request.TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} must be in (0, 600] seconds");
        }

        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                stderr.WriteLine($"edgesentinel command: {p}");
            }

            return EdgeSentinelCommand.UsageError;
        }

        var now = time.GetUtcNow();
        var sequence = (now - DateTimeOffset.UnixEpoch).Ticks / 10; // microseconds: later commands (from any operator tool) carry higher numbers
        var id = "cmd-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var address = EdgeTopics.Address(request.Fleet, request.Device, TopicKind.Command);
        var body = CommandCodec.Encode(new DeviceCommand(kind, id, request.IssuedBy, request.Reason));
        var wire = EnvelopeCodec.Encode(Envelope.Seal(key!, address, sequence, now, body));
        var properties = WireFormat.PropertiesFor(TopicKind.Command);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(address.Topic)
            .WithPayload(wire)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType(properties.ContentType)
            .WithUserProperty(WireFormat.VersionProperty, System.Text.Encoding.UTF8.GetBytes(properties.SchemaVersion!))
            .WithUserProperty(WireFormat.EncodingProperty, System.Text.Encoding.UTF8.GetBytes(properties.Encoding!))
            .Build();

        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(broker!.Host, BrokerAddress.Port(broker))
            .WithClientId($"edgesentinel-command-{id}")
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(request.TimeoutSeconds));
        if (request.Username is not null)
        {
            options.WithCredentials(request.Username, password ?? string.Empty);
        }

        using var client = new MqttClientFactory().CreateMqttClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(request.TimeoutSeconds));
        var target = $"{request.Fleet}/{request.Device}";
        try
        {
            var connected = await client.ConnectAsync(options.WithTls(tls).Build(), timeout.Token).ConfigureAwait(false);
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                stderr.WriteLine($"edgesentinel command: the broker {request.Broker} refused the connection: {connected.ResultCode} {connected.ReasonString}".TrimEnd());
                return NotDelivered;
            }

            var result = await client.PublishAsync(message, timeout.Token).ConfigureAwait(false);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
            switch (result.ReasonCode)
            {
                case MqttClientPublishReasonCode.Success:
                    stdout.WriteLine($"edgesentinel command: {request.What} {id} (sequence {sequence}) delivered to {address.Topic}; the device checks the operator signature, replay and age and logs the outcome");
                    return 0;
                case MqttClientPublishReasonCode.NoMatchingSubscribers:
                    stderr.WriteLine($"edgesentinel command: nobody is subscribed to {address.Topic}: {target} is offline or was started without --operator-key; the command was dropped (commands are not kept for later)");
                    return NotDelivered;
                default:
                    stderr.WriteLine($"edgesentinel command: the broker refused {address.Topic}: {result.ReasonCode} {result.ReasonString} (may this login write commands? the aggregator's ACL has 'topic write edgesentinel/v1/+/+/cmd')".TrimEnd());
                    return NotDelivered;
            }
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or IOException
            or System.Security.Authentication.AuthenticationException or TlsCredentialsException)
        {
            stderr.WriteLine($"edgesentinel command: could not reach {request.Broker}: {(e is OperationCanceledException ? $"no answer within {request.TimeoutSeconds} s" : e.Message)}");
            return NotDelivered;
        }
    }
}
