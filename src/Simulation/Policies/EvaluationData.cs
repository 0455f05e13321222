using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.Scenarios;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Policies;

/// <summary>Held-out evaluation data: clean closed-loop runs of the honest policy in fresh training-period worlds (for baseline calibration and agreement checks).</summary>
public static class EvaluationData
{
    /// <summary>
    /// <paramref name="episodes"/> clean streams of <paramref name="steps"/> samples, stream k seeded by
    /// <paramref name="seed"/> + k, concatenated; the action column is the honest policy's action.
    /// </summary>
    public static Recording Generate(DemoModelSet models, ulong seed, int episodes = 10, int steps = 1000)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(episodes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        var features = new float[checked(episodes * steps * RobotFeatures.Count)];
        var actions = new RobotAction[episodes * steps];
        var clean = ScenarioCatalog.Get("clean");
        for (var k = 0; k < episodes; k++)
        {
            var run = ScenarioRecording.Record(clean, models, seed + (ulong)k, steps).Recording;
            run.Features.CopyTo(features.AsSpan(k * steps * RobotFeatures.Count));
            run.Actions.CopyTo(actions.AsSpan(k * steps));
        }

        return new Recording(RobotFeatures.Names, features, actions);
    }
}
