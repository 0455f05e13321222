using System.CommandLine;
using EdgeSentinel.Runtime.Configuration;

namespace EdgeSentinel.Cli;

/// <summary><c>edgesentinel check-config FILE</c>: reports every problem of a device configuration with its JSON path.</summary>
internal static class CheckConfigCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<FileInfo>("config") { Description = "Device configuration (firmware-config/*.json)." };
        var command = new Command("check-config", "Validate a device configuration file; list every problem with its JSON path.");
        command.Arguments.Add(file);
        command.SetAction(parse => Run(parse.GetValue(file)!, stdout, stderr));
        return command;
    }

    private static int Run(FileInfo file, TextWriter stdout, TextWriter stderr)
    {
        var result = ConfigurationCheck.CheckFile(file.FullName);
        if (result.Problems.Count == 0)
        {
            stdout.WriteLine($"{file.FullName}: valid");
            return 0;
        }

        stderr.WriteLine($"{file.FullName}: {result.Problems.Count} problem(s)");
        foreach (var problem in result.Problems)
        {
            stderr.WriteLine($"  {problem}");
        }

        return EdgeSentinelCommand.UsageError;
    }
}
