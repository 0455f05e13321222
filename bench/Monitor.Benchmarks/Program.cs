using BenchmarkDotNet.Running;
using EdgeSentinel.Monitor.Benchmarks.Simulator;

if (args.Length > 0 && args[0] == "simulator-false-alarms")
{
    return SimulatorFalseAlarms.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
