namespace EdgeSentinel.Cli;

/// <summary>Entry point of the <c>edgesentinel</c> command: dispatches verbs.</summary>
internal static class CommandLine
{
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            stdout.WriteLine(Usage);
            return Task.FromResult(0);
        }

        stderr.WriteLine($"edgesentinel: unknown verb '{args[0]}'. Run 'edgesentinel --help' for the list of verbs.");
        return Task.FromResult(2);
    }

    private const string Usage = """
        edgesentinel — watches a learned model where it runs.

        Usage: edgesentinel <verb> [options]

        Verbs available in this build:
          help        show this text
        """;
}
