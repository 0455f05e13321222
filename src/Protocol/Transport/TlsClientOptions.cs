namespace EdgeSentinel.Protocol.Transport;

/// <summary>TLS settings of an MQTT client (device reporter, aggregator, operator tool): which CA to trust and which client certificate to present.</summary>
/// <remarks>Plain options class; <see cref="Validate"/> lists every problem, each naming the property. Files are PEM.</remarks>
public sealed class TlsClientOptions
{
    /// <summary>A PEM file of CA certificates the broker's certificate must chain to; null trusts the system's store.</summary>
    /// <value>Default: null.</value>
    public string? CaCertificateFile { get; set; }

    /// <summary>A PEM client certificate presented to the broker (mutual TLS, e.g. Mosquitto <c>require_certificate</c>); requires <see cref="ClientKeyFile"/>.</summary>
    /// <value>Default: null (no client certificate).</value>
    public string? ClientCertificateFile { get; set; }

    /// <summary>The PEM private key (unencrypted PKCS#8, SEC1 or PKCS#1) of <see cref="ClientCertificateFile"/>.</summary>
    /// <value>Default: null.</value>
    public string? ClientKeyFile { get; set; }

    /// <summary>The name the broker's certificate must carry; null uses the host connected to.</summary>
    /// <value>Default: null.</value>
    public string? TargetHost { get; set; }

    /// <summary>Every problem (missing or unreadable files, a certificate without its key); empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (CaCertificateFile is not null)
        {
            try
            {
                _ = TlsClientCredentials.LoadCaCertificates(CaCertificateFile);
            }
            catch (TlsCredentialsException e)
            {
                problems.Add($"{nameof(CaCertificateFile)}: {e.Message}");
            }
        }

        if ((ClientCertificateFile is null) != (ClientKeyFile is null))
        {
            problems.Add($"{nameof(ClientCertificateFile)} and {nameof(ClientKeyFile)} must be given together");
        }
        else if (ClientCertificateFile is not null)
        {
            try
            {
                using var certificate = TlsClientCredentials.LoadClientCertificate(ClientCertificateFile, ClientKeyFile!);
            }
            catch (TlsCredentialsException e)
            {
                problems.Add($"{nameof(ClientCertificateFile)}: {e.Message}");
            }
        }

        if (TargetHost is not null && string.IsNullOrWhiteSpace(TargetHost))
        {
            problems.Add($"{nameof(TargetHost)}: must not be blank (null uses the broker host)");
        }

        return problems;
    }
}
