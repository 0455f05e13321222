using System.Diagnostics;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing;

/// <summary>A finding: the input that broke the code, and how.</summary>
public sealed record FuzzFinding(string Target, long Index, string Kind, string Message, byte[] Input)
{
    /// <summary>One line for reports.</summary>
    public override string ToString() => $"{Target} #{Index}: {Kind}: {Message}";
}

/// <summary>The summary of one fuzzing run.</summary>
public sealed record FuzzReport(
    string Target,
    long Inputs,
    long Accepted,
    IReadOnlyDictionary<string, long> RejectedByReason,
    IReadOnlyList<FuzzFinding> Findings,
    TimeSpan Elapsed,
    TimeSpan Slowest,
    bool Hung)
{
    /// <summary>Inputs rejected with a specific error.</summary>
    public long Rejected => RejectedByReason.Values.Sum();
}

/// <summary>Runs a target over deterministic mutated inputs on a worker thread, with a watchdog that flags an input running past the target's time limit.</summary>
/// <remarks>
/// Input <c>i</c> depends only on the run seed and <c>i</c> (see <see cref="InputAt"/>), so any input can be rebuilt alone.
/// The first inputs are the unmutated seeds, which must be accepted. No sleeps: the watchdog waits on the worker's
/// completion event with a timeout and compares the current input's start time with its deadline.
/// </remarks>
public static class FuzzRunner
{
    /// <summary>Default run seed.</summary>
    public const int DefaultSeed = 20261124;

    /// <summary>Builds input <paramref name="index"/> of a run with <paramref name="seed"/>.</summary>
    public static byte[] InputAt(FuzzTarget target, int seed, long index)
    {
        ArgumentNullException.ThrowIfNull(target);
        var seeds = target.Seeds;
        if (index < seeds.Count)
        {
            return seeds[(int)index];
        }

        var random = new Random(Mix(seed, index));
        var parent = seeds[random.Next(seeds.Count)];
        return target.Mutate(random, parent);
    }

    /// <summary>Runs <paramref name="count"/> inputs; <paramref name="progress"/> is called about every <paramref name="progressEvery"/> inputs from the worker thread.</summary>
    public static FuzzReport Run(
        FuzzTarget target,
        long count,
        int seed = DefaultSeed,
        string? findingsFolder = null,
        Action<long, FuzzReport>? progress = null,
        long progressEvery = 100_000,
        int maxFindings = 20)
    {
        ArgumentNullException.ThrowIfNull(target);
        _ = target.Seeds;
        var state = new WorkerState();
        var reasons = new Dictionary<string, long>(StringComparer.Ordinal);
        var findings = new List<FuzzFinding>();
        var findingKinds = new HashSet<string>(StringComparer.Ordinal);
        long accepted = 0;
        long done = 0;
        long slowestTicks = 0;
        var clock = TimeProvider.System;
        var started = clock.GetTimestamp();

        FuzzReport Snapshot(bool hung) => new(target.Name, done, accepted, new Dictionary<string, long>(reasons), [.. findings],
            clock.GetElapsedTime(started), TimeSpan.FromTicks(slowestTicks), hung);

        void AddFinding(FuzzFinding finding)
        {
            // Keep the first input of each distinct kind (by type and first words), up to maxFindings.
            var key = finding.Kind + "|" + new string(finding.Message.Take(60).ToArray());
            if (findings.Count < maxFindings && findingKinds.Add(key))
            {
                findings.Add(finding);
                Save(findingsFolder, finding);
            }
        }

        var worker = new Thread(() =>
        {
            try
            {
                for (long i = 0; i < count && !state.Stop; i++)
                {
                    var input = InputAt(target, seed, i);
                    state.Current = input;
                    Volatile.Write(ref state.CurrentIndex, i);
                    var t0 = Stopwatch.GetTimestamp();
                    Volatile.Write(ref state.StartTimestamp, t0);
                    try
                    {
                        var outcome = target.Run(input);
                        if (outcome.IsAccepted)
                        {
                            accepted++;
                        }
                        else
                        {
                            reasons[outcome.Reason] = reasons.GetValueOrDefault(outcome.Reason) + 1;
                            if (i < target.Seeds.Count)
                            {
                                AddFinding(new FuzzFinding(target.Name, i, "seed-rejected", $"valid seed {i} was rejected: {outcome.Reason}", input));
                            }
                        }
                    }
                    catch (OracleViolationException ex)
                    {
                        AddFinding(new FuzzFinding(target.Name, i, "oracle", ex.Message, input));
                    }
                    catch (Exception ex)
                    {
                        AddFinding(new FuzzFinding(target.Name, i, ex.GetType().Name, Describe(ex), input));
                    }

                    var elapsed = Stopwatch.GetTimestamp() - t0;
                    Volatile.Write(ref state.StartTimestamp, 0);
                    slowestTicks = Math.Max(slowestTicks, Stopwatch.GetElapsedTime(0, elapsed).Ticks);
                    done = i + 1;
                    if (progress is not null && done % progressEvery == 0)
                    {
                        progress(done, Snapshot(false));
                    }
                }
            }
            finally
            {
                state.Finished.Set();
            }
        })
        {
            IsBackground = true,
            Name = "fuzz " + target.Name,
        };

        worker.Start();
        var poll = TimeSpan.FromMilliseconds(Math.Clamp(target.TimeLimit.TotalMilliseconds / 4, 10, 1000));
        while (!state.Finished.Wait(poll))
        {
            var start = Volatile.Read(ref state.StartTimestamp);
            if (start != 0 && Stopwatch.GetElapsedTime(start) > target.TimeLimit)
            {
                // The worker cannot be aborted; it is a background thread and is abandoned (the run fails on the finding).
                state.Stop = true;
                var index = Volatile.Read(ref state.CurrentIndex);
                var hang = new FuzzFinding(target.Name, index, "hang", $"input ran longer than {target.TimeLimit.TotalSeconds:0.###} s", state.Current ?? []);
                Save(findingsFolder, hang);
                var report = Snapshot(true);
                return report with { Findings = [.. report.Findings, hang] };
            }
        }

        return Snapshot(false);
    }

    /// <summary>Exception type, message and the innermost frame of our code, for a finding line.</summary>
    public static string Describe(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var frame = ex.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("EdgeSentinel.", StringComparison.Ordinal) && !l.Contains(".Fuzz.Tests.", StringComparison.Ordinal));
        return $"{ex.Message}{(frame is null ? string.Empty : " [" + frame + "]")}";
    }

    private static void Save(string? folder, FuzzFinding finding)
    {
        if (folder is null)
        {
            return;
        }

        var dir = Path.Combine(folder, finding.Target);
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, $"{finding.Index}-{finding.Kind}.bin");
        File.WriteAllBytes(file, finding.Input);
        File.WriteAllText(Path.ChangeExtension(file, ".txt"), finding.ToString() + Environment.NewLine);
    }

    /// <summary>SplitMix64 of the seed and index, folded to a non-negative int seed.</summary>
    private static int Mix(int seed, long index)
    {
        var z = ((ulong)(uint)seed << 32) ^ (ulong)index;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    private sealed class WorkerState
    {
        public long CurrentIndex;
        public long StartTimestamp;
        public volatile bool Stop;
        public volatile byte[]? Current;
        public ManualResetEventSlim Finished { get; } = new(false);
    }
}
