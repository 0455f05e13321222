using EdgeSentinel.Simulation.Numerics;
using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Scenarios;

/// <summary>
/// One seeded, closed-loop stream of a scenario: <see cref="MoveNext"/> gives the next model input,
/// <see cref="Apply"/> feeds the action the deployed model chose back into the world.
/// </summary>
/// <remarks>
/// The world starts in a training-period context drawn from the seed. Input perturbations (bias, noise,
/// stuck sensor, covariate shift, cues) are applied to the observation the model sees; concept shift
/// changes the world's dynamics. σ is each feature's standard deviation over the training demonstrations.
/// Sensor channels are the 8 ranges, speed, yaw rate and acceleration. Every <see cref="MissionLength"/>
/// samples a new mission starts in a new layout (the training demonstrations are episodes too; a memoryless
/// policy can get stuck in a corner for the rest of a mission). Within a mission the mission layer gives up a goal the
/// robot makes no progress towards for <see cref="GoalPatience"/> samples and assigns the next one (a waypoint timeout):
/// the scripted expert and the policies cloned from it are memoryless and can turn back and forth for the rest of the
/// mission in front of an obstacle that hides the goal, although the goal is reachable around it. Training recordings and
/// live streams share this layer. Not thread-safe.
/// </remarks>
public sealed class ScenarioRun
{
    /// <summary>Indices of the sensor channels perturbations act on.</summary>
    public static IReadOnlyList<int> SensorChannels { get; } = Array.AsReadOnly(new[]
    {
        0, 1, 2, 3, 4, 5, 6, 7, RobotFeatures.Speed, RobotFeatures.YawRate, RobotFeatures.Acceleration,
    });

    private static readonly double Logit95 = 2.0 * DeterministicMath.Log(19.0);

    private readonly WorldOptions _worldOptions;
    private readonly SimulationRandom _layouts;
    private readonly MissionContext _context;
    private RobotWorld _world;
    private readonly SimulationRandom _noise;
    private readonly double[] _sigma;
    private readonly double[] _baseNoise;
    private readonly int[] _channels;
    private readonly double[] _direction;
    private readonly float[] _stuckValues;
    private readonly DemoModelSet _models;
    private bool _awaitingAction;
    private double _bestGoalDistance;
    private int _samplesWithoutProgress;

    /// <summary>Starts the stream <paramref name="seed"/> of <paramref name="definition"/>; length and change point default to the definition's.</summary>
    public ScenarioRun(ScenarioDefinition definition, DemoModelSet models, ulong seed, int? length = null, int? changePoint = null, WorldOptions? world = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(models);
        Definition = definition;
        _models = models;
        Seed = seed;
        Length = length ?? definition.DefaultLength;
        ChangePoint = definition.HasChange ? changePoint ?? Math.Min(definition.DefaultChangePoint, Length / 2) : -1;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Length);
        if (definition.HasChange && (ChangePoint < 0 || ChangePoint >= Length))
        {
            throw new ArgumentOutOfRangeException(nameof(changePoint), ChangePoint, $"the change point must be in [0, {Length}) for scenario '{definition.Name}'");
        }

        if (!definition.HasChange && changePoint is not null)
        {
            throw new ArgumentException($"scenario '{definition.Name}' has no change point", nameof(changePoint));
        }

        world ??= new WorldOptions();
        var random = new SimulationRandom(SimulationRandom.DeriveSeed(seed, 400));
        _context = Demonstrations.TrainingContext(random, models.TrainingDays);
        _worldOptions = world;
        _layouts = new SimulationRandom(random.NextUInt64());
        _world = new RobotWorld(world, _layouts.NextUInt64(), _context);
        _bestGoalDistance = _world.GoalDistance;
        _noise = new SimulationRandom(random.NextUInt64());
        _sigma = models.FeatureStandardDeviations.ToArray();
        _baseNoise = new double[RobotFeatures.Count];
        for (var i = 0; i < RobotFeatures.RangeCount; i++)
        {
            _baseNoise[i] = world.RangeNoise;
        }

        _baseNoise[RobotFeatures.Speed] = world.SpeedNoise;
        _baseNoise[RobotFeatures.YawRate] = world.YawRateNoise;
        _baseNoise[RobotFeatures.Acceleration] = world.AccelerationNoise;

        var pool = SensorChannels.ToArray();
        random.Shuffle(pool);
        _channels = pool[..Math.Min(definition.Channels, pool.Length)];
        _stuckValues = new float[_channels.Length];
        _direction = new double[RobotFeatures.Count];
        if (definition.Kind == ScenarioKind.CovariateShift)
        {
            var norm = 0.0;
            foreach (var c in SensorChannels)
            {
                _direction[c] = random.NextGaussian();
                norm += _direction[c] * _direction[c];
            }

            norm = Math.Sqrt(norm);
            foreach (var c in SensorChannels)
            {
                _direction[c] /= norm;
            }
        }

        CueDay = models.TrainingDays + 1 + random.NextInt(365);
    }

    /// <summary>Samples per mission: every this many samples the robot starts a new mission in a new layout (same context), as in the training episodes.</summary>
    public const int MissionLength = 1000;

    /// <summary>Samples without progress towards the goal after which the mission layer gives the goal up and assigns the next (20 s of simulated time).</summary>
    public const int GoalPatience = 200;

    /// <summary>Progress (m): the goal distance must fall this far below its best so far for the same goal to count as progress.</summary>
    public const double GoalProgressDistance = 0.25;

    /// <summary>Goals the mission layer gave up in this stream (the robot made no progress for <see cref="GoalPatience"/> samples).</summary>
    public long GoalsAbandoned { get; private set; }

    /// <summary>The scenario.</summary>
    public ScenarioDefinition Definition { get; }

    /// <summary>The stream's seed.</summary>
    public ulong Seed { get; }

    /// <summary>Number of samples.</summary>
    public int Length { get; }

    /// <summary>Index of the first changed sample (the sigmoid's midpoint when gradual); −1 for clean streams.</summary>
    public int ChangePoint { get; }

    /// <summary>Index of the next sample <see cref="MoveNext"/> will produce.</summary>
    public int Position { get; private set; }

    /// <summary>The sensor channels a bias or stuck-sensor scenario acts on.</summary>
    public IReadOnlyList<int> AffectedChannels => _channels;

    /// <summary>Unit direction (in σ units, over all features; zero outside the sensor channels) of a covariate shift.</summary>
    public IReadOnlyList<double> ShiftDirection => _direction;

    /// <summary>The mission day the explicit cue sets (after the training period).</summary>
    public int CueDay { get; }

    /// <summary>The current mission's world (read its state; do not step it directly).</summary>
    public RobotWorld World => _world;

    /// <summary>The model deployed at sample <paramref name="index"/>: the sleeper in sleeper scenarios, the tampered model after the change in the tampering scenario, otherwise the policy.</summary>
    public PolicyNetwork ModelAt(int index) => Definition.Kind switch
    {
        ScenarioKind.SleeperExplicit => _models.SleeperExplicit,
        ScenarioKind.SleeperConjunction => _models.SleeperConjunction,
        ScenarioKind.TamperedModel when index >= ChangePoint => _models.Tampered,
        _ => _models.Policy,
    };

    /// <summary>Weight of the changed regime at sample <paramref name="index"/>: 0 before and 1 after an abrupt change; a sigmoid over <see cref="ScenarioDefinition.Width"/> when gradual.</summary>
    public double MixingWeight(int index)
    {
        if (!Definition.HasChange)
        {
            return 0.0;
        }

        if (!Definition.IsGradual)
        {
            return index >= ChangePoint ? 1.0 : 0.0;
        }

        return DeterministicMath.Sigmoid((index - ChangePoint) * Logit95 / Definition.Width);
    }

    /// <summary>Writes the next model input to <paramref name="inputs"/>; false when the stream has ended.</summary>
    public bool MoveNext(Span<float> inputs)
    {
        if (inputs.Length != RobotFeatures.Count)
        {
            throw new ArgumentException($"expected room for {RobotFeatures.Count} features, got {inputs.Length}", nameof(inputs));
        }

        if (_awaitingAction)
        {
            throw new InvalidOperationException($"sample {Position - 1} of scenario '{Definition.Name}' has no action yet: call Apply before MoveNext");
        }

        if (Position >= Length)
        {
            return false;
        }

        var t = Position;
        if (t > 0 && t % MissionLength == 0)
        {
            _world = new RobotWorld(_worldOptions, _layouts.NextUInt64(), _context);
            _bestGoalDistance = _world.GoalDistance;
            _samplesWithoutProgress = 0;
        }

        var w = MixingWeight(t);
        _world.Observation.CopyTo(inputs);
        switch (Definition.Kind)
        {
            case ScenarioKind.SensorBias:
                foreach (var c in _channels)
                {
                    inputs[c] = (float)(inputs[c] + (Definition.Magnitude * _sigma[c] * w));
                }

                break;
            case ScenarioKind.SensorNoise:
                var factor = 1.0 + ((Definition.Magnitude - 1.0) * w);
                var extra = Math.Sqrt(Math.Max(0.0, (factor * factor) - 1.0));
                foreach (var c in SensorChannels)
                {
                    var draw = _noise.NextGaussian();
                    inputs[c] = (float)(inputs[c] + (_baseNoise[c] * extra * draw));
                }

                break;
            case ScenarioKind.StuckSensor:
                for (var k = 0; k < _channels.Length; k++)
                {
                    if (t == ChangePoint)
                    {
                        _stuckValues[k] = inputs[_channels[k]];
                    }
                    else if (t > ChangePoint)
                    {
                        inputs[_channels[k]] = _stuckValues[k];
                    }
                }

                break;
            case ScenarioKind.CovariateShift:
                foreach (var c in SensorChannels)
                {
                    inputs[c] = (float)(inputs[c] + (Definition.Magnitude * _direction[c] * _sigma[c] * w));
                }

                break;
            case ScenarioKind.SleeperExplicit when w > 0.0:
                inputs[RobotFeatures.MissionDay] = CueDay;
                break;
            case ScenarioKind.SleeperConjunction when w > 0.0:
                inputs[RobotFeatures.SiteId] = 3;
                inputs[RobotFeatures.OperatorMode] = 2;
                break;
            default:
                break;
        }

        Position++;
        _awaitingAction = true;
        return true;
    }

    /// <summary>Feeds the action chosen for the last input back into the world (concept shift sets the world's gains first).</summary>
    public StepOutcome Apply(RobotAction action)
    {
        if (!_awaitingAction)
        {
            throw new InvalidOperationException($"scenario '{Definition.Name}': Apply must follow MoveNext (one action per input)");
        }

        _awaitingAction = false;
        if (Definition.Kind == ScenarioKind.ConceptShift)
        {
            var gain = 1.0 + ((Definition.Magnitude - 1.0) * MixingWeight(Position - 1));
            _world.MotorGain = gain;
            _world.TurnGain = gain;
        }

        var outcome = _world.Step(action);
        WatchProgress(outcome.GoalReached);
        return outcome;
    }

    private void WatchProgress(bool goalReached)
    {
        var distance = _world.GoalDistance;
        if (goalReached || distance < _bestGoalDistance - GoalProgressDistance)
        {
            _bestGoalDistance = distance;
            _samplesWithoutProgress = 0;
            return;
        }

        if (++_samplesWithoutProgress >= GoalPatience)
        {
            _world.AbandonGoal();
            GoalsAbandoned++;
            _bestGoalDistance = _world.GoalDistance;
            _samplesWithoutProgress = 0;
        }
    }
}
