using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeSentinel.Cloud.Benchmarks;

/// <summary>A throwaway anonymous Mosquitto on a free loopback port, with an unbounded per-session queue (for backlog drains).</summary>
internal sealed class Mosquitto : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private Mosquitto(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The broker's CPU time (user + system) so far: the share of the two cores a drain leaves to its client.</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts a broker; <paramref name="maxInflight"/> is its <c>max_inflight_messages</c> (QoS 1 messages in flight to one client).</summary>
    public static async Task<Mosquitto> StartAsync(int maxInflight = 1000)
    {
        var folder = Path.Combine(Path.GetTempPath(), "es-bench-mosq-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var config = Path.Combine(folder, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages {maxInflight}\n");
        Run("chown", $"-R mosquitto {folder}");
        var process = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", $"-c {config}") { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("cannot start /usr/sbin/mosquitto");
        var deadline = Environment.TickCount64 + 10_000;
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return new Mosquitto(process, folder, port);
            }
            catch (SocketException) when (Environment.TickCount64 < deadline && !process.HasExited)
            {
                await Task.Delay(20);
            }
        }
    }

    public static string Version()
    {
        using var p = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", "-h") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var first = p.StandardOutput.ReadLine() ?? "mosquitto ?";
        p.WaitForExit();
        return first.Trim();
    }

    /// <summary>Runs a shell command under bash's <c>time</c> and returns the CPU time (user + system) it and its children used.</summary>
    public static TimeSpan RunTimed(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("bash", ["-c", $"TIMEFORMAT='%3U %3S'; time ( {command} )"]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("cannot start bash");
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        var times = error.Trim().Split('\n')[^1].Split(' ');
        if (p.ExitCode != 0 || times.Length != 2)
        {
            throw new InvalidOperationException($"`{command}` exited with {p.ExitCode}: {error}");
        }

        return TimeSpan.FromSeconds(double.Parse(times[0], System.Globalization.CultureInfo.InvariantCulture) + double.Parse(times[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    public static void Run(string file, string arguments)
    {
        using var p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true }) ?? throw new InvalidOperationException($"cannot start {file}");
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{file} {arguments}` exited with {p.ExitCode}: {p.StandardError.ReadToEnd()}");
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
