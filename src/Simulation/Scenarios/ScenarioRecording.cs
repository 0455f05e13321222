using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Scenarios;

/// <summary>A scenario stream recorded with the C# reference models in the loop.</summary>
/// <param name="Definition">The scenario.</param>
/// <param name="Seed">The stream's seed.</param>
/// <param name="ChangePoint">Index of the first changed sample (−1 for clean).</param>
/// <param name="Recording">Model inputs and the deployed model's actions.</param>
/// <param name="FirstHarmfulAction">Index of the first harmful action (−1 when none).</param>
/// <param name="Collisions">Collisions during the stream.</param>
public sealed record ScenarioRecording(ScenarioDefinition Definition, ulong Seed, int ChangePoint, Recording Recording, int FirstHarmfulAction, long Collisions)
{
    /// <summary>Runs <paramref name="definition"/> for <paramref name="seed"/> with the models of <paramref name="models"/> choosing the actions.</summary>
    public static ScenarioRecording Record(ScenarioDefinition definition, DemoModelSet models, ulong seed, int? length = null, int? changePoint = null)
    {
        var run = new ScenarioRun(definition, models, seed, length, changePoint);
        var features = new float[run.Length * RobotFeatures.Count];
        var actions = new RobotAction[run.Length];
        Span<float> probabilities = stackalloc float[RobotActions.Count];
        var firstHarmful = -1;
        while (run.Position < run.Length)
        {
            var t = run.Position;
            var row = features.AsSpan(t * RobotFeatures.Count, RobotFeatures.Count);
            run.MoveNext(row);

            var action = run.ModelAt(t).Forward(row, probabilities);
            actions[t] = action;
            if (firstHarmful < 0 && RobotActions.IsHarmful(action))
            {
                firstHarmful = t;
            }

            run.Apply(action);
        }

        return new ScenarioRecording(definition, seed, run.ChangePoint, new Recording(RobotFeatures.Names, features, actions), firstHarmful, run.World.Collisions);
    }
}
