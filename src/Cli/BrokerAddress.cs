using EdgeSentinel.Protocol.Transport;

namespace EdgeSentinel.Cli;

/// <summary>The broker options the cloud-side verbs share (<c>aggregate</c>, <c>command</c>): an mqtt:// or mqtts:// address, TLS files, secret files.</summary>
internal static class BrokerAddress
{
    /// <summary>Parses mqtt://host[:port] or mqtts://host[:port]; the problem names what is wrong.</summary>
    public static bool TryParse(string text, out Uri? broker, out string problem)
    {
        problem = string.Empty;
        if (!Uri.TryCreate(text, UriKind.Absolute, out broker) || broker.Scheme is not ("mqtt" or "mqtts") || broker.AbsolutePath is not ("" or "/")
            || broker.UserInfo.Length > 0 || broker.Host.Length == 0 || broker.Query.Length > 0 || broker.Fragment.Length > 0)
        {
            problem = $"'{text}' must be mqtt://host:port or mqtts://host:port for TLS (credentials go in --username and --password-file)";
            broker = null;
            return false;
        }

        return true;
    }

    /// <summary>The port of <paramref name="broker"/>: the one given, else 8883 for mqtts and 1883 for mqtt.</summary>
    public static int Port(Uri broker) => broker.IsDefaultPort || broker.Port < 0 ? (IsTls(broker) ? 8883 : 1883) : broker.Port;

    /// <summary>Whether the address asks for TLS (mqtts://).</summary>
    public static bool IsTls(Uri? broker) => broker?.Scheme == "mqtts";

    /// <summary>The TLS options for an mqtts:// broker (null for mqtt://); adds a problem for each unusable file, or for TLS files without mqtts://.</summary>
    public static TlsClientOptions? Tls(Uri? broker, FileInfo? caFile, FileInfo? certFile, FileInfo? keyFile, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (!IsTls(broker))
        {
            if (caFile is not null || certFile is not null || keyFile is not null)
            {
                problems.Add("--ca-file, --cert-file and --key-file are for TLS: give the broker as mqtts://host:port");
            }

            return null;
        }

        var tls = new TlsClientOptions { CaCertificateFile = caFile?.FullName, ClientCertificateFile = certFile?.FullName, ClientKeyFile = keyFile?.FullName };
        foreach (var problem in tls.Validate())
        {
            problems.Add(problem
                .Replace(nameof(TlsClientOptions.CaCertificateFile), "--ca-file", StringComparison.Ordinal)
                .Replace(nameof(TlsClientOptions.ClientCertificateFile), "--cert-file", StringComparison.Ordinal)
                .Replace(nameof(TlsClientOptions.ClientKeyFile), "--key-file", StringComparison.Ordinal));
        }

        return tls;
    }

    /// <summary>The first line of a secret file, trimmed; null (and a problem naming <paramref name="option"/>) when the file is missing, unreadable or empty.</summary>
    public static string? ReadSecretFile(FileInfo file, string option, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(problems);
        try
        {
            var first = File.ReadLines(file.FullName).FirstOrDefault()?.Trim();
            if (string.IsNullOrEmpty(first))
            {
                problems.Add($"{option} {file.FullName}: the first line is empty");
                return null;
            }

            return first;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{option} {file.FullName}: cannot be read ({e.Message})");
            return null;
        }
    }
}
