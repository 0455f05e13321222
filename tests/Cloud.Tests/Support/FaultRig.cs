using System.Globalization;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>
/// The setting of the fault tests: a provisioned fleet, a real Mosquitto (authentication, persistence),
/// the aggregator storing into SQLite through a <see cref="RecordingStore"/>, and device processes
/// (tests/Tools/DeviceProcess: the real DeviceReporter + SqliteOutbox) it starts and kills.
/// </summary>
public sealed class FaultRig : IAsyncDisposable
{
    private readonly List<DeviceProcess> _processes = [];

    private FaultRig(string folder, RecordingStore store, ProvisionedFleet fleet, MosquittoBroker broker, IngestMetrics metrics, IReadOnlyList<MqttIngestor> ingests)
    {
        Folder = folder;
        Store = store;
        Fleet = fleet;
        Broker = broker;
        Metrics = metrics;
        Ingests = ingests;
    }

    public string Folder { get; }

    public RecordingStore Store { get; }

    public ProvisionedFleet Fleet { get; }

    public MosquittoBroker Broker { get; }

    public IngestMetrics Metrics { get; }

    /// <summary>The first (or only) aggregator.</summary>
    public MqttIngestor Ingest => Ingests[0];

    /// <summary>Every aggregator: members of one shared subscription, storing into the same store, counting into <see cref="Metrics"/>.</summary>
    public IReadOnlyList<MqttIngestor> Ingests { get; }

    public static Task<FaultRig> StartAsync(string fleet, params string[] devices) => StartAsync(fleet, 1, devices);

    /// <summary>The rig with <paramref name="aggregators"/> aggregators (client ids agg-1, agg-2, ...) on the default options.</summary>
    public static async Task<FaultRig> StartAsync(string fleet, int aggregators, params string[] devices)
    {
        var folder = Path.Combine(Path.GetTempPath(), "es-faults-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var store = new RecordingStore(await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(folder, "s.db") }));
        var provisioned = await ProvisionedFleet.CreateAsync(store, fleet, devices);
        var broker = await MosquittoBroker.StartAsync(provisioned.MosquittoSecurity, persistence: true);
        var metrics = new IngestMetrics(TimeProvider.System);
        var ingests = new List<MqttIngestor>();
        for (var i = 1; i <= aggregators; i++)
        {
            var ingest = new MqttIngestor(provisioned.IngestOptions(broker.Port, clientId: $"agg-{i}"), store, provisioned.Keys, metrics); // stored acknowledgements: the default
            await ingest.StartAsync();
            ingests.Add(ingest);
        }

        return new FaultRig(folder, store, provisioned, broker, metrics, ingests);
    }

    /// <summary>Starts a device process raising alerts <paramref name="first"/>.. (count <paramref name="alerts"/>), on the broker or on <paramref name="port"/> (e.g. a proxy).</summary>
    public DeviceProcess StartDevice(string device, int alerts, int first = 1, int intervalMs = 0, int? port = null, IReadOnlyList<string>? extra = null, string? outbox = null)
    {
        var d = Fleet[device];
        var process = DeviceProcess.Start(port ?? Broker.Port, Fleet.Fleet, device, d.Credentials.Key.ToBase64(), outbox ?? OutboxPath(device), alerts, first, d.MqttUsername, d.MqttPassword, intervalMs, extra);
        _processes.Add(process);
        return process;
    }

    public string OutboxPath(string device) => Path.Combine(Folder, device + ".outbox");

    public async Task<long> StoredAlertsAsync(string device) => (await Store.QueryAlertsAsync(new AlertQuery { Device = device, Limit = 1_000_000 })).Count;

    /// <summary>Which of alerts 1..<paramref name="alerts"/> of <paramref name="device"/> the store lacks (for failure messages).</summary>
    public string Missing(string device, int alerts, int first = 1)
    {
        var stored = Store.Alerts.Where(a => a.Key.Device == device).Select(a => Number(a.AlertId)).ToHashSet();
        var missing = Enumerable.Range(first, alerts).Where(n => !stored.Contains(n)).ToList();
        return $"{device} missing {missing.Count}: [{string.Join(",", missing.Take(30))}] (received {string.Join(",", Metrics.Received)}; duplicates {string.Join(",", Metrics.Duplicates)})";
    }

    /// <summary>The alert number n of an alert id "{device}-a{n}".</summary>
    public static int Number(string alertId) => int.Parse(alertId.AsSpan(alertId.LastIndexOf('a') + 1), CultureInfo.InvariantCulture);

    /// <summary>Per device, in the order the aggregator stored them: asserts each alert once, sequence numbers rising, alert numbers rising with them.</summary>
    public List<(long Sequence, int Number)> StoredInOrder(string device)
    {
        var stored = Store.Alerts.Where(a => a.Key.Device == device && a.Outcome == StoreOutcome.Stored).Select(a => (a.Key.Sequence, Number: Number(a.AlertId))).ToList();
        for (var i = 1; i < stored.Count; i++)
        {
            Assert.True(stored[i].Sequence > stored[i - 1].Sequence, $"{device}: sequence {stored[i].Sequence} stored after {stored[i - 1].Sequence}");
            Assert.True(stored[i].Number > stored[i - 1].Number, $"{device}: alert {stored[i].Number} stored after {stored[i - 1].Number}");
        }

        Assert.Equal(stored.Count, stored.Select(s => s.Number).Distinct().Count());
        return stored;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            p.Dispose();
        }

        foreach (var ingest in Ingests)
        {
            await ingest.DisposeAsync();
        }

        await Broker.DisposeAsync();
        await Store.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }
}
