using System.CommandLine;
using System.Text.Json;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Cli;

/// <summary>
/// <c>edgesentinel provision</c>: generates a device's signing key and MQTT password, registers them
/// in the aggregator's store, and prints the Mosquitto password-file line, the ACL lines and the
/// device configuration snippet.
/// </summary>
internal static class ProvisionCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var fleet = new Option<string>("--fleet") { Description = "Fleet id (letters, digits, '-', '_', '.').", Required = true };
        var device = new Option<string>("--device") { Description = "Device id within the fleet.", Required = true };
        var store = new Option<string>("--store") { Description = "The aggregator's store: sqlite:PATH or postgres:CONNECTION-STRING.", DefaultValueFactory = _ => "sqlite:edgesentinel.db" };
        var keyOut = new Option<FileInfo?>("--out") { Description = "Write the device's signing key (base64, one line, mode 0600) to this file instead of printing it." };
        var passwordOut = new Option<FileInfo?>("--password-out") { Description = "Write the device's MQTT password (one line, mode 0600) to this file instead of printing it." };
        var brokerHost = new Option<string>("--broker-host") { Description = "Broker host written into the device configuration snippet.", DefaultValueFactory = _ => "127.0.0.1" };
        var brokerPort = new Option<int>("--broker-port") { Description = "Broker port written into the device configuration snippet.", DefaultValueFactory = _ => 1883 };
        var replace = new Option<bool>("--replace") { Description = "Re-key a device that is already provisioned (its old key and password stop working)." };

        var command = new Command("provision", "Generate a device's signing key and MQTT password, register them in the aggregator's store, print the Mosquitto password/ACL lines and the device config snippet.");
        foreach (var o in new Option[] { fleet, device, store, keyOut, passwordOut, brokerHost, brokerPort, replace })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(fleet)!, parse.GetValue(device)!, parse.GetValue(store)!, parse.GetValue(keyOut), parse.GetValue(passwordOut),
            parse.GetValue(brokerHost)!, parse.GetValue(brokerPort), parse.GetValue(replace), stdout, stderr, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string fleet, string device, string storeText, FileInfo? keyOut, FileInfo? passwordOut,
        string brokerHost, int brokerPort, bool replace, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (!Identifiers.IsValid(fleet, out var fleetProblem))
        {
            problems.Add($"--fleet '{fleet}' {fleetProblem}");
        }

        if (!Identifiers.IsValid(device, out var deviceProblem))
        {
            problems.Add($"--device '{device}' {deviceProblem}");
        }

        if (!StoreLocation.TryParse(storeText, out var location, out var storeProblem))
        {
            problems.Add($"--store {storeProblem}");
        }

        if (string.IsNullOrWhiteSpace(brokerHost) || brokerHost.AsSpan().ContainsAny(" /\t"))
        {
            problems.Add($"--broker-host '{brokerHost}' must be a host name or IP address");
        }

        if (brokerPort is < 1 or > 65535)
        {
            problems.Add($"--broker-port {brokerPort} must be in 1..65535");
        }

        foreach (var file in new[] { keyOut, passwordOut })
        {
            if (file is not null && file.Exists && !replace)
            {
                problems.Add($"{file.FullName} exists; refusing to overwrite a secret (use --replace when re-keying)");
            }
            else if (file is not null && !Directory.Exists(file.DirectoryName))
            {
                problems.Add($"{file.FullName}: the folder {file.DirectoryName} does not exist");
            }
        }

        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                stderr.WriteLine($"edgesentinel provision: {p}");
            }

            return EdgeSentinelCommand.UsageError;
        }

        ProvisionedDevice provisioned;
        try
        {
            var store = await location!.OpenAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (store.ConfigureAwait(false))
            {
                provisioned = await DeviceProvisioning.ProvisionAsync(store, fleet, device, replace, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException e)
        {
            stderr.WriteLine($"edgesentinel provision: {e.Message} Use --replace to re-key it.");
            return EdgeSentinelCommand.UsageError;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            stderr.WriteLine($"edgesentinel provision: cannot open the store {location}: {e.Message}");
            return 1;
        }

        var key = provisioned.Credentials.Key.ToBase64();
        if (keyOut is not null)
        {
            await WriteSecretAsync(keyOut, key, cancellationToken).ConfigureAwait(false);
        }

        if (passwordOut is not null)
        {
            await WriteSecretAsync(passwordOut, provisioned.MqttPassword, cancellationToken).ConfigureAwait(false);
        }

        var keyId = DeviceKeyRegistry.KeyIdOf(provisioned.Credentials.Key);
        stdout.WriteLine($"# provisioned {fleet}/{device} in {location} (key id {keyId}; MQTT user '{provisioned.MqttUsername}')");
        stdout.WriteLine();
        stdout.WriteLine("# Mosquitto: append to the password_file (PBKDF2-SHA512, as mosquitto_passwd writes it):");
        stdout.WriteLine(provisioned.PasswordFileLine);
        stdout.WriteLine();
        stdout.WriteLine($"# (mutual TLS instead of the password: a client certificate with CN={provisioned.MqttUsername} — openssl -subj \"/CN={provisioned.MqttUsername.Replace("/", "\\/", StringComparison.Ordinal)}\" — and use_identity_as_username; see firmware-config/INSTALL.md)");
        stdout.WriteLine("# Mosquitto: acl_file pattern lines (once per broker; %u is the device's user name fleet/device):");
        foreach (var line in DeviceProvisioning.MosquittoDevicePatterns)
        {
            stdout.WriteLine(line);
        }

        stdout.WriteLine("# and the aggregator's own user (add it with mosquitto_passwd):");
        foreach (var line in DeviceProvisioning.MosquittoAggregatorAcl("edgesentinel-aggregator"))
        {
            stdout.WriteLine(line);
        }

        stdout.WriteLine();
        if (keyOut is null)
        {
            stdout.WriteLine($"# device signing key (base64) — save it as the device's deviceKeyFile; it is not shown again:");
            stdout.WriteLine(key);
        }
        else
        {
            stdout.WriteLine($"# device signing key written to {keyOut.FullName}");
        }

        if (passwordOut is null)
        {
            stdout.WriteLine($"# device MQTT password — save it as the device's passwordFile; only its hash is kept:");
            stdout.WriteLine(provisioned.MqttPassword);
        }
        else
        {
            stdout.WriteLine($"# device MQTT password written to {passwordOut.FullName}");
        }

        stdout.WriteLine();
        stdout.WriteLine("# device configuration (firmware-config): identity and the mqtt section");
        stdout.WriteLine(ConfigSnippet(fleet, device, provisioned.MqttUsername, brokerHost, brokerPort, keyOut?.FullName, passwordOut?.FullName));
        return 0;
    }

    private static string ConfigSnippet(string fleet, string device, string username, string host, int port, string? keyFile, string? passwordFile)
    {
        var snippet = new Dictionary<string, object>
        {
            ["fleet"] = fleet,
            ["deviceId"] = device,
            ["mqtt"] = new Dictionary<string, object>
            {
                ["host"] = host,
                ["port"] = port,
                ["tls"] = false,
                ["username"] = username,
                ["passwordFile"] = passwordFile ?? "/etc/edgesentinel/mqtt-password",
                ["deviceKeyFile"] = keyFile ?? "/etc/edgesentinel/device.key",
            },
        };
        return JsonSerializer.Serialize(snippet, SnippetJson);
    }

    private static readonly JsonSerializerOptions SnippetJson = new() { WriteIndented = true };

    private static async Task WriteSecretAsync(FileInfo file, string secret, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(file.FullName, options);
        await using (stream.ConfigureAwait(false))
        {
            var writer = new StreamWriter(stream);
            await using (writer.ConfigureAwait(false))
            {
                await writer.WriteLineAsync(secret.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
