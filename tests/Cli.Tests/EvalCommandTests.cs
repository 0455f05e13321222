using System.Text.Json;

namespace EdgeSentinel.Cli.Tests;

/// <summary><c>edgesentinel eval</c>: option errors, and a tiny run that writes both report files.</summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("edgesentinel-eval-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await EdgeSentinelCommand.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Eval_BadOptions_ListsEveryProblem_AndExitsWithUsageError()
    {
        var report = Path.Combine(_folder, "bad.md");
        var (exit, _, error) = await Run("eval", "--scenarios", "bias-1sd-1ch,no-such", "--arl", "1e6,lots", "--seeds", "0", "--parallel", "0", "--out", report);
        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        Assert.Contains("unknown scenario 'no-such'", error, StringComparison.Ordinal);
        Assert.Contains("--arl: 'lots' is not a number", error, StringComparison.Ordinal);
        Assert.Contains("Seeds 0", error, StringComparison.Ordinal);
        Assert.Contains("DegreeOfParallelism 0", error, StringComparison.Ordinal);
        Assert.False(File.Exists(report));
    }

    [Fact]
    public async Task Eval_TinyRun_WritesMarkdownAndJson_AndPrintsTheAcceptanceTargets()
    {
        var report = Path.Combine(_folder, "out", "detection.md");
        var (exit, stdout, stderr) = await Run("eval", "--scenarios", "clean,bias-1sd-1ch", "--seeds", "1", "--length", "600",
            "--clean-rows", "600", "--clean-stream-length", "600", "--parallel", "1", "--out", report);
        Assert.True(exit == 0, stderr);
        Assert.Contains("running streams: 3 streams, 1,800 inferences", stderr, StringComparison.Ordinal);
        Assert.Contains("evaluated 3 streams, 1,800 inferences", stdout, StringComparison.Ordinal);
        Assert.Contains("1 sd single-channel bias", stdout, StringComparison.Ordinal);

        var markdown = await File.ReadAllTextAsync(report);
        Assert.Contains("Reproduce: `edgesentinel eval --scenarios clean,bias-1sd-1ch --seeds 1", markdown, StringComparison.Ordinal);
        Assert.Contains("| bias-1sd-1ch | 1E+6 | sequential |", markdown, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(report, ".json")));
        Assert.Equal(3, json.RootElement.GetProperty("streams").GetArrayLength());
        Assert.Equal("device-loop", json.RootElement.GetProperty("streams")[0].GetProperty("path").GetString());
    }
}
