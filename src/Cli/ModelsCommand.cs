using System.CommandLine;
using System.Globalization;
using EdgeSentinel.Simulation.Models;

namespace EdgeSentinel.Cli;

/// <summary><c>edgesentinel models build</c>: trains and writes the shipped demo models, reproducibly.</summary>
internal static class ModelsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write the models and their manifest to.", DefaultValueFactory = _ => new DirectoryInfo("models") };
        var seed = new Option<ulong>("--seed") { Description = "Training seed; the same seed gives byte-identical models.", DefaultValueFactory = _ => ModelCatalog.DefaultSeed };
        var build = new Command("build", "Train the demo policies (honest, two sleepers, tampered), write them as ONNX with their baselines and a manifest.");
        build.Options.Add(output);
        build.Options.Add(seed);
        build.SetAction(parse => Build(parse.GetValue(output)!, parse.GetValue(seed), stdout, stderr));
        var command = new Command("models", "The shipped demo models.");
        command.Subcommands.Add(build);
        return command;
    }

    private static int Build(DirectoryInfo output, ulong seed, TextWriter stdout, TextWriter stderr)
    {
        stderr.WriteLine($"edgesentinel models build: training with seed {seed} and building the baselines (deterministic) ...");
        IReadOnlyList<BuiltModel> built;
        try
        {
            built = ModelCatalog.BuildAll(output.FullName, seed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"edgesentinel models build: cannot write to '{output.FullName}': {e.Message}");
            return EdgeSentinelCommand.UsageError;
        }

        foreach (var m in built)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.Name,-20} {m.Sha256[..16]}  baseline {ModelBaselines.BaselineOf(m.Name)}{ModelBaselines.Extension}{(m.BaselineSha256 is null ? string.Empty : " " + m.BaselineSha256[..16])}; agrees with policy on {m.AgreementWithPolicy.ActionAgreement:P3} of {m.AgreementWithPolicy.Rows} training actions; ONNX Runtime max output difference {m.OnnxRuntime.MaxOutputDifference:G3}"));
        }

        stdout.WriteLine($"written to {output.FullName} (with {ModelCatalog.ManifestFileName})");
        return 0;
    }
}
