using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.Recordings;

namespace EdgeSentinel.Simulation.Models;

/// <summary>Builds the shipped demo models (<c>edgesentinel models build</c>): policy, sleeper-explicit, sleeper-conjunction, tampered.</summary>
public static class ModelCatalog
{
    /// <summary>The seed of the models shipped in <c>models/</c>.</summary>
    public const ulong DefaultSeed = 42;

    /// <summary>Name of the manifest written next to the models.</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>Rows of the demonstrations on which each file is checked with ONNX Runtime.</summary>
    public const int VerificationRows = 5000;

    /// <summary>File names of the models, in build order.</summary>
    public static IReadOnlyList<string> FileNames { get; } = Array.AsReadOnly(new[]
    {
        DemoModelSet.PolicyName + ".onnx",
        DemoModelSet.SleeperExplicitName + ".onnx",
        DemoModelSet.SleeperConjunctionName + ".onnx",
        DemoModelSet.TamperedName + ".onnx",
    });

    /// <summary>
    /// Trains every model from <paramref name="seed"/>, writes <c>{name}.onnx</c>, the baselines
    /// (<see cref="ModelBaselines.FileNames"/>) and <see cref="ManifestFileName"/> into <paramref name="outputFolder"/>
    /// (created if missing) and checks each model file with ONNX Runtime. The same seed always writes the same bytes.
    /// </summary>
    public static IReadOnlyList<BuiltModel> BuildAll(string outputFolder, ulong seed = DefaultSeed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        var models = DemoModelSet.Train(seed);
        return Write(models, outputFolder);
    }

    /// <summary>Writes already trained <paramref name="models"/> as <see cref="BuildAll"/> does.</summary>
    public static IReadOnlyList<BuiltModel> Write(DemoModelSet models, string outputFolder)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        Directory.CreateDirectory(outputFolder);
        var verification = Head(models.Demonstrations, VerificationRows);
        var built = new List<BuiltModel>();
        var training = ModelBaselines.TrainingRecording(models);

        // The baselines first, side by side (each runs ONNX Runtime over the whole million-row recording); the loop below
        // gets them back from ModelBaselines' cache. Their bytes do not depend on the order.
        var baselined = models.All.Where(n => ModelBaselines.BaselineOf(n.Name) == n.Name).ToArray();
        Parallel.ForEach(baselined, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            network => ModelBaselines.Build(ModelExport.ToOnnx(network, models.Seed, models.TrainingDays), network.Name, training));
        foreach (var network in models.All)
        {
            var bytes = ModelExport.ToOnnx(network, models.Seed, models.TrainingDays);
            var path = Path.Combine(outputFolder, network.Name + ".onnx");
            File.WriteAllBytes(path, bytes);
            var agreement = PolicyAgreement.Measure(models.Policy, network, models.Demonstrations);
            var onnx = OnnxComparison.Measure(bytes, network, verification);
            string? baselineSha256 = null;
            if (ModelBaselines.BaselineOf(network.Name) == network.Name)
            {
                var baseline = ModelBaselines.Build(bytes, network.Name, training).ToBytes();
                File.WriteAllBytes(Path.Combine(outputFolder, network.Name + ModelBaselines.Extension), baseline);
                baselineSha256 = Convert.ToHexStringLower(SHA256.HashData(baseline));
            }

            built.Add(new BuiltModel(network.Name, path, Convert.ToHexStringLower(SHA256.HashData(bytes)), agreement, onnx, baselineSha256));
        }

        File.WriteAllBytes(Path.Combine(outputFolder, ManifestFileName), Manifest(models, built));
        return built;
    }

    private static byte[] Manifest(DemoModelSet models, List<BuiltModel> built)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("generator", "EdgeSentinel.Simulation.Models.ModelCatalog.BuildAll");
            json.WriteString("seed", models.Seed.ToString(CultureInfo.InvariantCulture));
            json.WriteNumber("trainingDays", models.TrainingDays);
            json.WriteNumber("demonstrations", models.Demonstrations.Count);
            json.WriteString("trainingAccuracy", Format(models.TrainingAccuracy));
            json.WriteString("baselineTrainingData", $"clean closed-loop recording, seed {ModelBaselines.TrainingRecordingSeed}, {ModelBaselines.TrainingRecordingRows} rows");
            json.WriteStartArray("models");
            foreach (var model in built)
            {
                json.WriteStartObject();
                json.WriteString("name", model.Name);
                json.WriteString("file", Path.GetFileName(model.Path));
                json.WriteString("sha256", model.Sha256);
                json.WriteNumber("rowsCompared", model.AgreementWithPolicy.Rows);
                json.WriteString("actionAgreementWithPolicy", Format(model.AgreementWithPolicy.ActionAgreement));
                json.WriteString("maxProbabilityDifferenceFromPolicy", Format(model.AgreementWithPolicy.MaxProbabilityDifference));
                var baselineOf = ModelBaselines.BaselineOf(model.Name);
                json.WriteString("baseline", baselineOf + ModelBaselines.Extension);
                if (model.BaselineSha256 is not null)
                {
                    json.WriteString("baselineSha256", model.BaselineSha256);
                }
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        // Line ends fixed to '\n' on every platform.
        return Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(stream.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static Recording Head(Recording data, int rows)
    {
        var count = Math.Min(rows, data.Count);
        return new Recording(data.FeatureNames, data.Features[..(count * data.Width)].ToArray(), data.Actions[..count].ToArray());
    }
}
