using EdgeSentinel.Cloud.Provisioning;

namespace EdgeSentinel.Cli.Tests;

/// <summary><c>edgesentinel provision</c> run in-process against a SQLite store in a temp folder.</summary>
public sealed class ProvisionCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("edgesentinel-provision-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Store => "sqlite:" + Path.Combine(_folder, "store.db");

    internal static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await EdgeSentinelCommand.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The line following the comment line that starts with <paramref name="heading"/>.</summary>
    internal static string LineAfter(string output, string heading)
    {
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var at = lines.FindIndex(l => l.StartsWith(heading, StringComparison.Ordinal));
        Assert.True(at >= 0 && at + 1 < lines.Count, $"no line after '{heading}' in:\n{output}");
        return lines[at + 1];
    }

    [Fact]
    public async Task Provision_PrintsAPasswordLineThatVerifiesTheMqttPassword_TheAclPatternsAndTheKey()
    {
        var (exit, output, error) = await Run("provision", "--fleet", "plant-1", "--device", "press.07", "--store", Store);

        Assert.True(exit == 0, error);
        var passwordLine = LineAfter(output, "# Mosquitto: append to the password_file");
        var password = LineAfter(output, "# device MQTT password");
        var key = LineAfter(output, "# device signing key (base64)");

        // user:$7$iterations$salt$hash, and the hash verifies the printed password (and nothing else).
        Assert.StartsWith("plant-1/press.07:$7$", passwordLine, StringComparison.Ordinal);
        var hash = passwordLine["plant-1/press.07:".Length..];
        Assert.True(Pbkdf2Matches(password, hash));
        Assert.False(Pbkdf2Matches(password + "x", hash));
        Assert.Equal(32, Convert.FromBase64String(key).Length);
        Assert.Contains("a client certificate with CN=plant-1/press.07 — openssl -subj \"/CN=plant-1\\/press.07\"", output, StringComparison.Ordinal); // mutual TLS: the CN is the ACL's user name

        foreach (var acl in DeviceProvisioning.MosquittoDevicePatterns.Concat(DeviceProvisioning.MosquittoAggregatorAcl("edgesentinel-aggregator")))
        {
            Assert.Contains(acl + "\n", output.Replace("\r", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }

        Assert.Contains("pattern write edgesentinel/v1/%u/", output, StringComparison.Ordinal);
        Assert.Contains("\"username\": \"plant-1/press.07\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provision_SecondTimeWithoutReplace_RefusedWithExit2_WithReplace_ReKeys()
    {
        var first = await Run("provision", "--fleet", "f1", "--device", "d1", "--store", Store);
        Assert.Equal(0, first.Exit);

        var again = await Run("provision", "--fleet", "f1", "--device", "d1", "--store", Store);
        Assert.Equal(2, again.Exit);
        Assert.Contains("--replace", again.Err, StringComparison.Ordinal);
        Assert.Empty(again.Out);

        var replaced = await Run("provision", "--fleet", "f1", "--device", "d1", "--store", Store, "--replace");
        Assert.Equal(0, replaced.Exit);
        Assert.NotEqual(LineAfter(first.Out, "# device signing key (base64)"), LineAfter(replaced.Out, "# device signing key (base64)"));
    }

    [Theory]
    [InlineData("a/b", "d1", "--fleet 'a/b'")]
    [InlineData("f1", "", "--device ''")]
    [InlineData("f1", "d+1", "--device 'd+1'")]
    [InlineData("f1", "ünï", "--device 'ünï'")]
    public async Task Provision_BadId_Exit2NamingTheOption(string fleet, string device, string named)
    {
        var (exit, output, error) = await Run("provision", "--fleet", fleet, "--device", device, "--store", Store);

        Assert.Equal(2, exit);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.Empty(output);
        Assert.False(File.Exists(Path.Combine(_folder, "store.db")));
    }

    [Fact]
    public async Task Provision_KeyAndPasswordToFiles_WrittenOwnerOnlyAndNotPrinted()
    {
        var keyFile = Path.Combine(_folder, "device.key");
        var passwordFile = Path.Combine(_folder, "mqtt-password");
        var (exit, output, error) = await Run("provision", "--fleet", "f1", "--device", "d1", "--store", Store, "--out", keyFile, "--password-out", passwordFile);

        Assert.True(exit == 0, error);
        var key = File.ReadAllText(keyFile).Trim();
        var password = File.ReadAllText(passwordFile).Trim();
        Assert.Equal(32, Convert.FromBase64String(key).Length);
        Assert.DoesNotContain(key, output, StringComparison.Ordinal);
        Assert.DoesNotContain(password, output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        var hash = LineAfter(output, "# Mosquitto: append to the password_file")["f1/d1:".Length..];
        Assert.True(Pbkdf2Matches(password, hash));
    }

    /// <summary>Mosquitto's "$7$" format checked from its definition (not with the product's code): $7$iterations$base64(salt)$base64(PBKDF2-HMAC-SHA512(password, salt, iterations, 64 bytes)).</summary>
    private static bool Pbkdf2Matches(string password, string encoded)
    {
        var parts = encoded.Split('$');
        Assert.Equal(5, parts.Length);
        Assert.Equal((string.Empty, "7"), (parts[0], parts[1]));
        var iterations = int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(iterations, 1, 1_000_000);
        var salt = Convert.FromBase64String(parts[3]);
        var expected = Convert.FromBase64String(parts[4]);
        Assert.Equal(64, expected.Length);
        var actual = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(System.Text.Encoding.UTF8.GetBytes(password), salt, iterations, System.Security.Cryptography.HashAlgorithmName.SHA512, 64);
        return actual.AsSpan().SequenceEqual(expected);
    }
}
