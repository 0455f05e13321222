using EdgeSentinel.Cloud;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Tests.Support;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;

namespace EdgeSentinel.Dashboard.Tests.Support;

/// <summary>
/// An aggregator (SQLite in a temp folder, free ports, wall-clock time because a browser reads it) fed
/// through its real MQTT ingest by four signed devices in two fleets: status, window fingerprints of
/// the shared test baseline (robot-3's input x shifted by 1.5 standard deviations) and one alert each
/// on robot-1 (activation anomaly) and robot-3 (input drift). The baseline is registered so the device page can draw its band.
/// </summary>
public sealed class DashboardFleet : IAsyncLifetime
{
    public const int Windows = 8;
    public const double Robot3Shift = 1.5;

    /// <summary>The aggregator's API token (acknowledging needs it; the pages get it as the demo gives it, in the address fragment).</summary>
    public const string ApiToken = "dashboard-tests-token-0123456789";

    public static readonly (string Fleet, string Device)[] Devices =
        [("plant-a", "robot-1"), ("plant-a", "robot-2"), ("plant-a", "robot-3"), ("plant-b", "arm-1")];

    private readonly Dictionary<string, TestDevice> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-dash-" + Guid.NewGuid().ToString("N")[..12]);
    private InProcessBroker? _broker;

    public Aggregator Aggregator { get; private set; } = null!;

    public Uri Address => Aggregator.Http.Address;

    public string ModelHash => TestFingerprints.Baseline.Model.Sha256;

    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>Outbox backlog each device reports (pending alerts + pending fingerprints).</summary>
    public static long OutboxOf(string device) => device switch { "robot-1" => 0, "robot-2" => 3, "robot-3" => 7, _ => 12 };

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _broker = await InProcessBroker.StartAsync();
        var keys = new DeviceKeyRegistry();
        var keyBytes = new Dictionary<string, SigningKey>(StringComparer.Ordinal);
        for (var i = 0; i < Devices.Length; i++)
        {
            var key = SigningKey.FromBytes(Enumerable.Range(1 + (i * 40), 32).Select(b => (byte)b).ToArray());
            keys.Register(Devices[i].Fleet, Devices[i].Device, key);
            keyBytes[Devices[i].Device] = key;
        }

        var options = new AggregatorOptions { HttpUrl = "http://127.0.0.1:0" };
        options.Sqlite.Path = Path.Combine(_folder, "aggregator.db");
        options.Mqtt.Port = _broker.Port;
        options.Mqtt.ClientId = "dashboard-tests";
        options.ApiToken = ApiToken;
        Aggregator = await Aggregator.StartAsync(options, keys);
        Aggregator.Dashboard.Baselines.Register(TestFingerprints.Baseline);
        StartedAt = TimeProvider.System.GetUtcNow();

        for (var i = 0; i < Devices.Length; i++)
        {
            var (fleet, device) = Devices[i];
            var client = await TestDevice.ConnectAsync(_broker.Port, fleet, device, keyBytes[device]);
            _devices[device] = client;
            var outbox = OutboxOf(device);
            await client.PublishStatusAsync(new StatusReport(DeviceState.Online, 1, outbox / 3, outbox - (outbox / 3), 0, 0), Next(device), StartedAt);
            var windows = TestFingerprints.Windows(seed: 100 + i, Windows, shiftX: device == "robot-3" ? Robot3Shift : 0);
            for (var w = 0; w < windows.Count; w++)
            {
                var start = StartedAt.AddMinutes(-40 + (4 * w));
                await client.PublishFingerprintAsync(new FingerprintReport(ModelHash, start, start.AddMinutes(1), 1, windows[w]), Next(device), StartedAt);
            }
        }

        await PublishAlertAsync("robot-1", "robot-1-drift-1", AlertKind.ActivationAnomaly, AlertSeverity.Warning, "input.y", StartedAt.AddMinutes(-20));
        await PublishAlertAsync("robot-3", "robot-3-drift-1", AlertKind.InputDrift, AlertSeverity.Warning, "input.x", StartedAt.AddMinutes(-10));
        await Eventually.TrueAsync(
            async () => await Aggregator.Store.CountMessagesAsync() == Devices.Length * (1 + Windows) + 2,
            "every status, fingerprint and alert stored");
    }

    /// <summary>Publishes a raised alert with window-test evidence naming <paramref name="channel"/>, signed by the device.</summary>
    public Task PublishAlertAsync(string device, string id, AlertKind kind, AlertSeverity severity, string channel, DateTimeOffset raisedAt)
    {
        var evidence = new AlertEvidence("min-holm-adjusted-p", 2e-9, 1e-4, 1e-4, "per window", [new ChannelContribution(channel, "ks", 0.48, 0.48)]);
        var alert = new Alert(id, device, ModelHash, kind, channel, severity, AlertState.Raised, 1000, 1511, raisedAt, raisedAt, evidence);
        return _devices[device].PublishAlertAsync(alert, Next(device), TimeProvider.System.GetUtcNow());
    }

    public async Task DisposeAsync()
    {
        foreach (var device in _devices.Values)
        {
            await device.DisposeAsync();
        }

        await Aggregator.DisposeAsync();
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private long Next(string device)
    {
        var next = _sequences.GetValueOrDefault(device) + 1;
        _sequences[device] = next;
        return next;
    }
}
