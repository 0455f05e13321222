using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Cli.Tests;

/// <summary>
/// The offline path a user takes with their own model: inspect-model → baseline → replay, on a
/// small MLP built in code and Gaussian data written as CSV.
/// </summary>
public sealed class OfflineVerbsTests : IClassFixture<OfflineVerbsTests.Workspace>
{
    private readonly Workspace _w;

    public OfflineVerbsTests(Workspace workspace) => _w = workspace;

    /// <summary>A model, training data and a baseline, made once for the class.</summary>
    public sealed class Workspace : IDisposable
    {
        public Workspace()
        {
            Folder = Directory.CreateTempSubdirectory("edgesentinel-offline-").FullName;
            Model = Path.Combine(Folder, "mlp.onnx");
            var hidden = new float[4, 8];
            var output = new float[8, 2];
            var random = new Random(11);
            for (var i = 0; i < 4; i++)
            {
                for (var j = 0; j < 8; j++)
                {
                    hidden[i, j] = (float)(random.NextDouble() - 0.5);
                }
            }

            for (var j = 0; j < 8; j++)
            {
                output[j, 0] = (float)(random.NextDouble() - 0.5);
                output[j, 1] = (float)(random.NextDouble() - 0.5);
            }

            OnnxModelBuilder.CreateMlp("x", [
                new DenseLayer(hidden, new float[8], OnnxActivation.Tanh, "hidden"),
                new DenseLayer(output, new float[2], OnnxActivation.None, "head"),
            ]).Save(Model);

            Training = Path.Combine(Folder, "train.csv");
            WriteCsv(Training, 6000, seed: 1, shiftFrom: int.MaxValue);
            Baseline = Path.Combine(Folder, "mlp.baseline");

            // Operating point for "nothing on 10^5 clean rows": each detector family's false-alarm
            // budget is well below 1e-5 per row — sequential ARL 1e7 (0.01 expected alarms in 1e5 rows),
            // window tests 1e-5 per window (390 windows: 0.004), activation anomalies 1e-7 per row (0.01).
            var (exit, _, error) = Run("baseline", "--model", Model, "--data", Training, "--out", Baseline, "--taps", "auto:1",
                "--arl", "1e7", "--window-alpha", "1e-5", "--anomaly-rate", "1e-7",
                "--block", "1" /* the rows are independent by construction */).GetAwaiter().GetResult();
            if (exit != 0)
            {
                throw new InvalidOperationException("baseline failed: " + error);
            }
        }

        public string Folder { get; }

        public string Model { get; }

        public string Training { get; }

        public string Baseline { get; }

        public void Dispose() => Directory.Delete(Folder, recursive: true);

        /// <summary>Gaussian rows a,b,c,d; from row <paramref name="shiftFrom"/> on, b is shifted by +1σ.</summary>
        public static void WriteCsv(string path, int rows, int seed, int shiftFrom, Action<StringBuilder, int>? damage = null)
        {
            var random = new Random(seed);
            var text = new StringBuilder("a,b,c,d\n");
            for (var r = 0; r < rows; r++)
            {
                if (damage is not null && text.Length > 0)
                {
                    var before = text.Length;
                    damage(text, r);
                    if (text.Length != before)
                    {
                        continue;
                    }
                }

                for (var i = 0; i < 4; i++)
                {
                    var v = Gaussian(random) + (i == 1 && r >= shiftFrom ? 1.0 : 0.0);
                    text.Append(v.ToString("R", CultureInfo.InvariantCulture)).Append(i < 3 ? ',' : '\n');
                }
            }

            File.WriteAllText(path, text.ToString());
        }

        private static double Gaussian(Random random) =>
            Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    }

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await EdgeSentinelCommand.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private List<JsonElement> ReadAlerts(string path) =>
        [.. File.ReadAllLines(path).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    [Fact]
    public async Task InspectModel_ListsInputsOutputsAndTappableTensors()
    {
        var (exit, output, _) = await Run("inspect-model", _w.Model);

        Assert.Equal(0, exit);
        Assert.Contains("x: float32", output, StringComparison.Ordinal);
        Assert.Contains("tappable tensors", output, StringComparison.Ordinal);
        Assert.Contains("Tanh", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectModel_NotAModel_ClearError()
    {
        var path = Path.Combine(_w.Folder, "garbage.onnx");
        await File.WriteAllBytesAsync(path, "this is not protobuf"u8.ToArray());

        var (exit, _, error) = await Run("inspect-model", path);

        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        Assert.Contains("garbage.onnx", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_CleanHundredThousandRows_RaisesNothing()
    {
        var data = Path.Combine(_w.Folder, "clean.csv");
        Workspace.WriteCsv(data, 100_000, seed: 2, shiftFrom: int.MaxValue);
        var alerts = Path.Combine(_w.Folder, "clean.jsonl");

        var (exit, output, error) = await Run("replay", "--model", _w.Model, "--baseline", _w.Baseline, "--data", data, "--alerts", alerts);

        Assert.True(exit == 0, error);
        Assert.Contains("replayed 100000 rows", output, StringComparison.Ordinal);
        Assert.Empty(ReadAlerts(alerts));
    }

    [Fact]
    public async Task Replay_OneReadingFarBeyondTheTrainingSupport_InputDriftAtThatRowNamedAsASupportLimit()
    {
        // Row 3000's input c reads 1000 (training: standard normal): beyond its support limit, an input-drift alert at once.
        var data = Path.Combine(_w.Folder, "beyond.csv");
        Workspace.WriteCsv(data, 4000, seed: 4, shiftFrom: int.MaxValue, (text, r) =>
        {
            if (r == 3000)
            {
                text.Append("0,0,1000,0\n");
            }
        });
        var alerts = Path.Combine(_w.Folder, "beyond.jsonl");

        var (exit, output, error) = await Run("replay", "--model", _w.Model, "--baseline", _w.Baseline, "--data", data, "--alerts", alerts);

        Assert.True(exit == 0, error);
        Assert.Matches(@"sequential alarms: \d+, 1 of them support limits \([^)]*input\.c beyond its support 1[,)]", output);
        var raised = ReadAlerts(alerts).Where(a => a.GetProperty("state").GetString() == "raised").ToList();
        Assert.All(raised, a => Assert.Equal(3000, a.GetProperty("sampleIndex").GetInt64())); // the model's insides see it too
        var drift = Assert.Single(raised, a => a.GetProperty("kind").GetString() == "input-drift");
        Assert.Contains(drift.GetProperty("channels").EnumerateArray(), c => c.GetString() == "input.c");
    }

    [Fact]
    public async Task Replay_OneSigmaShiftOnOneInput_InputDriftWithin300Rows()
    {
        var data = Path.Combine(_w.Folder, "shift.csv");
        Workspace.WriteCsv(data, 4000, seed: 3, shiftFrom: 2000);
        var alerts = Path.Combine(_w.Folder, "shift.jsonl");

        var (exit, output, error) = await Run("replay", "--model", _w.Model, "--baseline", _w.Baseline, "--data", data, "--alerts", alerts);

        Assert.True(exit == 0, error);
        Assert.Matches(@"sequential alarms: \d+, \d+ of them support limits \([^)]*input\.b \d+[,)]", output); // the summary names the alarming streams
        var raised = ReadAlerts(alerts).Where(a => a.GetProperty("state").GetString() == "raised").ToList();
        Assert.NotEmpty(raised);
        var first = raised[0];
        Assert.Equal("input-drift", first.GetProperty("kind").GetString());
        Assert.InRange(first.GetProperty("sampleIndex").GetInt64(), 2000, 2300);
        Assert.Contains(first.GetProperty("channels").EnumerateArray(), c => c.GetString() == "input.b");
        Assert.DoesNotContain(raised, a => a.GetProperty("kind").GetString() == "behavior-divergence");
    }

    [Fact]
    public async Task Replay_BadRows_CountedWithRowNumbersNeverACrash()
    {
        var data = Path.Combine(_w.Folder, "bad.csv");
        Workspace.WriteCsv(data, 600, seed: 4, shiftFrom: int.MaxValue, damage: (text, row) =>
        {
            if (row == 100)
            {
                text.Append("1.0,2.0,3.0\n"); // one value short
            }
            else if (row == 200)
            {
                text.Append("NaN,0,0,Infinity\n");
            }
            else if (row == 300)
            {
                text.Append("1.0,banana,3.0,4.0\n");
            }
        });
        var alerts = Path.Combine(_w.Folder, "bad.jsonl");

        var (exit, output, error) = await Run("replay", "--model", _w.Model, "--baseline", _w.Baseline, "--data", data, "--alerts", alerts);

        Assert.True(exit == 0, error);
        Assert.Contains("rows skipped: 2; rows with NaN/Inf values: 1", output, StringComparison.Ordinal);
        Assert.Contains("line 102 (row 101):", output, StringComparison.Ordinal);
        Assert.Contains("line 202 (row 201):", output, StringComparison.Ordinal);
        Assert.Contains("line 302 (row 301):", output, StringComparison.Ordinal);
        Assert.Contains("[skipped]", output, StringComparison.Ordinal);
        Assert.Contains("[passed on]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_BaselineOfAnotherModel_RefusedAsModelIdentity()
    {
        var other = Path.Combine(_w.Folder, "other.onnx");
        OnnxModelBuilder.CreateMlp("x", [new DenseLayer(new float[4, 2], new float[2], OnnxActivation.None, "only")]).Save(other);
        var alerts = Path.Combine(_w.Folder, "other.jsonl");

        var (exit, _, error) = await Run("replay", "--model", other, "--baseline", _w.Baseline, "--data", _w.Training, "--alerts", alerts);

        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        Assert.Contains("model-identity", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Baseline_DataWidthDiffersFromModel_ErrorNamesBothWidths()
    {
        var data = Path.Combine(_w.Folder, "wide.csv");
        await File.WriteAllTextAsync(data, "a,b,c,d,e\n1,2,3,4,5\n");

        var (exit, _, error) = await Run("baseline", "--model", _w.Model, "--data", data, "--out", Path.Combine(_w.Folder, "x.baseline"));

        Assert.Equal(EdgeSentinelCommand.UsageError, exit);
        Assert.Contains("5", error, StringComparison.Ordinal);
        Assert.Contains("4", error, StringComparison.Ordinal);
    }
}
