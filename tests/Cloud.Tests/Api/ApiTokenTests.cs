using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeSentinel.Cloud.Api;
using EdgeSentinel.Cloud.Fleet;
using EdgeSentinel.Cloud.Metrics;
using EdgeSentinel.Cloud.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Cloud.Tests.Api;

/// <summary>The API token: requests that change state need <c>Authorization: Bearer &lt;token&gt;</c> (else 401 with a JSON problem and nothing changes); reads stay open; no token configured = read-only.</summary>
#pragma warning disable CA1001 // disposed in DisposeAsync (xunit IAsyncLifetime)
public sealed class ApiTokenTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private const string Token = "Zm9vYmFyLXRva2VuLTAxMjM0NTY3ODk";
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-token-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(T0);
    private readonly List<AggregatorHttpServer> _servers = [];
    private IAggregatorStore _store = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _store = await AggregatorStores.OpenSqliteAsync(new SqliteStoreOptions { Path = Path.Combine(_folder, "s.db") }, _time);
        await _store.StoreAlertAsync(new MessageKey("f1", "d1", 1), T0, new StoredAlert("a1", "f1", "d1", "model-a", "input-drift", "inputs", "warning", "raised", 0, 255, "{}", T0, T0));
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        await _store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<HttpClient> StartAsync(string? token, string? bearer)
    {
        var server = await AggregatorHttpServer.StartAsync("http://127.0.0.1:0", _store, new FleetView(_store, timeProvider: _time), new IngestMetrics(_time), _time, apiToken: token);
        _servers.Add(server);
        var http = new HttpClient { BaseAddress = server.Address };
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return http;
    }

    private static async Task<string> UnauthorizedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("Bearer realm=\"edgesentinel\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        return problem.GetProperty("detail").GetString()!;
    }

    private async Task<bool> AcknowledgedAsync() => (await _store.GetAlertAsync("a1"))!.AcknowledgedBy is not null;

    [Fact]
    public async Task Acknowledge_WithoutToken_401JsonProblem_NothingChanges_ReadsStayOpen()
    {
        using var anonymous = await StartAsync(Token, bearer: null);

        using var refused = await anonymous.PostAsJsonAsync("/api/alerts/a1/acknowledge", new { by = "mallory" });
        Assert.Contains("send 'Authorization: Bearer <token>'", await UnauthorizedAsync(refused), StringComparison.Ordinal);
        Assert.DoesNotContain("error=", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.False(await AcknowledgedAsync());

        // Reads need no token.
        using var read = await anonymous.GetAsync("/api/alerts/a1");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/devices")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);

        // Any other method is gated too, whether or not an endpoint exists: the gate runs before routing.
        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch })
        {
            using var other = await anonymous.SendAsync(new HttpRequestMessage(method, "/api/alerts/a1"));
            Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        }
    }

    [Fact]
    public async Task Acknowledge_WrongOrMalformedToken_401InvalidToken_RightTokenAcknowledges()
    {
        using var wrong = await StartAsync(Token, bearer: Token + "x");
        using var refused = await wrong.PostAsJsonAsync("/api/alerts/a1/acknowledge", new { by = "mallory" });
        Assert.Contains("does not carry this aggregator's API token", await UnauthorizedAsync(refused), StringComparison.Ordinal);
        Assert.Contains("error=\"invalid_token\"", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        using var prefix = new HttpClient { BaseAddress = wrong.BaseAddress };
        prefix.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token[..^1]); // a prefix of the token is not the token
        Assert.Equal(HttpStatusCode.Unauthorized, (await prefix.PostAsJsonAsync("/api/alerts/a1/acknowledge", new { by = "mallory" })).StatusCode);
        using var basic = new HttpClient { BaseAddress = wrong.BaseAddress };
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Token); // the right secret in another scheme
        Assert.Equal(HttpStatusCode.Unauthorized, (await basic.PostAsJsonAsync("/api/alerts/a1/acknowledge", new { by = "mallory" })).StatusCode);
        Assert.False(await AcknowledgedAsync());

        using var right = new HttpClient { BaseAddress = wrong.BaseAddress };
        right.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "bearer " + Token); // the scheme is case-insensitive (RFC 9110)
        using var ok = await right.PostAsJsonAsync("/api/alerts/a1/acknowledge", new { by = "alice" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("alice", (await _store.GetAlertAsync("a1"))!.AcknowledgedBy);
    }

    [Fact]
    public async Task NoTokenConfigured_ApiIsReadOnly_EvenForAnyBearer()
    {
        using var http = await StartAsync(token: null, bearer: "anything-at-all-0123456789");
        using var refused = await http.PostAsJsonAsync("/api/alerts/a1/acknowledge", new { by = "alice" });
        Assert.Contains("no API token configured, so its API is read-only", await UnauthorizedAsync(refused), StringComparison.Ordinal);
        Assert.False(await AcknowledgedAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/alerts")).StatusCode);
    }

    [Theory]
    [InlineData("short", "has 5 characters")]
    [InlineData("has a space in it 0123", "printable ASCII without spaces")]
    public async Task Start_BadToken_RefusedWithTheReason(string token, string expected)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => AggregatorHttpServer.StartAsync("http://127.0.0.1:0", _store, new FleetView(_store, timeProvider: _time), new IngestMetrics(_time), _time, apiToken: token));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, Assert.Single(new AggregatorOptions { ApiToken = token }.Validate()), StringComparison.Ordinal);
    }

    [Fact]
    public void GeneratedTokens_AreValid_AndDiffer()
    {
        var a = ApiTokenGate.GenerateToken();
        var b = ApiTokenGate.GenerateToken();
        Assert.Null(ApiTokenGate.Problem(a));
        Assert.Equal(43, a.Length); // 32 bytes in base64url without padding: ceil(32 * 8 / 6)
        Assert.NotEqual(a, b);
    }
}
