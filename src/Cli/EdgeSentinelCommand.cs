using System.CommandLine;

namespace EdgeSentinel.Cli;

/// <summary>The <c>edgesentinel</c> command: builds the verb tree and runs it.</summary>
internal static class EdgeSentinelCommand
{
    /// <summary>Exit code for bad usage or bad input files.</summary>
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var root = Build(stdout, stderr);
        var configuration = new InvocationConfiguration { Output = stdout, Error = stderr };
        return await root.Parse(args).InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    public static RootCommand Build(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("edgesentinel — watches a learned model where it runs: behavior fingerprints, calibrated drift alerts, fleet reporting.");
        root.Subcommands.Add(InspectModelCommand.Create(stdout, stderr));
        root.Subcommands.Add(BaselineCommand.Create(stdout, stderr));
        root.Subcommands.Add(ReplayCommand.Create(stdout, stderr));
        root.Subcommands.Add(InspectCommand.Create(stdout, stderr));
        root.Subcommands.Add(CheckConfigCommand.Create(stdout, stderr));
        root.Subcommands.Add(ModelsCommand.Create(stdout, stderr));
        root.Subcommands.Add(RecordCommand.Create(stdout, stderr));
        root.Subcommands.Add(ReportCommand.Create(stdout, stderr));
        root.Subcommands.Add(RunCommand.Create(stdout, stderr));
        root.Subcommands.Add(ProvisionCommand.Create(stdout, stderr));
        root.Subcommands.Add(AggregateCommand.Create(stdout, stderr));
        root.Subcommands.Add(CommandVerb.Create(stdout, stderr));
        root.Subcommands.Add(Demo.DemoCommand.Create(stdout, stderr));
        root.Subcommands.Add(EvalCommand.Create(stdout, stderr));
        return root;
    }
}
