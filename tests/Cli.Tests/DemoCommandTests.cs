namespace EdgeSentinel.Cli.Tests;

/// <summary><c>edgesentinel demo</c> refuses models it cannot use before it starts anything. The demo itself runs in ReadmeCommandsTests and the browser tests.</summary>
public sealed class DemoCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("edgesentinel-demo-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string ShippedModels()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "models");
            if (File.Exists(Path.Combine(candidate, "policy.baseline")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("no models/ folder above the test's build");
    }

    [Fact]
    public async Task Demo_CorruptedOrOtherVersionBaseline_UsageErrorNamingTheFileAndTheFix_NothingStarted()
    {
        var models = Directory.CreateDirectory(Path.Combine(_folder, "models")).FullName;
        foreach (var file in Directory.GetFiles(ShippedModels()))
        {
            File.Copy(file, Path.Combine(models, Path.GetFileName(file)));
        }

        // One flipped byte in the policy baseline's payload (its checksum then fails); the sleeper's written as format version 99.
        var policy = Path.Combine(models, "policy.baseline");
        var bytes = await File.ReadAllBytesAsync(policy);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(policy, bytes);
        var sleeper = Path.Combine(models, "sleeper-explicit.baseline");
        var other = await File.ReadAllBytesAsync(sleeper);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(other.AsSpan(8), 99);
        await File.WriteAllBytesAsync(sleeper, other);
        var data = Path.Combine(_folder, "data");
        var stdout = new LockedWriter();
        var stderr = new LockedWriter();

        var exit = await EdgeSentinelCommand.RunAsync(["demo", "--headless", "--duration", "1", "--port", "0", "--models", models, "--data", data], stdout, stderr);

        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        var errors = stderr.ToString();
        Assert.Contains(policy + " cannot be used: ", errors, StringComparison.Ordinal);
        Assert.Contains(sleeper + " cannot be used: ", errors, StringComparison.Ordinal);
        Assert.Contains("unsupported format version 99", errors, StringComparison.Ordinal);
        Assert.Contains("'edgesentinel models build --out " + models + "'", errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data), "no run folder, store or aggregator was started");
    }
}
