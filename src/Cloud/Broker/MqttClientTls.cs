using EdgeSentinel.Protocol.Transport;
using MQTTnet;

namespace EdgeSentinel.Cloud.Broker;

/// <summary>Applies <see cref="TlsClientOptions"/> to an MQTTnet client's options (the aggregator's ingest, the operator's command tool).</summary>
public static class MqttClientTls
{
    /// <summary>Turns TLS on with the given CA, client certificate and host-name check; does nothing when <paramref name="tls"/> is null (plain TCP).</summary>
    /// <exception cref="TlsCredentialsException">A file cannot be used.</exception>
    public static MqttClientOptionsBuilder WithTls(this MqttClientOptionsBuilder builder, TlsClientOptions? tls)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (tls is null)
        {
            return builder;
        }

        // Loaded on every connect, so that renewed certificate files are picked up by the next reconnect.
        var credentials = TlsClientCredentials.Load(tls);
        return builder.WithTlsOptions(o =>
        {
            o.UseTls();
            if (credentials.ClientCertificate is { } certificate)
            {
                o.WithClientCertificates([certificate]);
            }

            if (credentials.TargetHost is { } host)
            {
                o.WithTargetHost(host);
            }

            o.WithCertificateValidationHandler(e => credentials.IsServerCertificateValid(e.Certificate, e.Chain, e.SslPolicyErrors));
        });
    }
}
