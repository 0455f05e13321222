using System.Diagnostics;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>A PEM certificate and its unencrypted private key on disk.</summary>
public sealed record PemPair(string CertificateFile, string KeyFile);

/// <summary>
/// A throwaway certificate authority made with the <c>openssl</c> command line in its own temp folder
/// (P-256 keys, 2-day validity): a server certificate for 127.0.0.1/localhost and client certificates
/// whose common name is the MQTT user name (Mosquitto <c>use_identity_as_username</c>). Fails (never
/// skips) when openssl is missing.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private const string OpenSsl = "/usr/bin/openssl";
    private int _serial;

    private TestCertificates(string folder, string name)
    {
        Folder = folder;
        Name = name;
        CaFile = Path.Combine(folder, "ca.crt");
        CaKeyFile = Path.Combine(folder, "ca.key");
    }

    public string Folder { get; }

    /// <summary>The CA's common name.</summary>
    public string Name { get; }

    /// <summary>The CA certificate (PEM): what brokers and clients trust.</summary>
    public string CaFile { get; }

    private string CaKeyFile { get; }

    /// <summary>Creates a self-signed CA called <paramref name="name"/>.</summary>
    public static async Task<TestCertificates> CreateAsync(string name = "EdgeSentinel Test CA")
    {
        if (!File.Exists(OpenSsl))
        {
            throw new InvalidOperationException($"openssl not found at {OpenSsl}. Install it with `apt-get install -y openssl`.");
        }

        var folder = Path.Combine(Path.GetTempPath(), "es-pki-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var ca = new TestCertificates(folder, name);
        await RunAsync("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-keyout", ca.CaKeyFile, "-out", ca.CaFile, "-subj", "/CN=" + Escape(name), "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return ca;
    }

    /// <summary>A server certificate for 127.0.0.1, ::1 and localhost.</summary>
    public Task<PemPair> IssueServerAsync() =>
        IssueAsync("server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n");

    /// <summary>A client certificate whose common name is <paramref name="commonName"/> (e.g. a device's MQTT user name "fleet/device").</summary>
    public Task<PemPair> IssueClientAsync(string commonName) =>
        IssueAsync("client", commonName, "extendedKeyUsage=clientAuth\n");

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private async Task<PemPair> IssueAsync(string role, string commonName, string extensions)
    {
        var stem = Path.Combine(Folder, $"{role}-{Interlocked.Increment(ref _serial)}");
        var pair = new PemPair(stem + ".crt", stem + ".key");
        await File.WriteAllTextAsync(stem + ".ext", extensions);
        await RunAsync("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", pair.KeyFile, "-out", stem + ".csr", "-subj", "/CN=" + Escape(commonName));
        await RunAsync("x509", "-req", "-in", stem + ".csr", "-CA", CaFile, "-CAkey", CaKeyFile, "-set_serial", _serial.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-days", "2", "-out", pair.CertificateFile, "-extfile", stem + ".ext");
        return pair;
    }

    /// <summary>In an openssl -subj value '/' separates fields: a '/' inside a name is written "\/".</summary>
    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("/", "\\/", StringComparison.Ordinal);

    private static async Task RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(OpenSsl) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start openssl");
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`openssl {string.Join(' ', arguments)}` failed: {await error}");
        }
    }
}
