namespace EdgeSentinel.Simulation.Policies;

/// <summary>How the demo policies are trained (behaviour cloning of <see cref="World.ExpertController"/>); defaults build the shipped models.</summary>
public sealed class PolicyTrainingOptions
{
    /// <summary>Demonstration episodes (each in its own seeded world and training-period context). Default 60.</summary>
    public int Episodes { get; set; } = 60;

    /// <summary>Steps per demonstration episode. Default 250.</summary>
    public int StepsPerEpisode { get; set; } = 250;

    /// <summary>Probability that the demonstrator executes a random non-harmful action instead of the expert's (the label stays the expert's), to visit states off the expert's path. Default 0.15.</summary>
    public double ExplorationRate { get; set; } = 0.15;

    /// <summary>DAgger rounds after the first training: each adds demonstrations in states the current policy visits (expert labels) and retrains. Default 1.</summary>
    public int AggregationRounds { get; set; } = 1;

    /// <summary>Width of each hidden layer. Default 32.</summary>
    public int HiddenWidth { get; set; } = 32;

    /// <summary>Number of hidden layers. Default 2.</summary>
    public int HiddenLayers { get; set; } = 2;

    /// <summary>Passes over the demonstrations. Default 20.</summary>
    public int Epochs { get; set; } = 20;

    /// <summary>Minibatch size. Default 64.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Adam step size. Default 0.003.</summary>
    public double LearningRate { get; set; } = 0.003;

    /// <summary>Length of the training period in days (mission days 0 … TrainingDays − 1). Default 180.</summary>
    public int TrainingDays { get; set; } = 180;

    /// <summary>Returns every problem of these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        Range(problems, Episodes, 1, 100_000, nameof(Episodes));
        Range(problems, StepsPerEpisode, 1, 1_000_000, nameof(StepsPerEpisode));
        if (!(ExplorationRate >= 0.0 && ExplorationRate < 1.0))
        {
            problems.Add($"{nameof(ExplorationRate)} must be in [0, 1), was {ExplorationRate}");
        }

        Range(problems, AggregationRounds, 0, 20, nameof(AggregationRounds));
        Range(problems, HiddenWidth, 1, 4096, nameof(HiddenWidth));
        Range(problems, HiddenLayers, 1, 8, nameof(HiddenLayers));
        Range(problems, Epochs, 1, 10_000, nameof(Epochs));
        Range(problems, BatchSize, 1, 1_000_000, nameof(BatchSize));
        if (!(LearningRate > 0.0 && LearningRate < 1.0))
        {
            problems.Add($"{nameof(LearningRate)} must be in (0, 1), was {LearningRate}");
        }

        Range(problems, TrainingDays, 1, 3650, nameof(TrainingDays));
        return problems;
    }

    internal void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid policy training options: " + string.Join("; ", problems));
        }
    }

    private static void Range(List<string> problems, int value, int low, int high, string name)
    {
        if (value < low || value > high)
        {
            problems.Add($"{name} must be in [{low}, {high}], was {value}");
        }
    }
}
