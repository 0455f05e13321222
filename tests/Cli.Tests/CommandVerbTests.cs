namespace EdgeSentinel.Cli.Tests;

/// <summary><c>edgesentinel command</c>: usage errors (every problem listed, exit 2) and an unreachable broker (exit 1). Delivery to a device is shown in RunCommandSecurityTests.</summary>
public sealed class CommandVerbTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("edgesentinel-command-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Command_BadOptions_Exit2ListingEveryProblem()
    {
        var key = Path.Combine(_folder, "short.key");
        await File.WriteAllTextAsync(key, "c2hvcnQ="); // "short": 5 bytes
        var stdout = new LockedWriter();
        var stderr = new LockedWriter();

        var exit = await EdgeSentinelCommand.RunAsync(
            ["command", "clear-interlock", "--fleet", "bad fleet", "--device", "d/1", "--operator-key", key, "--broker", "http://h:1", "--ca-file", Path.Combine(_folder, "ca.pem"), "--timeout", "0"],
            stdout, stderr);

        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        var errors = stderr.ToString();
        Assert.Contains("--fleet 'bad fleet'", errors, StringComparison.Ordinal);
        Assert.Contains("--device 'd/1'", errors, StringComparison.Ordinal);
        Assert.Contains("--operator-key " + key + ": not a key", errors, StringComparison.Ordinal);
        Assert.Contains("--broker 'http://h:1' must be mqtt://host:port or mqtts://host:port", errors, StringComparison.Ordinal);
        Assert.Contains("--ca-file, --cert-file and --key-file are for TLS", errors, StringComparison.Ordinal);
        Assert.Contains("--timeout 0", errors, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout.ToString());
    }

    [Fact]
    public async Task Command_UnknownCommandOrMissingOptions_AreUsageErrors()
    {
        var stderr = new LockedWriter();
        Assert.NotEqual(0, await EdgeSentinelCommand.RunAsync(["command", "self-destruct", "--fleet", "f", "--device", "d", "--operator-key", "k", "--broker", "mqtt://h"], new LockedWriter(), stderr));
        Assert.Contains("self-destruct", stderr.ToString(), StringComparison.Ordinal);
        var missing = new LockedWriter();
        Assert.NotEqual(0, await EdgeSentinelCommand.RunAsync(["command", "clear-interlock", "--fleet", "f"], new LockedWriter(), missing));
        Assert.Contains("--operator-key", missing.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_BrokerNotListening_Exit1SaysItCouldNotReachIt()
    {
        var key = Path.Combine(_folder, "operator.key");
        await File.WriteAllTextAsync(key, Protocol.Envelopes.SigningKey.Generate().ToBase64());
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var stderr = new LockedWriter();

        var exit = await EdgeSentinelCommand.RunAsync(["command", "run-canaries", "--fleet", "f", "--device", "d", "--operator-key", key, "--broker", $"mqtt://127.0.0.1:{port}", "--timeout", "5"], new LockedWriter(), stderr);

        Assert.Equal(CommandVerb.NotDelivered, exit);
        Assert.Contains($"could not reach mqtt://127.0.0.1:{port}", stderr.ToString(), StringComparison.Ordinal);
    }
}
