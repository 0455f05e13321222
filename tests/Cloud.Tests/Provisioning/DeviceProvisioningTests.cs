using EdgeSentinel.Cloud.Provisioning;

namespace EdgeSentinel.Cloud.Tests.Provisioning;

public sealed class DeviceProvisioningTests
{
    [Fact]
    public void MqttUsername_RoundTripsAndRejectsNonDeviceNames()
    {
        Assert.Equal("f1/d-1.x", DeviceProvisioning.MqttUsername("f1", "d-1.x"));
        Assert.True(DeviceProvisioning.TryParseMqttUsername("f1/d-1.x", out var fleet, out var device));
        Assert.Equal(("f1", "d-1.x"), (fleet, device));
        foreach (var bad in new[] { null, "", "edgesentinel-aggregator", "f1/", "/d1", "f1/d1/x", "f1/d+", "f#/d1" })
        {
            Assert.False(DeviceProvisioning.TryParseMqttUsername(bad, out _, out _), bad);
        }

        Assert.Throws<ArgumentException>(() => DeviceProvisioning.MqttUsername("f/1", "d1"));
    }

    [Fact]
    public void MosquittoAcl_ConfinesDevicesToTheirOwnTopicLevels()
    {
        Assert.Equal(
            ["pattern write edgesentinel/v1/%u/alert", "pattern write edgesentinel/v1/%u/fingerprint", "pattern write edgesentinel/v1/%u/status", "pattern read edgesentinel/v1/%u/cmd", "pattern read edgesentinel/v1/%u/ack"],
            DeviceProvisioning.MosquittoDevicePatterns);
        Assert.Equal(["user agg", "topic read edgesentinel/v1/#", "topic write edgesentinel/v1/+/+/cmd", "topic write edgesentinel/v1/+/+/ack"], DeviceProvisioning.MosquittoAggregatorAcl("agg"));
        Assert.Throws<ArgumentException>(() => DeviceProvisioning.MosquittoAggregatorAcl("a/b"));
    }

    [Fact]
    public void GeneratePassword_192BitsBase64Url_Distinct()
    {
        var passwords = Enumerable.Range(0, 50).Select(_ => DeviceProvisioning.GeneratePassword()).ToList();
        Assert.Equal(50, passwords.Distinct(StringComparer.Ordinal).Count());
        Assert.All(passwords, p => Assert.Equal(32, p.Length)); // 24 bytes -> 32 base64 characters, no padding
        Assert.All(passwords, p => Assert.DoesNotContain(p, c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')));
    }
}
