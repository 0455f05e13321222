namespace EdgeSentinel.Cli.Reports;

/// <summary>The charting library the dashboard serves (installed with npm at build time and embedded in the Cloud assembly), read so that a report can inline it.</summary>
internal static class ChartLibrary
{
    public static string Load()
    {
        var assembly = typeof(Cloud.Aggregator).Assembly;
        var name = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith("chart.umd.js", StringComparison.OrdinalIgnoreCase)
            || n.EndsWith("chart.umd.min.js", StringComparison.OrdinalIgnoreCase));
        using var stream = name is null ? null : assembly.GetManifestResourceStream(name);
        if (stream is null)
        {
            throw new InvalidOperationException($"the charting library is not embedded in {assembly.GetName().Name} (the build runs 'npm ci' in src/Cloud/Dashboard/web; rebuild with npm available)");
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
