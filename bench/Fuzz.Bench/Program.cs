using System.Globalization;
using EdgeSentinel.Fuzz.Tests.Fuzzing;

// Bench run of the seeded mutation fuzzer: 10^6 inputs per target by default.
// Usage: dotnet run -c Release --project bench/Fuzz.Bench -- [--inputs N] [--targets a,b,...] [--seed S] [--findings DIR] [--out FILE]
var inputs = 1_000_000L;
var seed = FuzzRunner.DefaultSeed;
var targets = FuzzTargets.Names.ToList();
var findings = Path.Combine(Path.GetTempPath(), "edgesentinel-fuzz-findings");
string? outFile = null;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--inputs": inputs = long.Parse(Value(), NumberStyles.AllowExponent | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--targets": targets = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]; break;
        case "--findings": findings = Value(); break;
        case "--out": outFile = Value(); break;
        case "--list": Console.WriteLine(string.Join(Environment.NewLine, FuzzTargets.Names)); return 0;
        case "--replay":
            {
                // Run one saved input (a reproducer) on the first named target and print the outcome.
                var file = Value();
                var target = FuzzTargets.Create(targets[0]);
                var clock = TimeProvider.System;
                var t0 = clock.GetTimestamp();
                try
                {
                    var outcome = target.Run(File.ReadAllBytes(file));
                    Console.WriteLine($"{target.Name}: {(outcome.IsAccepted ? "accepted" : "rejected: " + outcome.Reason)} in {clock.GetElapsedTime(t0).TotalMilliseconds:F0} ms");
                    return 0;
                }
                catch (Exception ex)
                {
                    Console.WriteLine($"{target.Name}: FINDING {ex.GetType().Name}: {FuzzRunner.Describe(ex)} after {clock.GetElapsedTime(t0).TotalMilliseconds:F0} ms");
                    return 1;
                }
            }
        default:
            Console.Error.WriteLine($"unknown option '{args[i]}'. Options: --inputs N (default 1e6), --targets {string.Join(",", FuzzTargets.Names)}, --seed S, --findings DIR, --out FILE, --list");
            return 2;
    }
}

var reports = new List<FuzzReport>();
foreach (var name in targets)
{
    var target = FuzzTargets.Create(name);
    Console.WriteLine($"{name}: {target.Seeds.Count} seeds, {inputs:N0} inputs, seed {seed}");
    var report = FuzzRunner.Run(target, inputs, seed, findings, (done, r) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: {done:N0} inputs, {r.Accepted:N0} accepted, {r.Rejected:N0} rejected, {r.Findings.Count} findings, {r.Elapsed.TotalSeconds:F0} s")),
        progressEvery: Math.Max(1, inputs / 10));
    reports.Add(report);
    foreach (var f in report.Findings)
    {
        Console.WriteLine("  FINDING " + f);
    }

    if (report.Hung)
    {
        Console.WriteLine($"  {name}: a hang was detected; the stuck input is in {findings}. Stopping.");
        break;
    }
}

var summary = FuzzSummary.Format(reports);
Console.WriteLine();
Console.WriteLine(summary);
if (outFile is not null)
{
    File.WriteAllText(outFile, summary);
}

var total = reports.Sum(r => r.Findings.Count);
Console.WriteLine(total == 0 ? "no findings" : $"{total} finding(s); reproducers in {findings}");
return total == 0 ? 0 : 1;
