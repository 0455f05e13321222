using System.Globalization;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.FleetLoad;

namespace EdgeSentinel.Cloud.Tests.Scale;

/// <summary>
/// A fleet deployment on one machine, all real processes: a store (SQLite file or a PostgreSQL
/// database) with provisioned devices, Mosquitto with their password file and pattern ACLs, the
/// aggregator's broker password in a file, simulated devices connected with their own credentials,
/// a watcher reading the store, and any number of <c>edgesentinel aggregate</c> processes.
/// </summary>
public sealed class ScaleRig : IAsyncDisposable
{
    public const string Fleet = "f1";

    private static readonly Lazy<LoadMessages> SharedMessages = new(() => LoadMessages.Create());
    private readonly List<AggregatorProcess> _aggregators = [];
    private readonly string _folder;

    private ScaleRig(string folder, StoreLocation location, ProvisionedFleet fleet, MosquittoBroker broker, SimulatedFleet devices, StoreWatcher watcher)
    {
        _folder = folder;
        Location = location;
        Provisioned = fleet;
        Broker = broker;
        Devices = devices;
        Watcher = watcher;
    }

    public StoreLocation Location { get; }

    public ProvisionedFleet Provisioned { get; }

    public MosquittoBroker Broker { get; }

    public SimulatedFleet Devices { get; }

    public StoreWatcher Watcher { get; }

    public string Folder => _folder;

    public IReadOnlyList<AggregatorProcess> Aggregators => _aggregators;

    /// <summary>Provisions <paramref name="devices"/> devices into the store at <paramref name="store"/> (null: a SQLite file in the rig's folder).</summary>
    public static async Task<ScaleRig> StartAsync(int devices, string? postgresConnectionString = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), "es-scale-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var location = postgresConnectionString is null ? new StoreLocation(false, Path.Combine(folder, "store.db")) : new StoreLocation(true, postgresConnectionString);
        var ids = Enumerable.Range(1, devices).Select(i => "d" + i.ToString("D3", CultureInfo.InvariantCulture)).ToArray();
        ProvisionedFleet fleet;
        await using (var store = await location.OpenAsync())
        {
            fleet = await ProvisionedFleet.CreateAsync(store, Fleet, ids);
        }

        var broker = await MosquittoBroker.StartAsync(fleet.MosquittoSecurity);
        await File.WriteAllTextAsync(Path.Combine(folder, "aggregator.password"), fleet.AggregatorPassword + "\n");
        var simulated = await SimulatedFleet.ConnectAsync(broker.Port, [.. ids.Select(id => fleet[id])], SharedMessages.Value);
        var watcher = await StoreWatcher.OpenAsync(location);
        return new ScaleRig(folder, location, fleet, broker, simulated, watcher);
    }

    /// <summary>Starts <c>edgesentinel aggregate</c> on the rig's broker and store with this client id.</summary>
    public async Task<AggregatorProcess> StartAggregatorAsync(string clientId, string? memoryProbeFile = null)
    {
        var store = (Location.IsPostgres ? "postgres:" : "sqlite:") + Location.Target;
        var aggregator = await AggregatorProcess.StartAsync(
            new AggregatorLaunch(store, Broker.Port, clientId, ProvisionedFleet.AggregatorUser, Path.Combine(_folder, "aggregator.password"), memoryProbeFile),
            TimeSpan.FromSeconds(60));
        _aggregators.Add(aggregator);
        return aggregator;
    }

    /// <summary>Waits until the store holds <paramref name="count"/> messages of the fleet.</summary>
    public async Task StoredAtLeastAsync(long count, TimeSpan timeout)
    {
        var last = -1L;
        try
        {
            await Eventually.TrueAsync(async () => (last = await Watcher.CountAsync(Fleet)) >= count, $"{count} messages stored", timeout);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            var metrics = new List<string>();
            foreach (var a in _aggregators.Where(a => !a.HasExited))
            {
                var m = await a.ScrapeAsync();
                metrics.Add($"{a.Launch.ClientId}: received {AggregatorProcess.Sum(m, "edgesentinel_ingest_received_total")}, stored {AggregatorProcess.Sum(m, "edgesentinel_ingest_stored_total")}, "
                    + $"duplicates {AggregatorProcess.Sum(m, "edgesentinel_ingest_duplicates_total")}, rejected {AggregatorProcess.Sum(m, "edgesentinel_ingest_rejected_total")}, store failures {AggregatorProcess.Sum(m, "edgesentinel_ingest_store_failures_total")}");
            }

            throw new Xunit.Sdk.XunitException($"{e.Message}: {last} stored, {Devices.Acknowledged} published; {string.Join("; ", metrics)}");
        }
    }

    /// <summary>Asserts every device's messages 1..published are each stored exactly once, with their alert or fingerprint row.</summary>
    public async Task AssertEverythingStoredExactlyOnceAsync()
    {
        var tally = await Watcher.TallyAsync(Fleet);
        foreach (var d in Devices.Devices)
        {
            var t = tally.GetValueOrDefault(d.Device) ?? new DeviceTally(d.Device, 0, 0, 0, 0);
            // One row per (device, sequence) key and the highest key equal to the count: exactly the keys 1..n.
            Assert.Equal(new DeviceTally(d.Device, d.Acknowledged, d.Acknowledged, d.AlertsAcknowledged, d.FingerprintsAcknowledged), t);
        }

        Assert.Equal(Devices.Devices.Count, tally.Count);
        await using var store = await Location.OpenAsync();
        Assert.Empty(await store.CountRejectionsByReasonAsync());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var a in _aggregators)
        {
            a.Dispose();
        }

        await Devices.DisposeAsync();
        await Watcher.DisposeAsync();
        await Broker.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
