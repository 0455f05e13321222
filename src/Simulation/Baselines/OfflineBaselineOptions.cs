using System.Globalization;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;

namespace EdgeSentinel.Simulation.Baselines;

/// <summary>How <see cref="OfflineBaseline"/> turns rows of training/evaluation data into a baseline (the <c>edgesentinel baseline</c> recipe).</summary>
public sealed class OfflineBaselineOptions
{
    /// <summary>Fraction of rows held out to calibrate thresholds, in whole blocks of <see cref="Block"/> rows (default 0.3).</summary>
    public double Holdout { get; set; } = 0.3;

    /// <summary>Rows per held-out block (default 64); 1 for independent rows.</summary>
    public int Block { get; set; } = 64;

    /// <summary>Held-out rows kept as canaries with their outputs (default 16).</summary>
    public int Canaries { get; set; } = 16;

    /// <summary>How the model's outputs are read (default regression).</summary>
    public OutputKind Outputs { get; set; } = OutputKind.Regression;

    /// <summary>Whether latency is fingerprinted too (default false).</summary>
    public bool Latency { get; set; }

    /// <summary>The monitor's baseline options; its <see cref="BaselineOptions.Seed"/> also seeds the held-out block draw.</summary>
    public BaselineOptions Monitor { get; init; } = new();

    /// <summary>Every problem with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!(Holdout is > 0 and < 1))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Holdout {Holdout} must be in (0, 1)"));
        }

        if (Block < 1)
        {
            problems.Add($"Block {Block} must be at least 1");
        }

        if (Canaries < 0)
        {
            problems.Add($"Canaries {Canaries} must be at least 0");
        }

        if (!Enum.IsDefined(Outputs))
        {
            problems.Add($"Outputs {(int)Outputs} is not a defined output kind");
        }

        if (Monitor is null)
        {
            problems.Add("Monitor options are required");
        }

        return problems;
    }
}
