using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeSentinel.Cloud.Api;

/// <summary>
/// The HTTP API's write protection: every request that may change state (any method but GET, HEAD, OPTIONS and TRACE)
/// needs <c>Authorization: Bearer &lt;token&gt;</c> with the aggregator's API token; reads stay open. Without a configured
/// token the API is read-only: every such request is refused.
/// </summary>
/// <remarks>
/// A refusal is 401 with a JSON ProblemDetails body and <c>WWW-Authenticate: Bearer</c>. Tokens are compared in constant
/// time (over their SHA-256, so the length does not leak either). A bearer header (never a cookie) is what makes the
/// check CSRF-proof: a browser sends it only when the page's own script adds it. Thread-safe.
/// </remarks>
public static class ApiTokenGate
{
    /// <summary>Fewest characters an API token may have.</summary>
    public const int MinTokenLength = 16;

    /// <summary>Most characters an API token may have.</summary>
    public const int MaxTokenLength = 512;

    /// <summary>Random bytes in a generated token.</summary>
    public const int GeneratedTokenBytes = 32;

    /// <summary>A new random token: <see cref="GeneratedTokenBytes"/> bytes from the system CSPRNG, base64url without padding (URL- and header-safe).</summary>
    public static string GenerateToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(GeneratedTokenBytes));

    /// <summary>Why <paramref name="token"/> cannot be an API token, or null when it can (16–512 printable ASCII characters, no spaces).</summary>
    public static string? Problem(string? token)
    {
        if (token is null)
        {
            return "is missing";
        }

        if (token.Length is < MinTokenLength or > MaxTokenLength)
        {
            return $"has {token.Length} characters; must have {MinTokenLength}..{MaxTokenLength}";
        }

        foreach (var c in token)
        {
            if (c is <= ' ' or > '~')
            {
                return "must be printable ASCII without spaces (e.g. the base64url text 'edgesentinel aggregate' suggests)";
            }
        }

        return null;
    }

    /// <summary>Whether a request method may change state (everything but GET, HEAD, OPTIONS, TRACE).</summary>
    public static bool ChangesState(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));

    /// <summary>Whether an <c>Authorization</c> header value carries <paramref name="token"/> as a bearer token (false when no token is configured).</summary>
    public static bool IsAuthorized(string? authorization, string? token)
    {
        const string Scheme = "Bearer ";
        if (token is null || authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim()));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    /// <summary>Adds the gate to <paramref name="app"/> before its endpoints; <paramref name="token"/> null makes the API read-only.</summary>
    /// <exception cref="ArgumentException">The token is not a valid API token.</exception>
    public static IApplicationBuilder UseApiTokenGate(this IApplicationBuilder app, string? token)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (token is not null && Problem(token) is { } problem)
        {
            throw new ArgumentException($"The API token {problem}.", nameof(token));
        }

        return app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (!ChangesState(request.Method) || IsAuthorized(request.Headers.Authorization, token))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var given = request.Headers.Authorization.Count > 0;
            var detail = token is null
                ? "this aggregator has no API token configured, so its API is read-only (start it with --api-token-file to allow acknowledging)"
                : given
                    ? "the Authorization header does not carry this aggregator's API token ('Authorization: Bearer <token>')"
                    : "changing state needs the aggregator's API token: send 'Authorization: Bearer <token>'";
            context.Response.Headers.WWWAuthenticate = given && token is not null ? "Bearer realm=\"edgesentinel\", error=\"invalid_token\"" : "Bearer realm=\"edgesentinel\"";
            await Results.Problem(title: "unauthorized", detail: detail, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context).ConfigureAwait(false);
        });
    }
}
