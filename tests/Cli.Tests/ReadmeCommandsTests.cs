using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeSentinel.Cli.Tests;

/// <summary>
/// Every command README.md shows in a <c>```sh</c> block runs as written, in order, in one bash shell started in a
/// scratch folder that sees the checkout's <c>models/</c> and <c>firmware-config/</c>. Substitutions, all visible here:
/// <c>dotnet run --project src/Cli -c Release --</c> and the README's <c>es</c> shorthand run the already built command
/// (the test's own build), the build, install and test commands themselves are skipped (CI runs them), and <c>demo</c>
/// runs headless for a short duration, ports become 0 (free ones), and <c>aggregate</c>, a server, runs for 20 s and must
/// then stop cleanly on SIGINT.
/// </summary>
public sealed partial class ReadmeCommandsTests
{
    private const string Launcher = "dotnet run --project src/Cli -c Release --";

    [GeneratedRegex("^```sh\\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex("--duration\\s+\\d+(\\.\\d+)?")]
    private static partial Regex Duration();

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeSentinel.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("EdgeSentinel.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The README's shell commands, one per entry, with the test's substitutions applied; skipped lines are left out.</summary>
    internal static List<string> Commands(string readme)
    {
        var commands = new List<string>();
        foreach (Match block in ShellBlock().Matches(readme.Replace("\r\n", "\n", StringComparison.Ordinal)))
        {
            var pending = new StringBuilder();
            foreach (var raw in block.Groups[1].Value.Split('\n'))
            {
                var line = raw.TrimEnd();
                if (line.EndsWith('\\'))
                {
                    pending.Append(line[..^1]).Append(' ');
                    continue;
                }

                var command = (pending + line).Trim();
                pending.Clear();
                if (command.Length == 0 || command.StartsWith('#') || command.StartsWith("dotnet test", StringComparison.Ordinal)
                    || command.StartsWith("dotnet build", StringComparison.Ordinal) || command.StartsWith("sudo apt-get", StringComparison.Ordinal)
                    || command.StartsWith("apt-get", StringComparison.Ordinal) || command.StartsWith("es()", StringComparison.Ordinal)
                    || command.StartsWith("alias es=", StringComparison.Ordinal))
                {
                    continue;
                }

                command = command.Replace(Launcher, "es", StringComparison.Ordinal);
                if (Regex.IsMatch(command, "\\bes demo\\b"))
                {
                    command = Duration().Replace(command, string.Empty);
                    command = Regex.Replace(command, "--port\\s+\\d+", string.Empty);
                    command = command.Replace("--headless", string.Empty, StringComparison.Ordinal) + " --headless --duration 25 --sleeper-after 10 --port 0 --data demo-data";
                }

                command = Regex.Replace(command, "--(http-port|mqtt-port|port)\\s+\\d+", "--$1 0");
                if (command.StartsWith("es aggregate", StringComparison.Ordinal))
                {
                    // A server: it must start and then stop cleanly on Ctrl+C (timeout's 124 = it was still running when stopped).
                    command = "rc=0; timeout -s INT 20 dotnet \"$ES_DLL\" " + command["es ".Length..] + " || rc=$?; [ $rc -eq 0 ] || [ $rc -eq 124 ]";
                }

                commands.Add(command);
            }
        }

        return commands;
    }

    [Fact]
    public void Commands_ReadmeHasTheTwoPromisedCommandsAndTheOfflinePath()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));

        // The promise of the README: one command runs the demo, one the tests.
        Assert.Contains(Launcher + " demo", readme, StringComparison.Ordinal);
        Assert.Contains("dotnet test EdgeSentinel.sln -c Release", readme, StringComparison.Ordinal);
        var commands = Commands(readme);
        Assert.Contains(commands, c => c.StartsWith("es demo", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.StartsWith("es baseline", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.StartsWith("es replay", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Commands_EveryReadmeCommandRunsAsWritten()
    {
        var root = RepositoryRoot();
        var commands = Commands(await File.ReadAllTextAsync(Path.Combine(root, "README.md")));
        var scratch = Directory.CreateTempSubdirectory("edgesentinel-readme-").FullName;
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(scratch, "models"), Path.Combine(root, "models"));
            Directory.CreateSymbolicLink(Path.Combine(scratch, "firmware-config"), Path.Combine(root, "firmware-config"));
            var cli = Path.Combine(AppContext.BaseDirectory, "edgesentinel.dll");
            Assert.True(File.Exists(cli), cli);
            // One shell, so that what a command sets up (a function, a variable, a folder) holds for the next one, as for a reader.
            var script = new StringBuilder($"set -eo pipefail\nES_DLL='{cli}'\nes() {{ dotnet \"$ES_DLL\" \"$@\"; }}\n");
            foreach (var command in commands)
            {
                script.Append("echo '+ ").Append(command.Replace("'", "'\\''", StringComparison.Ordinal)).Append("' >&2\n").Append(command).Append('\n');
            }

            var (exit, output) = await RunBashAsync(script.ToString(), scratch);
            Assert.True(exit == 0, $"a README command failed (exit {exit}); the last '+' line names it:\n{output}");
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> RunBashAsync(string script, string workingDirectory)
    {
        var start = new ProcessStartInfo("bash", ["-c", script])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"README command still running after 8 minutes:\n{script}");
        }

        var output = await stdout + "\n" + await stderr;
        return (process.ExitCode, output.Length > 6000 ? output[^6000..] : output);
    }
}
