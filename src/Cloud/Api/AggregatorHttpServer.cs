using System.Text.Json.Serialization;
using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeSentinel.Cloud.Api;

/// <summary>The aggregator's HTTP server (Kestrel) serving <see cref="AggregatorApi"/>.</summary>
/// <remarks>Owns the web application, not the store, view or metrics given to it.</remarks>
public sealed class AggregatorHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AggregatorHttpServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The address it listens on (with the port chosen when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>Builds and starts the server on <paramref name="url"/>, e.g. "http://127.0.0.1:0".</summary>
    /// <param name="url">Where to listen.</param>
    /// <param name="store">The store the API reads and acknowledges in.</param>
    /// <param name="fleetView">The fleet view.</param>
    /// <param name="metrics">The ingest counters for /metrics.</param>
    /// <param name="timeProvider">The clock (default: the system's).</param>
    /// <param name="configure">Maps more endpoints (e.g. the dashboard).</param>
    /// <param name="apiToken">The bearer token that requests changing state need (see <see cref="ApiTokenGate"/>); null makes the API read-only.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<AggregatorHttpServer> StartAsync(
        string url,
        IAggregatorStore store,
        FleetView fleetView,
        IngestMetrics metrics,
        TimeProvider? timeProvider = null,
        Action<WebApplication>? configure = null,
        string? apiToken = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(fleetView);
        ArgumentNullException.ThrowIfNull(metrics);
        if (apiToken is not null && ApiTokenGate.Problem(apiToken) is { } problem)
        {
            throw new ArgumentException($"The API token {problem}.", nameof(apiToken));
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddProblemDetails();
        builder.Services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase)));
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(fleetView);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(timeProvider ?? TimeProvider.System);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseApiTokenGate(apiToken);
        app.MapAggregatorApi();
        configure?.Invoke(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        var address = addresses?.Addresses.FirstOrDefault() ?? url;
        return new AggregatorHttpServer(app, new Uri(address));
    }

    /// <summary>The server's logging (console, warnings and above), for the components that run beside it.</summary>
    public ILoggerFactory LoggerFactory => _app.Services.GetRequiredService<ILoggerFactory>();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
