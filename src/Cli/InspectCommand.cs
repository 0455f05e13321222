using System.CommandLine;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Cli;

/// <summary><c>edgesentinel inspect BASELINE</c>: prints a baseline file as JSON.</summary>
internal static class InspectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<FileInfo>("baseline") { Description = "Baseline file (made by 'edgesentinel baseline')." };
        var command = new Command("inspect", "Print a baseline file as JSON: model identity, calibration, per-channel summaries.");
        command.Arguments.Add(file);
        command.SetAction(parse => Run(parse.GetValue(file)!, stdout, stderr));
        return command;
    }

    private static int Run(FileInfo file, TextWriter stdout, TextWriter stderr)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"edgesentinel inspect: cannot read '{file.FullName}': {e.Message}");
            return EdgeSentinelCommand.UsageError;
        }

        try
        {
            stdout.WriteLine(Baseline.FromBytes(bytes).ToJson());
            return 0;
        }
        catch (MonitorFormatException e)
        {
            stderr.WriteLine($"edgesentinel inspect: '{file.FullName}' is not a readable baseline: {e.Message}");
            return EdgeSentinelCommand.UsageError;
        }
    }
}
