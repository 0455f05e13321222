namespace EdgeSentinel.Runtime.Tests.Configuration;

/// <summary>Finds the repository's firmware-config folder from the test binaries.</summary>
internal static class RepositoryFiles
{
    public static string FirmwareConfig
    {
        get
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "firmware-config");
                if (File.Exists(Path.Combine(candidate, "edgesentinel-device.schema.json")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("firmware-config/edgesentinel-device.schema.json not found above " + AppContext.BaseDirectory);
        }
    }
}
