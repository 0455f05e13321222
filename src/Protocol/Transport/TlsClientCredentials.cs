using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeSentinel.Protocol.Transport;

/// <summary>The loaded form of <see cref="TlsClientOptions"/>: the trusted CA certificates, the client certificate with its key, and the broker-certificate check.</summary>
/// <remarks>
/// Immutable after <see cref="Load"/>; <see cref="IsServerCertificateValid"/> is thread-safe. With a CA file the
/// broker's certificate must chain to one of its certificates (the system store is not consulted) and carry the
/// host name or IP address connected to; revocation is not checked (private fleet CAs rarely publish CRLs —
/// rotate short-lived certificates instead). Owns its certificates: dispose it when the client is gone.
/// </remarks>
public sealed class TlsClientCredentials : IDisposable
{
    private readonly X509Certificate2Collection? _roots;

    private TlsClientCredentials(X509Certificate2Collection? roots, X509Certificate2? clientCertificate, string? targetHost)
    {
        _roots = roots;
        ClientCertificate = clientCertificate;
        TargetHost = targetHost;
    }

    /// <summary>The client certificate with its private key, or null.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>The name the broker's certificate must carry, or null for the host connected to.</summary>
    public string? TargetHost { get; }

    /// <summary>Whether a CA file replaces the system's trust store.</summary>
    public bool HasCustomTrust => _roots is not null;

    /// <summary>Loads the files named by <paramref name="options"/>; throws <see cref="TlsCredentialsException"/> naming the file and the reason.</summary>
    public static TlsClientCredentials Load(TlsClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if ((options.ClientCertificateFile is null) != (options.ClientKeyFile is null))
        {
            throw new TlsCredentialsException("a client certificate and its key file must be given together");
        }

        var roots = options.CaCertificateFile is { } ca ? LoadCaCertificates(ca) : null;
        var client = options.ClientCertificateFile is { } cert ? LoadClientCertificate(cert, options.ClientKeyFile!) : null;
        return new TlsClientCredentials(roots, client, options.TargetHost);
    }

    /// <summary>Decides whether the broker's certificate is acceptable: host name matches and the chain ends at a trusted CA (the configured ones, else the system's).</summary>
    /// <param name="certificate">The broker's certificate as presented.</param>
    /// <param name="chain">The chain the platform built (its extra elements are used as intermediates), or null.</param>
    /// <param name="errors">What the platform's own validation found.</param>
    public bool IsServerCertificateValid(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        if (_roots is null)
        {
            return errors == SslPolicyErrors.None;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(presented);
    }

    /// <summary>Reads every certificate of a PEM CA file; throws when the file is missing or holds none.</summary>
    public static X509Certificate2Collection LoadCaCertificates(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new TlsCredentialsException($"{path}: cannot read CA certificates ({e.Message})", e);
        }

        return collection.Count > 0 ? collection : throw new TlsCredentialsException($"{path}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }

    /// <summary>Reads a PEM client certificate and its private key; throws naming the file when either is missing, unreadable or they do not belong together.</summary>
    public static X509Certificate2 LoadClientCertificate(string certificatePath, string keyPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(certificatePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPath);
        foreach (var file in (string[])[certificatePath, keyPath])
        {
            if (!File.Exists(file))
            {
                throw new TlsCredentialsException($"{file}: does not exist");
            }
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new TlsCredentialsException($"{certificatePath} with key {keyPath}: not a usable PEM certificate and private key ({e.Message})", e);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        ClientCertificate?.Dispose();
        if (_roots is not null)
        {
            foreach (var root in _roots)
            {
                root.Dispose();
            }
        }
    }
}
