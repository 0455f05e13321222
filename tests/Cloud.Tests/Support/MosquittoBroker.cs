using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>Authentication for a <see cref="MosquittoBroker"/>: password-file lines ("user:$7$...") and ACL-file lines.</summary>
public sealed record MosquittoSecurity(IReadOnlyList<string> PasswordLines, IReadOnlyList<string> AclLines);

/// <summary>
/// TLS for a <see cref="MosquittoBroker"/>: its only listener speaks TLS with <paramref name="Server"/>'s certificate.
/// With <paramref name="RequireClientCertificate"/> every client must present a certificate issued by
/// <paramref name="CaFile"/>'s CA, and its common name becomes the MQTT user name that the ACL patterns use
/// (<c>require_certificate true</c>, <c>use_identity_as_username true</c>).
/// </summary>
public sealed record MosquittoTls(string CaFile, PemPair Server, bool RequireClientCertificate = true);

/// <summary>
/// A Mosquitto broker (MQTT 5, shared subscriptions) started as a child process on a free loopback
/// port with its own temp folder; killed and deleted at the end. Optionally with a password file and
/// an ACL file (anonymous clients refused), and with persistence so that a graceful stop and restart
/// on the same port keeps sessions and queued messages. Fails (never skips) when the binary is missing.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private const string Binary = "/usr/sbin/mosquitto";
    private readonly string _folder;
    private readonly string _config;
    private Process? _process;

    private MosquittoBroker(string folder, string config, int port)
    {
        _folder = folder;
        _config = config;
        Port = port;
    }

    public int Port { get; }

    /// <summary>How many times the broker process was started.</summary>
    public int Starts { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<MosquittoBroker> StartAsync(MosquittoSecurity? security = null, bool persistence = false, MosquittoTls? tls = null)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"Mosquitto not found at {Binary}. Install it with `apt-get install -y mosquitto` (CI: add it to .ci/run).");
        }

        var folder = Path.Combine(Path.GetTempPath(), "es-mosq-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var port = FreePort();
        var config = Path.Combine(folder, "mosquitto.conf");
        var lines = new List<string>
        {
            $"listener {port} 127.0.0.1",
            "max_queued_messages 100000",
            "max_inflight_messages 1000", // as documented for production: lets the aggregator's group commit take more than 20 messages per transaction
            persistence ? "persistence true" : "persistence false",
        };
        if (persistence)
        {
            lines.Add($"persistence_location {folder}/");
            lines.Add("autosave_interval 0"); // saved on a graceful stop
        }

        if (tls is not null)
        {
            // Copies, so that the broker (which drops to user mosquitto) owns and can read them.
            lines.Add($"cafile {Copy(tls.CaFile, folder, "ca.crt")}");
            lines.Add($"certfile {Copy(tls.Server.CertificateFile, folder, "server.crt")}");
            lines.Add($"keyfile {Copy(tls.Server.KeyFile, folder, "server.key")}");
            lines.Add($"require_certificate {(tls.RequireClientCertificate ? "true" : "false")}");
            lines.Add($"use_identity_as_username {(tls.RequireClientCertificate ? "true" : "false")}");
        }

        if (security is null)
        {
            lines.Add("allow_anonymous true");
        }
        else
        {
            var passwords = Path.Combine(folder, "passwords");
            var acl = Path.Combine(folder, "acl");
            await File.WriteAllLinesAsync(passwords, security.PasswordLines);
            await File.WriteAllLinesAsync(acl, security.AclLines);
            await RunAsync("chmod", $"0700 {passwords} {acl}");
            lines.Add("allow_anonymous false");
            if (security.PasswordLines.Count > 0)
            {
                lines.Add($"password_file {passwords}");
            }

            lines.Add($"acl_file {acl}");
        }

        await File.WriteAllLinesAsync(config, lines);
        await RunAsync("chown", $"-R mosquitto {folder}");
        var broker = new MosquittoBroker(folder, config, port);
        try
        {
            await broker.RestartAsync();
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        return broker;
    }

    /// <summary>Starts the (stopped) broker again with the same configuration on the same port.</summary>
    public async Task RestartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("mosquitto is running");
        }

        _process?.Dispose();
        var process = Process.Start(new ProcessStartInfo(Binary, $"-c {_config}") { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not start mosquitto");
        _process = process;
        Starts++;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        var deadline = Environment.TickCount64 + 10_000;
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (Environment.TickCount64 < deadline && !process.HasExited)
            {
                await Task.Delay(20);
            }
            catch (SocketException)
            {
                var error = process.HasExited ? await stderr : "not listening after 10 s";
                throw new InvalidOperationException($"mosquitto did not start on port {Port}: {error}");
            }
        }
    }

    /// <summary>Stops the broker gracefully (SIGTERM: persistence is written) and waits for the process to end.</summary>
    public async Task StopAsync()
    {
        if (!IsRunning)
        {
            return;
        }

        await RunAsync("kill", $"-TERM {_process!.Id}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Crashes the broker (SIGKILL: nothing is saved, whatever it held only in memory is gone) and waits for the process to end.</summary>
    public async Task KillAsync()
    {
        if (!IsRunning)
        {
            return;
        }

        _process!.Kill();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private static string Copy(string file, string folder, string name)
    {
        var target = Path.Combine(folder, name);
        File.Copy(file, target);
        return target;
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
