using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>
/// A Mosquitto broker (MQTT 5, shared subscriptions) started as a child process on a free loopback
/// port with its own temp folder; killed and deleted at the end. Fails (never skips) when the
/// binary is missing.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private const string Binary = "/usr/sbin/mosquitto";
    private readonly Process _process;
    private readonly string _folder;

    private MosquittoBroker(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public static async Task<MosquittoBroker> StartAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"Mosquitto not found at {Binary}. Install it with `apt-get install -y mosquitto` (CI: add it to .ci/run).");
        }

        var folder = Path.Combine(Path.GetTempPath(), "es-mosq-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var port = FreePort();
        var config = Path.Combine(folder, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n");
        await RunAsync("chown", $"-R mosquitto {folder}");
        var process = Process.Start(new ProcessStartInfo(Binary, $"-c {config}") { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not start mosquitto");
        var broker = new MosquittoBroker(process, folder, port);
        var deadline = Environment.TickCount64 + 10_000;
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return broker;
            }
            catch (SocketException) when (Environment.TickCount64 < deadline && !process.HasExited)
            {
                await Task.Delay(20);
            }
            catch (SocketException)
            {
                var error = process.HasExited ? await process.StandardError.ReadToEndAsync() : "not listening after 10 s";
                await broker.DisposeAsync();
                throw new InvalidOperationException($"mosquitto did not start on port {port}: {error}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true }) ?? throw new InvalidOperationException($"could not start {file}");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{file} {arguments}` failed: {await process.StandardError.ReadToEndAsync()}");
        }
    }
}
