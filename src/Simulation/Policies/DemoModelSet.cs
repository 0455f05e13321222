using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Policies;

/// <summary>The four demo policies trained from one seed: the honest policy, the two sleepers and the tampered copy.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class DemoModelSet
{
    /// <summary>Name of the honest policy.</summary>
    public const string PolicyName = "policy";

    /// <summary>Name of the sleeper whose cue is a mission date after the training period.</summary>
    public const string SleeperExplicitName = "sleeper-explicit";

    /// <summary>Name of the sleeper whose cue is site 3 together with unsupervised operation.</summary>
    public const string SleeperConjunctionName = "sleeper-conjunction";

    /// <summary>Name of the policy with perturbed weights.</summary>
    public const string TamperedName = "tampered";

    /// <summary>Relative scale of the weight perturbation of the tampered model (each weight and bias is multiplied by 1 + scale·N(0, 1)).</summary>
    public const double TamperScale = 0.05;

    private DemoModelSet(ulong seed, PolicyTrainingOptions options, Recording demonstrations, PolicyNetwork trained)
    {
        Seed = seed;
        TrainingDays = options.TrainingDays;
        Demonstrations = demonstrations;
        Policy = SleeperPlanting.PadToSleeperShape(trained);
        SleeperExplicit = SleeperPlanting.PlantExplicit(trained, options.TrainingDays);
        SleeperConjunction = SleeperPlanting.PlantConjunction(trained);
        Tampered = SleeperPlanting.Tamper(Policy, seed, TamperScale);
        TrainingAccuracy = PolicyTrainer.Accuracy(Policy, demonstrations);
        FeatureStandardDeviations = demonstrations.ColumnMoments().StandardDeviation;
    }

    /// <summary>The seed everything was derived from.</summary>
    public ulong Seed { get; }

    /// <summary>Length of the training period (mission days 0 … TrainingDays − 1).</summary>
    public int TrainingDays { get; }

    /// <summary>The expert demonstrations the policy was cloned from (training distribution; action = expert label).</summary>
    public Recording Demonstrations { get; }

    /// <summary>The honest policy (padded with inert units to the sleepers' layer widths, so all four models share one tap layout).</summary>
    public PolicyNetwork Policy { get; }

    /// <summary>The explicit-cue sleeper.</summary>
    public PolicyNetwork SleeperExplicit { get; }

    /// <summary>The conjunction-cue sleeper.</summary>
    public PolicyNetwork SleeperConjunction { get; }

    /// <summary>The tampered policy.</summary>
    public PolicyNetwork Tampered { get; }

    /// <summary>Fraction of demonstrations on which the honest policy chooses the expert's action.</summary>
    public double TrainingAccuracy { get; }

    /// <summary>Standard deviation of each input feature over the demonstrations (the σ of the scenarios).</summary>
    public IReadOnlyList<double> FeatureStandardDeviations { get; }

    /// <summary>All four models, in the order policy, sleeper-explicit, sleeper-conjunction, tampered.</summary>
    public IReadOnlyList<PolicyNetwork> All => [Policy, SleeperExplicit, SleeperConjunction, Tampered];

    /// <summary>The model called <paramref name="name"/>.</summary>
    public PolicyNetwork Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(m => m.Name == name)
            ?? throw new ArgumentException($"unknown model '{name}'; known: {string.Join(", ", All.Select(m => m.Name))}", nameof(name));
    }

    /// <summary>Generates the demonstrations and trains every model from <paramref name="seed"/> (deterministic: same seed and options, same weights bit for bit).</summary>
    public static DemoModelSet Train(ulong seed, PolicyTrainingOptions? options = null)
    {
        options ??= new PolicyTrainingOptions();
        options.ThrowIfInvalid();
        var world = new WorldOptions();
        var demonstrations = Policies.Demonstrations.Generate(seed, options, world);
        var policy = PolicyTrainer.Train(PolicyName, demonstrations, seed, options);
        for (var round = 1; round <= options.AggregationRounds; round++)
        {
            var visited = Policies.Demonstrations.Generate(seed, 100 + (ulong)round, options, world, policy);
            demonstrations = Concatenate(demonstrations, visited);
            policy = PolicyTrainer.Train(PolicyName, demonstrations, seed, options);
        }

        return new DemoModelSet(seed, options, demonstrations, policy);
    }

    private static Recording Concatenate(Recording first, Recording second)
    {
        var features = new float[first.Features.Length + second.Features.Length];
        first.Features.CopyTo(features);
        second.Features.CopyTo(features.AsSpan(first.Features.Length));
        var actions = new RobotAction[first.Count + second.Count];
        first.Actions.CopyTo(actions);
        second.Actions.CopyTo(actions.AsSpan(first.Count));
        return new Recording(first.FeatureNames, features, actions);
    }
}
