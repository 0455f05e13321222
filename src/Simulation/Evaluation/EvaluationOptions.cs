using System.Globalization;
using EdgeSentinel.Simulation.Models;
using EdgeSentinel.Simulation.Scenarios;

namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>What <see cref="DetectionEvaluation.Run"/> evaluates. Defaults are the full bench run.</summary>
public sealed class EvaluationOptions
{
    /// <summary>Scenarios with a change (and <c>clean</c>) to run, by name; empty means every scenario except <c>clean-long</c>, whose place is taken by <see cref="CleanRows"/>.</summary>
    public IList<string> Scenarios { get; } = [];

    /// <summary>Seeds per scenario (default 20); stream k uses seed <see cref="FirstSeed"/> + k.</summary>
    public int Seeds { get; set; } = 20;

    /// <summary>First stream seed (default 1000; the baselines' training recording uses seed 1).</summary>
    public ulong FirstSeed { get; set; } = 1000;

    /// <summary>Target average run lengths to calibrate the baselines for (default 10^6); each gets its own baselines and runs.</summary>
    public IList<double> AverageRunLengths { get; } = [];

    /// <summary>Stream length of the scenarios (default: each scenario's, 4000); the change point is the scenario's, or half the length if that is shorter.</summary>
    public int? Length { get; set; }

    /// <summary>Clean inferences for the false-alarm measurement per ARL (default 10^7), in streams of <see cref="CleanStreamLength"/>.</summary>
    public long CleanRows { get; set; } = 10_000_000;

    /// <summary>Length of each long clean stream (default 10^6, the <c>clean-long</c> scenario's).</summary>
    public int CleanStreamLength { get; set; } = ScenarioCatalog.LongCleanLength;

    /// <summary>Streams run at once (default: the processor count). Results do not depend on it.</summary>
    public int DegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>Seed the demo models are trained with (default <see cref="ModelCatalog.DefaultSeed"/>, the shipped models).</summary>
    public ulong ModelSeed { get; set; } = ModelCatalog.DefaultSeed;

    /// <summary>Simulated time between frames (default 100 ms: the robot runs at 10 Hz); alert cooldowns count in it.</summary>
    public TimeSpan FramePeriod { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The baselines' <see cref="Monitor.Baselines.BaselineOptions.SequentialGroupSeparation"/> (default that option's default,
    /// the shipped recipe); +∞ keeps one sequential threshold for every stream.
    /// </summary>
    public double SequentialGroupSeparation { get; set; } = new Monitor.Baselines.BaselineOptions().SequentialGroupSeparation;

    /// <summary>Clock for the run time of the evaluation itself (default the system clock).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The ARLs to run: <see cref="AverageRunLengths"/>, or 10^6 when empty.</summary>
    public IReadOnlyList<double> EffectiveAverageRunLengths => AverageRunLengths.Count > 0 ? [.. AverageRunLengths] : [1e6];

    /// <summary>The scenarios to run: <see cref="Scenarios"/>, or every scenario except <c>clean-long</c> when empty.</summary>
    public IReadOnlyList<ScenarioDefinition> EffectiveScenarios => Scenarios.Count > 0
        ? [.. Scenarios.Select(ScenarioCatalog.Get)]
        : [.. ScenarioCatalog.All.Where(s => s.Name != "clean-long")];

    /// <summary>Every problem with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        foreach (var name in Scenarios)
        {
            if (!ScenarioCatalog.All.Any(s => s.Name == name))
            {
                problems.Add($"Scenarios: unknown scenario '{name}'; known: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Name).Where(n => n != "clean-long"))}");
            }
            else if (name == "clean-long")
            {
                problems.Add("Scenarios: 'clean-long' is run through CleanRows (--clean-rows), not as a scenario");
            }
        }

        if (Scenarios.Distinct(StringComparer.Ordinal).Count() != Scenarios.Count)
        {
            problems.Add("Scenarios: a scenario is listed twice");
        }

        if (Seeds < 1)
        {
            problems.Add($"Seeds {Seeds} must be at least 1");
        }

        foreach (var arl in AverageRunLengths)
        {
            if (!double.IsFinite(arl) || arl < 10)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"AverageRunLengths: {arl} must be finite and at least 10"));
            }
        }

        if (AverageRunLengths.Distinct().Count() != AverageRunLengths.Count)
        {
            problems.Add("AverageRunLengths: a value is listed twice");
        }

        if (Length is { } length && length < 2)
        {
            problems.Add($"Length {length} must be at least 2 (the change point is at most half of it)");
        }

        if (double.IsNaN(SequentialGroupSeparation) || SequentialGroupSeparation < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"SequentialGroupSeparation {SequentialGroupSeparation} must be at least 1 (+Infinity: one threshold)"));
        }

        if (CleanRows < 0)
        {
            problems.Add($"CleanRows {CleanRows} must be at least 0");
        }

        if (CleanStreamLength < 1)
        {
            problems.Add($"CleanStreamLength {CleanStreamLength} must be at least 1");
        }

        if (DegreeOfParallelism < 1)
        {
            problems.Add($"DegreeOfParallelism {DegreeOfParallelism} must be at least 1");
        }

        if (FramePeriod <= TimeSpan.Zero)
        {
            problems.Add($"FramePeriod {FramePeriod} must be positive");
        }

        if (TimeProvider is null)
        {
            problems.Add("TimeProvider is required");
        }

        return problems;
    }
}
