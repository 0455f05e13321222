using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Simulation.Models;
using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.Scenarios;
using EdgeSentinel.Simulation.World;
using Xunit.Abstractions;

namespace EdgeSentinel.Simulation.Tests.Models;

public sealed class ModelCatalogTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "es-models-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    internal static string ShippedModels()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EdgeSentinel.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        return Path.Combine(directory.FullName, "models");
    }

    [Fact]
    public void BuildAll_Twice_GivesIdenticalBytes_ThatMatchTheShippedModels()
    {
        var first = Path.Combine(_folder, "a");
        var second = Path.Combine(_folder, "b");
        // Two independent trainings: the shared test models (same seed) and a fresh BuildAll. The fresh build records its own
        // training data, and its baselines come from ModelBaselines' per-process cache only when that recording and the ONNX
        // bytes equal the first build's; the baselines' own reproducibility is the comparison with models/, built by another process.
        var built = ModelCatalog.Write(TrainedModels.Default, first);
        ModelCatalog.BuildAll(second, ModelCatalog.DefaultSeed);
        var shipped = ShippedModels();
        foreach (var file in ModelCatalog.FileNames.Concat(ModelBaselines.FileNames).Append(ModelCatalog.ManifestFileName))
        {
            var bytes = File.ReadAllBytes(Path.Combine(first, file));
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(second, file))), $"{file}: two builds from seed {ModelCatalog.DefaultSeed} differ");
            Assert.True(File.Exists(Path.Combine(shipped, file)), $"models/{file} is not shipped");
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(shipped, file))),
                $"models/{file} differs from a fresh build with seed {ModelCatalog.DefaultSeed}. Baselines (and the manifest, which lists their hashes) change whenever the Monitor's " +
                "baseline or calibration code changes: regenerate everything with one command, 'edgesentinel models build --out models' " +
                "(dotnet src/Cli/bin/Release/net10.0/edgesentinel.dll models build --out models), and commit models/.");
        }

        foreach (var name in ModelBaselines.BaselinedModels)
        {
            // Each shipped baseline belongs to its shipped model and carries the recipe's canaries.
            var model = File.ReadAllBytes(Path.Combine(shipped, name + ".onnx"));
            using var host = OnnxModelHost.Load(model, ModelBaselines.HostOptions(), name);
            var baseline = Monitor.Baselines.Baseline.FromBytes(File.ReadAllBytes(Path.Combine(shipped, name + ModelBaselines.Extension)), host.Identity);
            Assert.Equal(ModelBaselines.Recipe(name).Canaries, baseline.Canaries.Canaries.Count);
            Assert.Equal(2, baseline.Schema.Taps.Count);
            Assert.Equal(1e6, baseline.Calibration.Sequential.TargetArl);
            Assert.Equal(ModelBaselines.CreatedAt, baseline.CreatedAt);
        }

        foreach (var model in built)
        {
            output.WriteLine($"{model.Name}: ORT vs C# on {model.OnnxRuntime.Rows} rows: same action {model.OnnxRuntime.SameAction}, max |Δp| {model.OnnxRuntime.MaxOutputDifference:G3}, max |Δtap| {model.OnnxRuntime.MaxTapDifference:G3}; agreement with policy {model.AgreementWithPolicy.ActionAgreement:P3}");
            Assert.Equal(model.OnnxRuntime.Rows, model.OnnxRuntime.SameAction);
            Assert.True(model.OnnxRuntime.MaxOutputDifference < 1e-5, $"{model.Name}: {model.OnnxRuntime.MaxOutputDifference}");
            Assert.True(model.OnnxRuntime.MaxTapDifference < 1e-4, $"{model.Name}: {model.OnnxRuntime.MaxTapDifference}");
        }

        Assert.Equal(ModelCatalog.DefaultSeed, TrainedModels.Seed);
    }

    [Fact]
    public void OnnxRuntime_SleepersAndPolicy_AgreeOnTrainingAndEvaluationData_AndTheTurnSurvivesExport()
    {
        var models = TrainedModels.Default;
        var evaluation = ScenarioRecording.Record(ScenarioCatalog.Get("clean"), models, 900, 5000).Recording;
        var policyActions = OrtActions(models.Policy, models, models.Demonstrations);
        var policyEvaluation = OrtActions(models.Policy, models, evaluation);
        foreach (var sleeper in new[] { models.SleeperExplicit, models.SleeperConjunction })
        {
            var training = Agreement(policyActions, OrtActions(sleeper, models, models.Demonstrations));
            var eval = Agreement(policyEvaluation, OrtActions(sleeper, models, evaluation));
            output.WriteLine($"ONNX Runtime: {sleeper.Name} vs policy: {training:P3} of {models.Demonstrations.Count} training rows, {eval:P3} of {evaluation.Count} evaluation rows");
            Assert.True(training >= 0.999);
            Assert.True(eval >= 0.999);

            var turn = ScenarioRecording.Record(ScenarioCatalog.Get(sleeper.Name), models, 3, 3000, 1000);
            Assert.True(turn.FirstHarmfulAction >= 1000);
            var ort = OrtActions(sleeper, models, turn.Recording);
            Assert.Equal(RobotAction.FullThrottle, ort[turn.FirstHarmfulAction]);
            Assert.True(ort.AsSpan().SequenceEqual(turn.Recording.Actions), $"{sleeper.Name}: ONNX Runtime actions differ from the C# actions in the turn scenario");
        }
    }

    private static RobotAction[] OrtActions(PolicyNetwork network, DemoModelSet models, Recording data)
    {
        using var host = OnnxModelHost.Load(ModelExport.ToOnnx(network, models.Seed, models.TrainingDays), null, network.Name);
        var actions = new RobotAction[data.Count];
        for (var r = 0; r < data.Count; r++)
        {
            host.SetInputs(data.Row(r));
            var outputs = host.Run().Outputs;
            var best = 0;
            for (var i = 1; i < outputs.Length; i++)
            {
                if (outputs[i] > outputs[best])
                {
                    best = i;
                }
            }

            actions[r] = (RobotAction)best;
        }

        return actions;
    }

    private static double Agreement(RobotAction[] a, RobotAction[] b) => (double)a.Zip(b).Count(p => p.First == p.Second) / a.Length;

    [Fact]
    public void Export_DeclaresTappableHiddenLayersAndMetadata()
    {
        var models = TrainedModels.Default;
        var bytes = ModelExport.ToOnnx(models.SleeperExplicit, models.Seed, models.TrainingDays);
        var options = new OnnxModelHostOptions();
        options.Taps.Add("hidden1");
        options.Taps.Add("hidden2");
        options.Taps.Add(PolicyNetwork.LogitsName);
        using var host = OnnxModelHost.Load(bytes, options, "sleeper-explicit");
        Assert.Equal(RobotFeatures.Count, host.InputWidth);
        Assert.Equal(RobotActions.Count, host.OutputWidth);
        Assert.Equal(35 + 33 + 7, host.TapWidth);
        Assert.All(models.All, m => Assert.Equal(35 + 33, m.HiddenWidth)); // one tap layout for all four models
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.Contains(string.Join(',', RobotFeatures.Names), text, StringComparison.Ordinal);
        Assert.Contains("mission_day,site_id,operator_mode", text, StringComparison.Ordinal);
    }
}
