using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>
/// Devices provisioned into a store with <see cref="DeviceProvisioning"/> exactly as
/// <c>edgesentinel provision</c> does, plus the aggregator's own user: yields the Mosquitto
/// password/ACL files and the key registry the aggregator verifies with.
/// </summary>
public sealed class ProvisionedFleet
{
    public const string AggregatorUser = "edgesentinel-aggregator";

    private readonly Dictionary<string, ProvisionedDevice> _devices;

    private ProvisionedFleet(string fleet, Dictionary<string, ProvisionedDevice> devices, DeviceKeyRegistry keys)
    {
        Fleet = fleet;
        _devices = devices;
        Keys = keys;
    }

    public string Fleet { get; }

    public string AggregatorPassword { get; } = DeviceProvisioning.GeneratePassword();

    /// <summary>The keys loaded back from the store (as the aggregate verb does).</summary>
    public DeviceKeyRegistry Keys { get; }

    public ProvisionedDevice this[string device] => _devices[device];

    /// <summary>Password lines (made by our hashing) and the pattern ACL printed by provisioning.</summary>
    public MosquittoSecurity MosquittoSecurity => new(
        [.. _devices.Values.Select(d => d.PasswordFileLine), $"{AggregatorUser}:{MosquittoPasswordHash.Create(AggregatorPassword)}"],
        [.. DeviceProvisioning.MosquittoDevicePatterns, .. DeviceProvisioning.MosquittoAggregatorAcl(AggregatorUser)]);

    public static async Task<ProvisionedFleet> CreateAsync(IAggregatorStore store, string fleet, params string[] devices)
    {
        var provisioned = new Dictionary<string, ProvisionedDevice>(StringComparer.Ordinal);
        foreach (var device in devices)
        {
            provisioned[device] = await DeviceProvisioning.ProvisionAsync(store, fleet, device);
        }

        var keys = new DeviceKeyRegistry();
        Assert.Equal(devices.Length, await DeviceProvisioning.LoadKeysAsync(store, keys));
        return new ProvisionedFleet(fleet, provisioned, keys);
    }

    /// <summary>Ingest options for the aggregator's user on a broker.</summary>
    public MqttIngestOptions IngestOptions(int port, string clientId = "agg-1", string? sharedGroup = "edgesentinel-aggregators") => new()
    {
        Port = port,
        ClientId = clientId,
        Username = AggregatorUser,
        Password = AggregatorPassword,
        SharedGroup = sharedGroup,
        ReconnectInterval = TimeSpan.FromMilliseconds(100),
    };

    /// <summary>Connects a device with its provisioned credentials and its own client id.</summary>
    public Task<TestDevice> ConnectAsync(int port, string device) =>
        TestDevice.ConnectAsync(port, Fleet, device, this[device].Credentials.Key, this[device].MqttUsername, this[device].MqttPassword, DeviceProvisioning.MqttClientId(Fleet, device));
}
