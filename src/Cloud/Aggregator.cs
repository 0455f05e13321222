using Microsoft.Extensions.Logging;
using EdgeSentinel.Cloud.Api;
using EdgeSentinel.Cloud.Dashboard;
using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;

namespace EdgeSentinel.Cloud;

/// <summary>One running aggregator instance: store, MQTT ingest, fleet view and HTTP API, composed and started together.</summary>
/// <remarks>Keeps no state the store lacks: any number of instances may share a broker (shared subscription) and a PostgreSQL store.</remarks>
public sealed class Aggregator : IAsyncDisposable
{
    private Aggregator(IAggregatorStore store, FleetView fleet, IngestMetrics metrics, MqttIngestor ingest, AggregatorHttpServer http, DashboardServices dashboard)
    {
        Dashboard = dashboard;
        Store = store;
        Fleet = fleet;
        Metrics = metrics;
        Ingest = ingest;
        Http = http;
    }

    /// <summary>The store.</summary>
    public IAggregatorStore Store { get; }

    /// <summary>The fleet view.</summary>
    public FleetView Fleet { get; }

    /// <summary>This instance's ingest counters.</summary>
    public IngestMetrics Metrics { get; }

    /// <summary>The MQTT ingest.</summary>
    public MqttIngestor Ingest { get; }

    /// <summary>The dashboard's live events and registered baselines (pages at /dashboard/).</summary>
    public DashboardServices Dashboard { get; }

    /// <summary>The HTTP server (its <see cref="AggregatorHttpServer.Address"/> has the bound port).</summary>
    public AggregatorHttpServer Http { get; }

    /// <summary>Validates the options (every problem listed), opens the store, starts the HTTP API and the ingest.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static async Task<Aggregator> StartAsync(AggregatorOptions options, DeviceKeyRegistry keys, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(keys);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid aggregator options:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)), nameof(options));
        }

        var time = timeProvider ?? TimeProvider.System;
        var store = options.PostgresConnectionString is { } postgres
            ? await AggregatorStores.OpenPostgresAsync(postgres, time, cancellationToken).ConfigureAwait(false)
            : await AggregatorStores.OpenSqliteAsync(options.Sqlite, time, cancellationToken).ConfigureAwait(false);
        AggregatorHttpServer? http = null;
        MqttIngestor? ingest = null;
        try
        {
            var fleet = new FleetView(store, options.Fleet, time);
            var metrics = new IngestMetrics(time);
            var dashboard = new DashboardServices(time);
            http = await AggregatorHttpServer.StartAsync(options.HttpUrl, store, fleet, metrics, time, app => app.MapDashboard(dashboard), options.ApiToken, cancellationToken).ConfigureAwait(false);
            ingest = new MqttIngestor(options.Mqtt, store, keys, metrics, time, http.LoggerFactory.CreateLogger<MqttIngestor>());
            ingest.Stored += dashboard.OnStored;
            await ingest.StartAsync(cancellationToken).ConfigureAwait(false);
            return new Aggregator(store, fleet, metrics, ingest, http, dashboard);
        }
        catch
        {
            if (ingest is not null)
            {
                await ingest.DisposeAsync().ConfigureAwait(false);
            }

            if (http is not null)
            {
                await http.DisposeAsync().ConfigureAwait(false);
            }

            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Ingest.DisposeAsync().ConfigureAwait(false);
        await Http.DisposeAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
    }
}
