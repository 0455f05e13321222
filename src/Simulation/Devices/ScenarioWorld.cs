using EdgeSentinel.Runtime.Configuration;
using EdgeSentinel.Runtime.Device;
using EdgeSentinel.Runtime.Sources;
using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.Scenarios;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Devices;

/// <summary>A closed-loop scenario as a device sees it: a sensor source (<see cref="ISimulatedWorld"/>) whose robot is driven by the actuator output the device applies (<see cref="IActionSink"/>).</summary>
/// <remarks>
/// <para>Each <see cref="TryStep"/> gives the next model input of the <see cref="ScenarioRun"/>; the following
/// <see cref="Apply"/> turns the device's actuator output (one value per <see cref="RobotAction"/>, e.g. the action
/// probabilities) into the action with the largest value and steps the robot with it. An output with no positive finite
/// value — the interlock's zero fallback — is a stop request: the robot has no stop command, so it gets
/// <see cref="StopAction"/> (turn almost on the spot, 0.05 m/s, the slowest motion it has).</para>
/// <para>When nothing was applied between two steps (the world used as an open-loop source), the scenario's own C#
/// reference model chooses the action, as in <see cref="ScenarioRecording"/>, and <see cref="ReferenceActions"/> counts it.</para>
/// <para>Not thread-safe: the device's inference thread reads and applies.</para>
/// </remarks>
public sealed class ScenarioWorld : ISimulatedWorld, IActionSink
{
    /// <summary>The action applied for an actuator output with no positive value (a stop request).</summary>
    public const RobotAction StopAction = RobotAction.TurnLeft;

    private readonly float[] _lastInput = new float[RobotFeatures.Count];
    private readonly float[] _probabilities = new float[RobotActions.Count];
    private bool _awaitingAction;

    /// <summary>Wraps <paramref name="run"/>, which must not have produced a sample yet.</summary>
    public ScenarioWorld(ScenarioRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Position != 0)
        {
            throw new ArgumentException($"the run of scenario '{run.Definition.Name}' is already at sample {run.Position}; pass a fresh run", nameof(run));
        }

        Run = run;
    }

    /// <summary>The scenario stream being played.</summary>
    public ScenarioRun Run { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> FeatureNames => RobotFeatures.Names;

    /// <summary>Samples produced so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Collisions so far.</summary>
    public long Collisions { get; private set; }

    /// <summary>Goals reached so far.</summary>
    public long GoalsReached { get; private set; }

    /// <summary>Harmful actions (<see cref="RobotAction.FullThrottle"/>) applied so far.</summary>
    public long HarmfulActions { get; private set; }

    /// <summary>Index of the first sample whose applied action was harmful; −1 when none.</summary>
    public long FirstHarmfulAction { get; private set; } = -1;

    /// <summary>Actuator outputs that requested a stop (no positive value) and got <see cref="StopAction"/>.</summary>
    public long StopRequests { get; private set; }

    /// <summary>Samples whose action came from the scenario's reference model because the device applied none.</summary>
    public long ReferenceActions { get; private set; }

    /// <summary>The action applied last.</summary>
    public RobotAction LastAction { get; private set; }

    /// <summary>Creates the world a simulator source configuration names (world "robot"; scenario default "clean").</summary>
    /// <param name="settings">The configured world, seed and scenario.</param>
    /// <param name="models">The demo model set the scenarios are defined on (its training period and feature spreads).</param>
    /// <param name="length">Samples before the stream ends; default the scenario's own length.</param>
    /// <exception cref="FrameSourceException">The world or scenario is unknown, or the seed is negative.</exception>
    public static ScenarioWorld FromSettings(SimulatorSettings settings, DemoModelSet models, int? length = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(models);
        if (!string.Equals(settings.World, "robot", StringComparison.Ordinal))
        {
            throw new FrameSourceException($"simulator world '{settings.World}' is unknown; the Simulation project provides 'robot'.");
        }

        if (settings.Seed < 0)
        {
            throw new FrameSourceException($"simulator seed {settings.Seed} must be 0 or more.");
        }

        var name = settings.Scenario ?? "clean";
        ScenarioDefinition definition;
        try
        {
            definition = ScenarioCatalog.Get(name);
        }
        catch (ArgumentException e)
        {
            throw new FrameSourceException($"simulator scenario: {e.Message}", e);
        }

        try
        {
            return new ScenarioWorld(new ScenarioRun(definition, models, (ulong)settings.Seed, length, settings.ChangeAtFrame));
        }
        catch (ArgumentException e)
        {
            throw new FrameSourceException($"simulator scenario '{name}': {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public bool TryStep(Span<float> destination)
    {
        if (_awaitingAction)
        {
            var t = Run.Position - 1;
            ReferenceActions++;
            Step(Run.ModelAt(t).Forward(_lastInput, _probabilities));
        }

        if (!Run.MoveNext(destination))
        {
            return false;
        }

        destination.CopyTo(_lastInput);
        _awaitingAction = true;
        Steps++;
        return true;
    }

    /// <summary>Steps the robot with the action <paramref name="action"/> selects (largest value; a stop request when none is positive).</summary>
    /// <exception cref="ArgumentException"><paramref name="action"/> does not hold one value per robot action.</exception>
    /// <exception cref="InvalidOperationException">No sample is waiting for an action.</exception>
    public void Apply(ReadOnlySpan<float> action)
    {
        if (action.Length != RobotActions.Count)
        {
            throw new ArgumentException($"the robot takes {RobotActions.Count} action values ({string.Join(", ", RobotActions.OutputNames)}), got {action.Length}", nameof(action));
        }

        if (!_awaitingAction)
        {
            throw new InvalidOperationException("Apply must follow TryStep: one action per sample.");
        }

        if (ActionOf(action) is { } selected)
        {
            Step(selected);
        }
        else
        {
            StopRequests++;
            Step(StopAction);
        }
    }

    /// <summary>The action an output (one value per <see cref="RobotAction"/>) selects: the largest positive finite value; null for a stop request (no positive finite value).</summary>
    public static RobotAction? ActionOf(ReadOnlySpan<float> output)
    {
        var best = -1;
        var bestValue = 0f;
        for (var i = 0; i < output.Length && i < RobotActions.Count; i++)
        {
            if (float.IsFinite(output[i]) && output[i] > bestValue)
            {
                best = i;
                bestValue = output[i];
            }
        }

        return best < 0 ? null : (RobotAction)best;
    }

    private void Step(RobotAction action)
    {
        _awaitingAction = false;
        var sample = Run.Position - 1;
        LastAction = action;
        if (RobotActions.IsHarmful(action))
        {
            HarmfulActions++;
            if (FirstHarmfulAction < 0)
            {
                FirstHarmfulAction = sample;
            }
        }

        var outcome = Run.Apply(action);
        Collisions += outcome.Collided ? 1 : 0;
        GoalsReached += outcome.GoalReached ? 1 : 0;
    }
}
