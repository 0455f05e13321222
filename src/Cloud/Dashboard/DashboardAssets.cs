using System.Collections.Frozen;

namespace EdgeSentinel.Cloud.Dashboard;

/// <summary>The dashboard's static files (HTML, scripts, styles and the charting library), embedded in this assembly at build time.</summary>
/// <remarks>Embedded rather than read from disk so the dashboard works the same from <c>dotnet run</c>, <c>dotnet publish</c> and a test's output folder.</remarks>
internal static class DashboardAssets
{
    /// <summary>Prefix of the embedded resources' logical names (see Cloud.csproj).</summary>
    public const string ResourcePrefix = "dashboard/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".json"] = "application/json",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly Lazy<FrozenDictionary<string, byte[]>> Files = new(Load);

    /// <summary>Relative paths of every asset, e.g. "index.html", "vendor/chart.umd.js".</summary>
    public static IReadOnlyCollection<string> Paths => Files.Value.Keys;

    /// <summary>The bytes and content type of an asset, or false when there is none at <paramref name="path"/>.</summary>
    public static bool TryGet(string path, out byte[] content, out string contentType)
    {
        contentType = ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");
        return Files.Value.TryGetValue(path, out content!);
    }

    private static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"embedded resource {name} is listed but cannot be opened");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[name[ResourcePrefix.Length..]] = copy.ToArray();
        }

        if (!files.ContainsKey("index.html") || !files.ContainsKey(DashboardEndpoints.ChartLibraryPath))
        {
            throw new InvalidOperationException($"{assembly.GetName().Name} was built without the dashboard assets (index.html and {DashboardEndpoints.ChartLibraryPath}); rebuild src/Cloud so its npm step runs");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
