using BenchmarkDotNet.Running;
using EdgeSentinel.Runtime.Benchmarks;

if (args.Length > 0 && args[0] == "paired")
{
    PairedOverhead.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 300);
    return;
}

if (args.Length > 0 && args[0] == "device")
{
    DeviceLoopAllocation.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
