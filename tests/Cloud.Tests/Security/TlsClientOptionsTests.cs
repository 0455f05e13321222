using System.Net.Security;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Protocol.Transport;
using EdgeSentinel.Runtime.Reporting;

namespace EdgeSentinel.Cloud.Tests.Security;

/// <summary>TLS options: every unusable file named with its reason (in the ingest and reporter options too), and the broker-certificate check on certificates made by openssl.</summary>
public sealed class TlsClientOptionsTests(TlsFleet pki) : IClassFixture<TlsFleet>
{
    [Fact]
    public void Validate_GoodFiles_NoProblems_LoadGivesTheClientCertificateWithItsKey()
    {
        var options = pki.ClientTls(pki.D1);
        Assert.Empty(options.Validate());
        using var credentials = TlsClientCredentials.Load(options);
        Assert.True(credentials.HasCustomTrust);
        Assert.NotNull(credentials.ClientCertificate);
        Assert.True(credentials.ClientCertificate.HasPrivateKey);
        Assert.Equal("CN=f1/d1", credentials.ClientCertificate.Subject);
    }

    [Fact]
    public void Validate_ListsEveryProblem_NamingFileAndReason()
    {
        var folder = Directory.CreateTempSubdirectory("es-tlsopt-").FullName;
        try
        {
            var notPem = Path.Combine(folder, "not.pem");
            File.WriteAllText(notPem, "hello");
            var missing = Path.Combine(folder, "missing.pem");

            var problems = new TlsClientOptions { CaCertificateFile = notPem, ClientCertificateFile = missing, ClientKeyFile = pki.D1.KeyFile, TargetHost = " " }.Validate();
            Assert.Equal(3, problems.Count);
            Assert.Contains(problems, p => p.StartsWith("CaCertificateFile: " + notPem + ": holds no PEM certificate", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.StartsWith("ClientCertificateFile: " + missing + ": does not exist", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.StartsWith("TargetHost:", StringComparison.Ordinal));

            // A certificate with another certificate's key, and a certificate without its key.
            var mismatched = new TlsClientOptions { ClientCertificateFile = pki.D1.CertificateFile, ClientKeyFile = pki.D2.KeyFile }.Validate();
            Assert.Contains("not a usable PEM certificate and private key", Assert.Single(mismatched), StringComparison.Ordinal);
            Assert.Equal("ClientCertificateFile and ClientKeyFile must be given together", Assert.Single(new TlsClientOptions { ClientCertificateFile = pki.D1.CertificateFile }.Validate()));

            // Both option classes that carry TLS report its problems under their own path.
            Assert.Contains(new MqttIngestOptions { Tls = new TlsClientOptions { CaCertificateFile = missing } }.Validate(), p => p.StartsWith("Tls.CaCertificateFile: " + missing, StringComparison.Ordinal));
            var reporter = new ReporterOptions { Fleet = "f1", Device = "d1", DeviceKey = Protocol.Envelopes.SigningKey.Generate(), OutboxPath = Path.Combine(folder, "o.db"), Tls = new TlsClientOptions { CaCertificateFile = missing } };
            Assert.Contains(reporter.Validate(), p => p.StartsWith("Tls.CaCertificateFile: " + missing, StringComparison.Ordinal));
            Assert.Throws<TlsCredentialsException>(() => TlsClientCredentials.Load(new TlsClientOptions { CaCertificateFile = missing }));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void IsServerCertificateValid_ChainsToTheConfiguredCaOnly_AndNeedsTheName()
    {
        using var ours = TlsClientCredentials.Load(pki.ClientTls(certificate: null));
        using var rogue = TlsClientCredentials.Load(pki.ClientTls(certificate: null, caFile: pki.Rogue.CaFile));
        using var server = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(pki.Server.CertificateFile);
        using var device = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(pki.RogueD1.CertificateFile);

        // The platform reports the chain error for a private CA; the configured CA replaces the system store.
        Assert.True(ours.IsServerCertificateValid(server, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(rogue.IsServerCertificateValid(server, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(ours.IsServerCertificateValid(device, null, SslPolicyErrors.RemoteCertificateChainErrors)); // issued by another CA
        Assert.False(ours.IsServerCertificateValid(server, null, SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(ours.IsServerCertificateValid(null, null, SslPolicyErrors.RemoteCertificateNotAvailable));

        // Without a CA file the platform's verdict stands.
        using var system = TlsClientCredentials.Load(new TlsClientOptions());
        Assert.False(system.HasCustomTrust);
        Assert.False(system.IsServerCertificateValid(server, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.True(system.IsServerCertificateValid(server, null, SslPolicyErrors.None));
    }
}
