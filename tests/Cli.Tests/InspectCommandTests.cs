using System.Text.Json;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;

namespace EdgeSentinel.Cli.Tests;

public sealed class InspectCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("edgesentinel-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await EdgeSentinelCommand.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private string WriteBaseline()
    {
        var schema = FingerprintSchema.CreateBuilder().AddInputs(["speed", "range"]).AddOutputs(["throttle"], OutputKind.Regression).Build();
        var identity = ModelIdentity.FromModelBytes("tiny"u8, [new TensorSignature("x", "float32", [1, 2])], [new TensorSignature("y", "float32", [1, 1])]);
        var builder = new BaselineBuilder(schema, identity, new BaselineOptions { TargetAverageRunLength = 1e3, Description = "cli test" });
        var random = new Random(5);
        for (var i = 0; i < 1500; i++)
        {
            float[] x = [(float)random.NextDouble(), (float)random.NextDouble()];
            float[] y = [x[0] - x[1]];
            if (i < 500)
            {
                builder.AddTraining(x, y, []);
            }
            else
            {
                builder.AddHeldOut(x, y, []);
            }
        }

        var path = Path.Combine(_folder, "tiny.baseline");
        File.WriteAllBytes(path, builder.Build().ToBytes());
        return path;
    }

    [Fact]
    public async Task Inspect_ValidBaseline_PrintsItsJsonView()
    {
        var path = WriteBaseline();

        var (exit, output, error) = await Run("inspect", path);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("cli test", json.RootElement.GetProperty("description").GetString());
        Assert.Equal(["input.speed", "input.range", "output.throttle"],
            json.RootElement.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Inspect_CorruptedFile_ExitsWithSpecificError()
    {
        var path = WriteBaseline();
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var (exit, output, error) = await Run("inspect", path);

        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains("checksum mismatch", error, StringComparison.Ordinal);
        Assert.Contains(path, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_MissingFile_ExitsWithError()
    {
        var (exit, _, error) = await Run("inspect", Path.Combine(_folder, "absent.baseline"));

        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        Assert.Contains("cannot read", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsTheVerbs()
    {
        var (exit, output, _) = await Run("--help");

        Assert.Equal(0, exit);
        Assert.Contains("inspect", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownVerb_IsAUsageError()
    {
        var (exit, _, error) = await Run("frobnicate");

        Assert.NotEqual(0, exit);
        Assert.Contains("frobnicate", error, StringComparison.Ordinal);
    }
}
