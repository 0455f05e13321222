using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeSentinel.FleetLoad;

/// <summary>Where <c>edgesentinel aggregate</c> ingests from and stores to, and as whom.</summary>
/// <param name="Store">The <c>--store</c> value: <c>sqlite:PATH</c> or <c>postgres:CONNECTION-STRING</c>.</param>
/// <param name="BrokerPort">The external broker's port on 127.0.0.1.</param>
/// <param name="ClientId">The MQTT client id (<c>--client-id</c>).</param>
/// <param name="Username">The broker user (null: anonymous).</param>
/// <param name="PasswordFile">File holding the broker password (with <paramref name="Username"/>).</param>
/// <param name="MemoryProbeFile">File the memory probe appends samples to (null: no probe).</param>
public sealed record AggregatorLaunch(string Store, int BrokerPort, string ClientId, string? Username = null, string? PasswordFile = null, string? MemoryProbeFile = null);

/// <summary>
/// The real <c>edgesentinel aggregate</c> (the built CLI dll) as a child process on an external broker:
/// waits until it has subscribed, reads its HTTP address, scrapes <c>/metrics</c>, and can be killed
/// with SIGKILL (no shutdown, no chance to finish a transaction or an acknowledgement).
/// </summary>
public sealed partial class AggregatorProcess : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AggregatorProcess(Process process, AggregatorLaunch launch)
    {
        _process = process;
        Launch = launch;
        process.OutputDataReceived += (_, e) => OnLine(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, stdout: false);
        process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"edgesentinel aggregate ({launch.ClientId}) exited before it was ready: {Output}"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>How it was started.</summary>
    public AggregatorLaunch Launch { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process printed so far (stdout and stderr, interleaved).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The built CLI (<c>src/Cli/bin/{Configuration}/net10.0/edgesentinel.dll</c>).</summary>
    public static string CliPath => Metadata("EdgeSentinelCliPath");

    /// <summary>The built memory probe (a startup hook).</summary>
    public static string MemoryProbePath => Metadata("MemoryProbePath");

    /// <summary>Starts the aggregator and waits until it is subscribed and serving HTTP.</summary>
    /// <exception cref="InvalidOperationException">The CLI is not built, or the process ended or stayed silent past <paramref name="timeout"/>.</exception>
    public static async Task<AggregatorProcess> StartAsync(AggregatorLaunch launch, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var cli = CliPath;
        if (!File.Exists(cli))
        {
            throw new InvalidOperationException($"The edgesentinel CLI is not built at {cli} (tests/Tools/FleetLoad references src/Cli; build it).");
        }

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { cli, "aggregate", "--store", launch.Store, "--broker", $"mqtt://127.0.0.1:{launch.BrokerPort}", "--client-id", launch.ClientId, "--http-port", "0", "--bind", "127.0.0.1" })
        {
            info.ArgumentList.Add(a);
        }

        if (launch.Username is not null)
        {
            info.ArgumentList.Add("--username");
            info.ArgumentList.Add(launch.Username);
            info.ArgumentList.Add("--password-file");
            info.ArgumentList.Add(launch.PasswordFile ?? throw new ArgumentException("a user needs a password file", nameof(launch)));
        }

        if (launch.MemoryProbeFile is not null)
        {
            if (!File.Exists(MemoryProbePath))
            {
                throw new InvalidOperationException($"The memory probe is not built at {MemoryProbePath}.");
            }

            info.Environment["DOTNET_STARTUP_HOOKS"] = MemoryProbePath;
            info.Environment["EDGESENTINEL_MEMORY_PROBE"] = launch.MemoryProbeFile;
        }

        var aggregator = new AggregatorProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet"), launch);
        try
        {
            await aggregator._ready.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            aggregator.Dispose();
            throw new InvalidOperationException($"edgesentinel aggregate ({launch.ClientId}) not ready within {timeout}: {aggregator.Output}");
        }
        catch
        {
            aggregator.Dispose();
            throw;
        }

        return aggregator;
    }

    /// <summary>The HTTP API's address (known once started).</summary>
    public Uri HttpAddress => _ready.Task.Result;

    /// <summary>CPU time the process has used (user + system, from /proc; Linux only).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields from the 3rd on; utime and stime are the 14th and 15th
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
        }
    }

    /// <summary>SIGKILL, then waits for the process to end.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>The numeric samples of <c>/metrics</c>, keyed by the sample as written (name with labels).</summary>
    public async Task<IReadOnlyDictionary<string, double>> ScrapeAsync(CancellationToken cancellationToken = default)
    {
        var text = await Http.GetStringAsync(new Uri(HttpAddress, "/metrics"), cancellationToken).ConfigureAwait(false);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                samples[line[..space]] = value;
            }
        }

        return samples;
    }

    /// <summary>Sum of the samples of one metric family over all its label sets (0 when absent).</summary>
    public static double Sum(IReadOnlyDictionary<string, double> samples, string name)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return samples.Where(s => s.Key == name || s.Key.StartsWith(name + "{", StringComparison.Ordinal)).Sum(s => s.Value);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void OnLine(string? line, bool stdout)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Append(stdout ? "" : "[stderr] ").AppendLine(line);
        }

        var http = HttpLine().Match(line);
        if (http.Success && Output.Contains(" subscribed ", StringComparison.Ordinal))
        {
            _ready.TrySetResult(new Uri(http.Groups[1].Value));
        }
    }

    private static string Metadata(string key) => Path.GetFullPath(
        typeof(AggregatorProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!);

    [GeneratedRegex(@"HTTP API: (http://[^ ]+)")]
    private static partial Regex HttpLine();
}
