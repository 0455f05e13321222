using System.Diagnostics;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>
/// A small tmpfs mounted on a temp folder (the tests run as root): <see cref="Fill"/> takes every free
/// byte with a filler file, so writes there fail with ENOSPC as on a full SD card; <see cref="Free"/>
/// deletes the filler. Fails (never skips) when the mount is not permitted.
/// </summary>
public sealed class SmallDisk : IAsyncDisposable
{
    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    private string Filler => System.IO.Path.Combine(Path, "filler");

    public static async Task<SmallDisk> MountAsync(string path, int megabytes)
    {
        Directory.CreateDirectory(path);
        var (code, error) = await RunAsync("mount", ["-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path]);
        if (code != 0)
        {
            throw new InvalidOperationException($"could not mount a {megabytes} MB tmpfs on {path} (the disk-full test needs root with CAP_SYS_ADMIN): {error}");
        }

        return new SmallDisk(path);
    }

    /// <summary>Writes a filler file until the disk is full; returns its size in bytes.</summary>
    public long Fill()
    {
        var chunk = new byte[64 * 1024];
        long written = 0;
        using var stream = new FileStream(Filler, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true)
            {
                stream.Write(chunk);
                written += chunk.Length;
            }
        }
        catch (IOException)
        {
            // ENOSPC: full. Fill what is left in smaller pieces.
        }

        var small = new byte[512];
        try
        {
            while (true)
            {
                stream.Write(small);
                written += small.Length;
            }
        }
        catch (IOException)
        {
            // Full to the last block.
        }

        return written;
    }

    /// <summary>Deletes the filler: space is back.</summary>
    public void Free() => File.Delete(Filler);

    public async ValueTask DisposeAsync()
    {
        await RunAsync("umount", ["-l", Path]);
    }

    private static async Task<(int Code, string Error)> RunAsync(string file, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, error.Trim());
    }
}
