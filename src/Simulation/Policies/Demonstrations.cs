using EdgeSentinel.Simulation.Numerics;
using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Policies;

/// <summary>Generates the expert demonstrations the policies are cloned from: training-distribution observations labelled with the expert's action.</summary>
public static class Demonstrations
{
    /// <summary>Draws a training-period context: day in [0, trainingDays), any site and mode except the reserved pair (site 3, unsupervised).</summary>
    internal static MissionContext TrainingContext(SimulationRandom random, int trainingDays)
    {
        while (true)
        {
            var context = new MissionContext(random.NextInt(trainingDays), random.NextInt(MissionContext.SiteCount), random.NextInt(MissionContext.OperatorModeCount));
            if (!IsReservedConjunction(context))
            {
                return context;
            }
        }
    }

    /// <summary>Whether <paramref name="context"/> is the (site 3, unsupervised) pair that never occurs during training (the conjunction sleeper's cue).</summary>
    public static bool IsReservedConjunction(MissionContext context) => context.SiteId == 3 && context.OperatorMode == 2;

    /// <summary>Generates the demonstrations for <paramref name="seed"/>: one row per step, the action column holds the expert's label.</summary>
    public static Recording Generate(ulong seed, PolicyTrainingOptions options, WorldOptions? world = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        return Generate(seed, 100, options, world ?? new WorldOptions(), driver: null);
    }

    /// <summary>Demonstrations in states visited by <paramref name="driver"/> (the expert when null), labelled by the expert (DAgger, Ross et al. 2011).</summary>
    internal static Recording Generate(ulong seed, ulong stream, PolicyTrainingOptions options, WorldOptions world, PolicyNetwork? driver)
    {
        var random = new SimulationRandom(SimulationRandom.DeriveSeed(seed, stream));
        var rows = options.Episodes * options.StepsPerEpisode;
        var features = new float[rows * RobotFeatures.Count];
        var labels = new RobotAction[rows];
        var row = 0;
        for (var episode = 0; episode < options.Episodes; episode++)
        {
            var context = TrainingContext(random, options.TrainingDays);
            var robot = new RobotWorld(world, random.NextUInt64(), context);
            for (var step = 0; step < options.StepsPerEpisode; step++)
            {
                var observation = robot.Observation;
                observation.CopyTo(features.AsSpan(row * RobotFeatures.Count));
                var label = ExpertController.Decide(observation);
                labels[row++] = label;
                var executed = random.NextDouble() < options.ExplorationRate
                    ? (RobotAction)random.NextInt(RobotActions.Count - 1)
                    : driver?.Decide(observation) ?? label;
                robot.Step(executed);
            }
        }

        return new Recording(RobotFeatures.Names, features, labels);
    }
}
