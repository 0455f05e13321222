using System.CommandLine;
using EdgeSentinel.Simulation.Models;
using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.Scenarios;

namespace EdgeSentinel.Cli;

/// <summary><c>edgesentinel record</c>: runs a simulated robot through a named scenario and writes the model inputs as CSV.</summary>
internal static class RecordCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var scenario = new Option<string>("--scenario") { Description = "Scenario name (see --list).", DefaultValueFactory = _ => "clean" };
        var output = new Option<FileInfo?>("--out") { Description = "CSV file to write: one row per inference, header = feature names." };
        var seed = new Option<ulong>("--seed") { Description = "World seed.", DefaultValueFactory = _ => 1UL };
        var modelSeed = new Option<ulong>("--model-seed") { Description = "Seed the demo models were trained with.", DefaultValueFactory = _ => ModelCatalog.DefaultSeed };
        var length = new Option<int?>("--length") { Description = "Rows to record (default: the scenario's)." };
        var changePoint = new Option<int?>("--change-point") { Description = "Row at which the change starts (default: the scenario's)." };
        var list = new Option<bool>("--list") { Description = "List the scenarios and exit." };
        var command = new Command("record", "Record a simulated robot's model inputs through a scenario (clean, sensor faults, shifts, sleeper turns).");
        foreach (var o in new Option[] { scenario, output, seed, modelSeed, length, changePoint, list })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse => parse.GetValue(list)
            ? List(stdout)
            : Record(parse.GetValue(scenario)!, parse.GetValue(output), parse.GetValue(seed), parse.GetValue(modelSeed),
                parse.GetValue(length), parse.GetValue(changePoint), stdout, stderr));
        return command;
    }

    private static int List(TextWriter stdout)
    {
        foreach (var s in ScenarioCatalog.All)
        {
            stdout.WriteLine($"{s.Name,-28} {s.Kind,-20} default length {s.DefaultLength}, change at {s.DefaultChangePoint}");
        }

        return 0;
    }

    private static int Record(string name, FileInfo? output, ulong seed, ulong modelSeed, int? length, int? changePoint, TextWriter stdout, TextWriter stderr)
    {
        if (output is null)
        {
            stderr.WriteLine("edgesentinel record: --out FILE is required (or --list)");
            return EdgeSentinelCommand.UsageError;
        }

        try
        {
            var definition = ScenarioCatalog.Get(name);
            var models = DemoModelSet.Train(modelSeed);
            var recording = ScenarioRecording.Record(definition, models, seed, length, changePoint);
            RecordingCsv.WriteFile(recording.Recording, output.FullName);
            stdout.WriteLine($"{recording.Recording.Count} rows of scenario '{definition.Name}' written to {output.FullName}");
            stdout.WriteLine(definition.HasChange ? $"  change point: row {recording.ChangePoint}" : "  no change (clean stream)");
            stdout.WriteLine(recording.FirstHarmfulAction >= 0 ? $"  first harmful action: row {recording.FirstHarmfulAction}" : "  no harmful action");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"edgesentinel record: {e.Message}");
            return EdgeSentinelCommand.UsageError;
        }
    }
}
