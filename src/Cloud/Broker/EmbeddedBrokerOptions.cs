using System.Net;

namespace EdgeSentinel.Cloud.Broker;

/// <summary>Where the embedded MQTT broker listens and the aggregator's own credentials on it.</summary>
public sealed class EmbeddedBrokerOptions
{
    /// <summary>Address to listen on. Default: "127.0.0.1" (loopback only); "0.0.0.0" for devices on other machines.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one. Default: 1883.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>User name of the aggregator (must not contain '/', which marks device user names). Default: "edgesentinel-aggregator".</summary>
    public string AggregatorUsername { get; set; } = "edgesentinel-aggregator";

    /// <summary>Password of the aggregator (required; e.g. <c>DeviceProvisioning.GeneratePassword()</c> per run).</summary>
    public string? AggregatorPassword { get; set; }

    /// <summary>Every problem, each naming the property; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!IPAddress.TryParse(BindAddress, out _))
        {
            problems.Add($"BindAddress: '{BindAddress}' is not an IP address");
        }

        if (Port is < 0 or > 65535)
        {
            problems.Add($"Port: {Port} must be in 0..65535 (0 picks a free port)");
        }

        if (string.IsNullOrWhiteSpace(AggregatorUsername) || AggregatorUsername.Contains('/', StringComparison.Ordinal))
        {
            problems.Add($"AggregatorUsername: '{AggregatorUsername}' must be non-blank without '/' (device user names are fleet/device)");
        }

        if (string.IsNullOrEmpty(AggregatorPassword) || AggregatorPassword.Length < 16)
        {
            problems.Add("AggregatorPassword: required, at least 16 characters");
        }

        return problems;
    }
}
