using EdgeSentinel.Cli;

return await EdgeSentinelCommand.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
