namespace EdgeSentinel.Runtime.Configuration;

/// <summary>The MQTT connection of a device to the aggregator.</summary>
/// <remarks>Secrets are never inline: only paths to files holding them.</remarks>
public sealed class MqttConfiguration
{
    /// <summary>The broker host name or IP address (not a URL).</summary>
    /// <value>Required.</value>
    public string Host { get; set; } = string.Empty;

    /// <summary>The broker port (1–65535).</summary>
    /// <value>Default: 8883 with TLS, 1883 without.</value>
    public int Port { get; set; } = 8883;

    /// <summary>Whether the connection uses TLS.</summary>
    /// <value>Default: true.</value>
    public bool Tls { get; set; } = true;

    /// <summary>The MQTT user name; null for anonymous.</summary>
    /// <value>Default: null.</value>
    public string? Username { get; set; }

    /// <summary>A file holding the MQTT password (absolute); requires <see cref="Username"/>.</summary>
    /// <value>Default: null.</value>
    public string? PasswordFile { get; set; }

    /// <summary>A file holding the device's message-signing key (absolute).</summary>
    /// <value>Default: null (messages unsigned; the aggregator may reject them).</value>
    public string? DeviceKeyFile { get; set; }

    /// <summary>A PEM file of CA certificates to trust (absolute); requires TLS.</summary>
    /// <value>Default: null (the system's trust store).</value>
    public string? CaCertificateFile { get; set; }

    /// <summary>A PEM client certificate for mutual TLS (absolute); requires TLS and <see cref="ClientKeyFile"/>.</summary>
    /// <value>Default: null.</value>
    public string? ClientCertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="ClientCertificateFile"/> (absolute).</summary>
    /// <value>Default: null.</value>
    public string? ClientKeyFile { get; set; }

    /// <summary>The MQTT keep-alive in seconds (5–65535).</summary>
    /// <value>Default: 30.</value>
    public int KeepAliveSeconds { get; set; } = 30;
}
