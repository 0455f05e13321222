using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>
/// tests/Tools/DeviceProcess (the real DeviceReporter + SqliteOutbox) running as a child process:
/// follows its "enqueued n" / "drained" lines, can be killed with SIGKILL.
/// </summary>
public sealed class DeviceProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<string> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder _stderr = new();
    private readonly List<DateTimeOffset> _linkLosses = [];
    private long _lastEnqueued = -1;
    private volatile bool _drained;

    private DeviceProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The last alert number the process reported as durably enqueued (-1 before any).</summary>
    public long LastEnqueued => Interlocked.Read(ref _lastEnqueued);

    public bool Drained => _drained;

    /// <summary>When the device's reporter detected each dead link, on the device's own clock ("link-lost" lines).</summary>
    public IReadOnlyList<DateTimeOffset> LinkLosses
    {
        get
        {
            lock (_linkLosses)
            {
                return [.. _linkLosses];
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>The first line: "started pending=P next-sequence=S" (the outbox state it resumed from).</summary>
    public Task<string> StartLine => _started.Task;

    public static string DllPath =>
        typeof(DeviceProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DeviceProcessPath").Value!;

    public static DeviceProcess Start(int port, string fleet, string device, string keyBase64, string outbox, int alerts, int first = 1, string? username = null, string? password = null, int intervalMs = 0, IReadOnlyList<string>? extra = null)
    {
        var path = Path.GetFullPath(DllPath);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"DeviceProcess not built at {path} (tests/Cloud.Tests references tests/Tools/DeviceProcess; build the test project).");
        }

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { path, "--broker", $"127.0.0.1:{port}", "--fleet", fleet, "--device", device, "--key", keyBase64, "--outbox", outbox,
                     "--alerts", count(alerts), "--first", count(first), "--interval-ms", count(intervalMs) })
        {
            info.ArgumentList.Add(a);
        }

        if (username is not null)
        {
            info.ArgumentList.Add("--username");
            info.ArgumentList.Add(username);
            info.ArgumentList.Add("--password");
            info.ArgumentList.Add(password!);
        }

        foreach (var a in extra ?? [])
        {
            info.ArgumentList.Add(a);
        }

        return new DeviceProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start the device process"));

        static string count(int n) => n.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>SIGKILL: no clean shutdown, no chance to finish a write or an acknowledgement.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"device process did not exit within {timeout}; last enqueued {LastEnqueued}, drained {Drained}; stderr: {StandardError}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.StartsWith("enqueued ", StringComparison.Ordinal))
        {
            Interlocked.Exchange(ref _lastEnqueued, long.Parse(line.AsSpan(9), CultureInfo.InvariantCulture));
        }
        else if (line.StartsWith("link-lost ", StringComparison.Ordinal))
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(line.AsSpan(10, line.IndexOf(' ', 10) - 10), CultureInfo.InvariantCulture));
            lock (_linkLosses)
            {
                _linkLosses.Add(at);
            }
        }
        else if (line == "drained")
        {
            _drained = true;
        }
        else if (line.StartsWith("started ", StringComparison.Ordinal))
        {
            _started.TrySetResult(line);
        }
    }
}
