namespace EdgeSentinel.Runtime.Sources;

/// <summary>Options of the CSV and NDJSON replay sources.</summary>
public sealed class ReplayOptions
{
    /// <summary>The expected number of values per row (the model's flattened input width); null accepts the header's width.</summary>
    /// <value>Default: null.</value>
    public int? ExpectedWidth { get; set; }

    /// <summary>The feature names in frame order; required for NDJSON (keys), optional for CSV (the header must then equal them). Null: taken from the CSV header or the first NDJSON object.</summary>
    /// <value>Default: null.</value>
    public IReadOnlyList<string>? FeatureNames { get; set; }

    /// <summary>How many problems are kept in <see cref="ReplaySource.Problems"/>; further problems are only counted.</summary>
    /// <value>Default: 1000.</value>
    public int MaxProblemsKept { get; set; } = 1000;

    /// <summary>Called for every problem as it is found (on the reading thread); null for none.</summary>
    /// <value>Default: null.</value>
    public Action<FrameProblem>? OnProblem { get; set; }

    /// <summary>Returns every problem with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ExpectedWidth is { } w && w <= 0)
        {
            problems.Add($"{nameof(ExpectedWidth)} must be > 0 (was {w}).");
        }

        if (MaxProblemsKept < 0)
        {
            problems.Add($"{nameof(MaxProblemsKept)} must be >= 0 (was {MaxProblemsKept}).");
        }

        if (FeatureNames is { } names)
        {
            if (names.Count == 0)
            {
                problems.Add($"{nameof(FeatureNames)} must not be empty when given.");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < names.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(names[i]))
                {
                    problems.Add($"{nameof(FeatureNames)}[{i}] is blank.");
                }
                else if (!seen.Add(names[i]))
                {
                    problems.Add($"{nameof(FeatureNames)}[{i}] repeats '{names[i]}'.");
                }
            }

            if (ExpectedWidth is { } ew && ew != names.Count)
            {
                problems.Add($"{nameof(FeatureNames)} has {names.Count} names but {nameof(ExpectedWidth)} is {ew}.");
            }
        }

        return problems;
    }
}
