using System.Diagnostics;
using System.Globalization;
using EdgeSentinel.Cloud.Provisioning;
using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.FleetLoad;

/// <summary>What a load run does.</summary>
public sealed class LoadRunOptions
{
    /// <summary>The store the aggregator writes (a SQLite file, or a PostgreSQL database that is empty).</summary>
    public required StoreLocation Store { get; init; }

    /// <summary>A folder for the password file and the memory samples (must exist).</summary>
    public required string Folder { get; init; }

    /// <summary>How many devices. Default: 200.</summary>
    public int Devices { get; init; } = 200;

    /// <summary>How each device publishes.</summary>
    public FleetLoadOptions Load { get; init; } = new();

    /// <summary>How often the store is polled for the publish → stored times. Default: 100 ms.</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Fingerprints of the reference schema (≈95 KB) rather than the small one. Default: false.</summary>
    public bool ReferenceSchema { get; init; }

    /// <summary>The load is run this many times in a row; after each, once everything is stored, a full collection in the aggregator measures its live heap. Default: 1.</summary>
    public int Phases { get; init; } = 1;

    /// <summary>How long to wait for the last messages to be stored after the devices finished. Default: 120 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(120);
}

/// <summary>The broker's password-file and ACL lines for the provisioned devices and the aggregator.</summary>
/// <param name="PasswordLines">Lines of the password file.</param>
/// <param name="AclLines">Lines of the ACL file.</param>
public sealed record BrokerSecurity(IReadOnlyList<string> PasswordLines, IReadOnlyList<string> AclLines);

/// <summary>The outcome of a load run; <see cref="LiveHeap"/> holds the samples after a forced full collection: idle before the load, then after each phase drained.</summary>
public sealed record LoadResult(
    long Published,
    long Stored,
    IReadOnlyDictionary<string, DeviceTally> Tally,
    IReadOnlyList<SimulatedDevice> Devices,
    IReadOnlyList<LagSample> Lags,
    IReadOnlyList<MemorySample> Memory,
    IReadOnlyList<MemorySample> LiveHeap,
    TimeSpan LoadStartedAt,
    TimeSpan PublishDuration,
    TimeSpan DrainDuration,
    TimeSpan AggregatorCpu,
    long StorageBytes,
    long PayloadBytes,
    IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>Messages the broker acknowledged to a device that are not in the store with their data row (each counted once:
    /// a message missing altogether lacks both its key and its data row).</summary>
    public long Lost => Devices.Sum(d => Tally.TryGetValue(d.Device, out var t)
        ? Math.Max(Math.Max(0, d.Acknowledged - t.Messages), Math.Max(0, d.AlertsAcknowledged - t.AlertEvents) + Math.Max(0, d.FingerprintsAcknowledged - t.Fingerprints))
        : d.Acknowledged);

    /// <summary>Whether every device's messages 1..n are stored exactly once, each with its alert or fingerprint row.</summary>
    public bool ExactlyOnce => Devices.All(d => Tally.TryGetValue(d.Device, out var t)
        && t == new DeviceTally(d.Device, d.Acknowledged, d.Acknowledged, d.AlertsAcknowledged, d.FingerprintsAcknowledged));

    /// <summary>Lag percentiles (nearest rank) of the messages sent in [from, to) after the load started, in milliseconds.</summary>
    public (int Count, double P50, double P99, double Max) LagMs(TimeSpan? from = null, TimeSpan? to = null)
    {
        var start = Lags.Count == 0 ? 0 : Lags.Min(l => l.SentAt);
        var sorted = Lags.Where(l => InWindow(l, start, from, to)).Select(l => l.Lag.TotalMilliseconds).Order().ToList();
        return sorted.Count == 0 ? (0, double.NaN, double.NaN, double.NaN) : (sorted.Count, Stats.Percentile(sorted, 0.50), Stats.Percentile(sorted, 0.99), sorted[^1]);
    }

    private static bool InWindow(LagSample l, long start, TimeSpan? from, TimeSpan? to)
    {
        var at = Stopwatch.GetElapsedTime(start, l.SentAt);
        return (from is null || at >= from) && (to is null || at < to);
    }
}

/// <summary>
/// One load run end to end: provisions the devices into the store, has the caller start the broker with
/// their credentials, starts <c>edgesentinel aggregate</c> with the memory probe, runs the simulated
/// devices while the store is watched, waits until everything published is stored, and tallies.
/// </summary>
public static class LoadRun
{
    /// <summary>The aggregator's broker user.</summary>
    public const string AggregatorUser = "edgesentinel-aggregator";

    /// <summary>The fleet id of the simulated devices.</summary>
    public const string Fleet = "load";

    /// <summary>Runs the load; <paramref name="startBroker"/> starts the broker with the given security and returns its port on 127.0.0.1.</summary>
    public static async Task<LoadResult> RunAsync(LoadRunOptions options, Func<BrokerSecurity, Task<int>> startBroker, Action<string> log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(startBroker);
        ArgumentNullException.ThrowIfNull(log);
        var clock = Stopwatch.StartNew();
        var devices = new List<ProvisionedDevice>(options.Devices);
        await using (var store = await options.Store.OpenAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            for (var i = 1; i <= options.Devices; i++)
            {
                devices.Add(await DeviceProvisioning.ProvisionAsync(store, Fleet, "d" + i.ToString("D4", CultureInfo.InvariantCulture), cancellationToken: cancellationToken).ConfigureAwait(false));
            }
        }

        var password = DeviceProvisioning.GeneratePassword();
        var security = new BrokerSecurity(
            [.. devices.Select(d => d.PasswordFileLine), $"{AggregatorUser}:{MosquittoPasswordHash.Create(password)}"],
            [.. DeviceProvisioning.MosquittoDevicePatterns, .. DeviceProvisioning.MosquittoAggregatorAcl(AggregatorUser)]);
        var port = await startBroker(security).ConfigureAwait(false);
        var passwordFile = Path.Combine(options.Folder, "aggregator.password");
        await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken).ConfigureAwait(false);
        var probe = Path.Combine(options.Folder, "memory.samples");
        log($"{clock.Elapsed:mm\\:ss} provisioned {devices.Count} devices, broker on port {port}");

        var messages = LoadMessages.Create(options.ReferenceSchema);
        log($"{clock.Elapsed:mm\\:ss} fingerprint body {messages.FingerprintBodyBytes} bytes ({(options.ReferenceSchema ? "reference" : "small")} schema)");
        var storeArgument = (options.Store.IsPostgres ? "postgres:" : "sqlite:") + options.Store.Target;
        using var aggregator = await AggregatorProcess.StartAsync(new AggregatorLaunch(storeArgument, port, "load-aggregator", AggregatorUser, passwordFile, probe), TimeSpan.FromSeconds(90)).ConfigureAwait(false);
        await using var fleet = await SimulatedFleet.ConnectAsync(port, devices, messages, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var watcher = await StoreWatcher.OpenAsync(options.Store, cancellationToken: cancellationToken).ConfigureAwait(false);
        log($"{clock.Elapsed:mm\\:ss} aggregator pid {aggregator.Id} ready at {aggregator.HttpAddress}; {devices.Count} devices connected; "
            + $"{options.Load.RatePerDevice} msg/s each, {options.Load.MessagesPerDevice} each ({options.Devices * options.Load.RatePerDevice:F0} msg/s offered)");

        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watching = watcher.WatchAsync(fleet.Devices, options.Poll, stopWatching.Token);
        var live = new List<MemorySample> { await MemorySamples.CollectAsync(probe, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false) };
        var loadStartedAt = live[0].Elapsed; // on the probe's clock (since the aggregator started), to within one sample
        log($"{clock.Elapsed:mm\\:ss} idle aggregator: live heap {live[0].HeapAfterLastGc / 1048576.0:F1} MiB, RSS {live[0].Rss / 1048576.0:F1} MiB");
        var publishDuration = TimeSpan.Zero;
        var drainDuration = TimeSpan.Zero;
        long stored = 0;
        for (var phase = 1; phase <= options.Phases; phase++)
        {
            var publishing = Stopwatch.StartNew();
            var run = fleet.RunAsync(options.Load, cancellationToken);
            using var progress = new PeriodicTimer(TimeSpan.FromSeconds(30), TimeProvider.System);
            while (!run.IsCompleted)
            {
                var tick = progress.WaitForNextTickAsync(cancellationToken).AsTask();
                await Task.WhenAny(run, tick).ConfigureAwait(false);
                if (!run.IsCompleted)
                {
                    var memory = MemorySamples.Read(probe);
                    var last = memory.Count > 0 ? memory[^1] : default;
                    log($"{clock.Elapsed:mm\\:ss} published {fleet.Acknowledged}, stored {await watcher.CountAsync(Fleet, cancellationToken).ConfigureAwait(false)}, "
                        + $"aggregator heap {last.HeapAfterLastGc / 1048576.0:F1} MiB, RSS {last.Rss / 1048576.0:F1} MiB, CPU {aggregator.CpuTime.TotalSeconds:F1} s");
                }
            }

            await run.ConfigureAwait(false);
            publishDuration += publishing.Elapsed;
            var published = fleet.Acknowledged;
            log($"{clock.Elapsed:mm\\:ss} phase {phase}: {published} published ({publishing.Elapsed.TotalSeconds:F1} s); draining");
            var drain = Stopwatch.StartNew();
            while ((stored = await watcher.CountAsync(Fleet, cancellationToken).ConfigureAwait(false)) < published && drain.Elapsed < options.DrainTimeout)
            {
                await Task.Delay(options.Poll, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }

            drainDuration = drain.Elapsed;
            live.Add(await MemorySamples.CollectAsync(probe, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false));
            log($"{clock.Elapsed:mm\\:ss} phase {phase}: stored {stored} of {published} ({drainDuration.TotalSeconds:F1} s after the last publish); "
                + $"live heap {live[^1].HeapAfterLastGc / 1048576.0:F1} MiB, RSS {live[^1].Rss / 1048576.0:F1} MiB");
        }

        await Task.Delay(options.Poll * 2, TimeProvider.System, cancellationToken).ConfigureAwait(false); // one more poll of the watcher
        await stopWatching.CancelAsync().ConfigureAwait(false);
        await watching.ConfigureAwait(false);
        IReadOnlyDictionary<string, double> metrics;
        try
        {
            metrics = await aggregator.ScrapeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // /metrics counts open alerts from the store: with hundreds of thousands of them it can take longer than the client waits
            log($"{clock.Elapsed:mm\\:ss} /metrics did not answer: {e.Message}");
            metrics = new Dictionary<string, double>();
        }

        if (stored < fleet.Acknowledged)
        {
            // Left unstored: say what the aggregator knows (its ingest counters and warnings), so that a failed run explains itself.
            foreach (var (name, value) in metrics.Where(m => m.Key.StartsWith("edgesentinel_ingest_", StringComparison.Ordinal)).OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                log($"  metric {name} = {value}");
            }
        }

        // The aggregator's warnings (its ingest's reconnects and replaced connections among them) are rare: always shown.
        var lines = aggregator.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines.Where(l => l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("Ingest:", StringComparison.Ordinal)).TakeLast(40))
        {
            log($"  aggregator: {line.TrimEnd()}");
        }

        var cpu = aggregator.CpuTime;
        var tally = await watcher.TallyAsync(Fleet, cancellationToken).ConfigureAwait(false);
        var bytes = await watcher.StorageBytesAsync(cancellationToken).ConfigureAwait(false);
        return new LoadResult(fleet.Acknowledged, stored, tally, fleet.Devices, watcher.Lags, MemorySamples.Read(probe), live, loadStartedAt, publishDuration, drainDuration, cpu, bytes, fleet.PayloadBytes, metrics);
    }
}
