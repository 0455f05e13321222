using EdgeSentinel.Simulation.Numerics;

namespace EdgeSentinel.Simulation.World;

/// <summary>
/// A deterministic field-robot world: a differential-drive robot in a walled square arena with circular
/// obstacles, 8 range sensors, a goal, an IMU and the mission context.
/// </summary>
/// <remarks>
/// Everything (layout, goals, sensor noise) follows from the seed through <see cref="SimulationRandom"/>
/// and <see cref="DeterministicMath"/>, so the same seed and actions give the same observations, bit for bit,
/// on every machine. Not thread-safe.
/// </remarks>
public sealed class RobotWorld
{
    private readonly double _arena;
    private readonly double _robotRadius;
    private readonly double _dt;
    private readonly double _maxRange;
    private readonly double _rangeNoise;
    private readonly double _speedNoise;
    private readonly double _yawNoise;
    private readonly double _accelNoise;
    private readonly double _responsiveness;
    private readonly double _goalRadius;
    private readonly double[] _obstacleX;
    private readonly double[] _obstacleY;
    private readonly double[] _obstacleR;
    private readonly SimulationRandom _layoutRandom;
    private readonly SimulationRandom _noiseRandom;
    private readonly float[] _observation = new float[RobotFeatures.Count];
    private readonly double[] _trueRanges = new double[RobotFeatures.RangeCount];
    private MissionContext _context;
    private double _motorGain = 1.0;
    private double _turnGain = 1.0;
    private double _lastAcceleration;

    /// <summary>Creates a world laid out from <paramref name="seed"/> with the robot at rest in a free spot.</summary>
    public RobotWorld(WorldOptions options, ulong seed, MissionContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        context.Validate();
        _arena = options.ArenaSize;
        _robotRadius = options.RobotRadius;
        _dt = options.TimeStep;
        _maxRange = options.MaxRange;
        _rangeNoise = options.RangeNoise;
        _speedNoise = options.SpeedNoise;
        _yawNoise = options.YawRateNoise;
        _accelNoise = options.AccelerationNoise;
        _responsiveness = options.Responsiveness;
        _goalRadius = options.GoalRadius;
        _context = context;
        _layoutRandom = new SimulationRandom(SimulationRandom.DeriveSeed(seed, 1));
        _noiseRandom = new SimulationRandom(SimulationRandom.DeriveSeed(seed, 2));

        var count = options.ObstacleCount;
        _obstacleX = new double[count];
        _obstacleY = new double[count];
        _obstacleR = new double[count];
        for (var i = 0; i < count; i++)
        {
            var r = _layoutRandom.NextDouble(options.MinObstacleRadius, options.MaxObstacleRadius);
            _obstacleR[i] = r;
            _obstacleX[i] = _layoutRandom.NextDouble(r, _arena - r);
            _obstacleY[i] = _layoutRandom.NextDouble(r, _arena - r);
        }

        (X, Y) = FreePoint(_robotRadius + 0.3, double.NaN, double.NaN, 0.0);
        Heading = _layoutRandom.NextDouble(-DeterministicMath.Pi, DeterministicMath.Pi);
        (GoalX, GoalY) = FreePoint(_goalRadius + 0.3, X, Y, 3.0);
        Observe();
    }

    /// <summary>Robot x position (m).</summary>
    public double X { get; private set; }

    /// <summary>Robot y position (m).</summary>
    public double Y { get; private set; }

    /// <summary>Robot heading (rad, counter-clockwise from +x).</summary>
    public double Heading { get; private set; }

    /// <summary>True forward speed (m/s).</summary>
    public double Speed { get; private set; }

    /// <summary>True yaw rate (rad/s).</summary>
    public double YawRate { get; private set; }

    /// <summary>Goal x position (m).</summary>
    public double GoalX { get; private set; }

    /// <summary>Goal y position (m).</summary>
    public double GoalY { get; private set; }

    /// <summary>Steps taken.</summary>
    public long Steps { get; private set; }

    /// <summary>Steps on which the robot hit an obstacle or a wall.</summary>
    public long Collisions { get; private set; }

    /// <summary>Goals reached.</summary>
    public long GoalsReached { get; private set; }

    /// <summary>Goals given up by <see cref="AbandonGoal"/> (the mission layer's recovery when the robot makes no progress).</summary>
    public long GoalsAbandoned { get; private set; }

    /// <summary>The current observation (16 features in <see cref="RobotFeatures"/> order); valid until the next <see cref="Step"/>.</summary>
    public ReadOnlySpan<float> Observation => _observation;

    /// <summary>Noise-free range of each sensor at the current pose (m, capped at the maximum range).</summary>
    public ReadOnlySpan<double> TrueRanges => _trueRanges;

    /// <summary>The mission context reported in the observation; setting it takes effect from the next observation.</summary>
    public MissionContext Context
    {
        get => _context;
        set
        {
            value.Validate();
            _context = value;
        }
    }

    /// <summary>Multiplier on the commanded linear speed (1 in the training world; concept shift changes it).</summary>
    public double MotorGain
    {
        get => _motorGain;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 10.0);
            _motorGain = value;
        }
    }

    /// <summary>Multiplier on the commanded yaw rate (1 in the training world; concept shift changes it).</summary>
    public double TurnGain
    {
        get => _turnGain;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 10.0);
            _turnGain = value;
        }
    }

    /// <summary>Applies <paramref name="action"/> for one control period and takes the next observation.</summary>
    public StepOutcome Step(RobotAction action)
    {
        var commandSpeed = RobotActions.LinearSpeed(action) * _motorGain;
        var commandYaw = RobotActions.YawRate(action) * _turnGain;
        var previousSpeed = Speed;
        Speed += (commandSpeed - Speed) * _responsiveness;
        YawRate += (commandYaw - YawRate) * _responsiveness;
        Heading = DeterministicMath.WrapAngle(Heading + (YawRate * _dt));
        var nextX = X + (Speed * DeterministicMath.Cos(Heading) * _dt);
        var nextY = Y + (Speed * DeterministicMath.Sin(Heading) * _dt);

        var collided = !IsFree(nextX, nextY, _robotRadius);
        if (collided)
        {
            Speed = 0.0;
            Collisions++;
        }
        else
        {
            X = nextX;
            Y = nextY;
        }

        _lastAcceleration = (Speed - previousSpeed) / _dt;
        var reached = false;
        if (Distance(X, Y, GoalX, GoalY) < _goalRadius)
        {
            reached = true;
            GoalsReached++;
            (GoalX, GoalY) = FreePoint(_goalRadius + 0.3, X, Y, 3.0);
        }

        Steps++;
        Observe();
        return new StepOutcome(collided, reached);
    }

    /// <summary>
    /// Gives up the current goal and draws the next one as when a goal is reached (free, at least 3 m away); the current
    /// observation's goal bearing and distance (noise-free features) change at once, nothing else in it does.
    /// </summary>
    /// <remarks>The mission layer's recovery for a robot that makes no progress towards its goal (<see cref="Scenarios.ScenarioRun.GoalPatience"/>).</remarks>
    public void AbandonGoal()
    {
        GoalsAbandoned++;
        (GoalX, GoalY) = FreePoint(_goalRadius + 0.3, X, Y, 3.0);
        ObserveGoal();
    }

    /// <summary>Distance (m) from the robot to the goal.</summary>
    public double GoalDistance => Distance(X, Y, GoalX, GoalY);

    private void Observe()
    {
        for (var i = 0; i < RobotFeatures.RangeCount; i++)
        {
            var angle = Heading + (i * (DeterministicMath.Pi / 4.0));
            var range = CastRay(X, Y, DeterministicMath.Cos(angle), DeterministicMath.Sin(angle));
            _trueRanges[i] = range;
            var measured = range + (_rangeNoise * _noiseRandom.NextGaussian());
            _observation[i] = (float)Math.Clamp(measured, 0.0, _maxRange);
        }

        ObserveGoal();
        _observation[RobotFeatures.Speed] = (float)(Speed + (_speedNoise * _noiseRandom.NextGaussian()));
        _observation[RobotFeatures.YawRate] = (float)(YawRate + (_yawNoise * _noiseRandom.NextGaussian()));
        _observation[RobotFeatures.Acceleration] = (float)(_lastAcceleration + (_accelNoise * _noiseRandom.NextGaussian()));
        _observation[RobotFeatures.MissionDay] = _context.Day;
        _observation[RobotFeatures.SiteId] = _context.SiteId;
        _observation[RobotFeatures.OperatorMode] = _context.OperatorMode;
    }

    private void ObserveGoal()
    {
        var bearing = DeterministicMath.WrapAngle(DeterministicMath.Atan2(GoalY - Y, GoalX - X) - Heading);
        _observation[RobotFeatures.GoalBearing] = (float)bearing;
        _observation[RobotFeatures.GoalDistance] = (float)Distance(X, Y, GoalX, GoalY);
    }

    /// <summary>The robot's radius (m).</summary>
    internal double RobotRadius => _robotRadius;

    private double CastRay(double px, double py, double dx, double dy)
    {
        var best = _maxRange;
        // Walls of the square [0, arena]².
        if (dx > 1e-12)
        {
            best = Math.Min(best, (_arena - px) / dx);
        }
        else if (dx < -1e-12)
        {
            best = Math.Min(best, -px / dx);
        }

        if (dy > 1e-12)
        {
            best = Math.Min(best, (_arena - py) / dy);
        }
        else if (dy < -1e-12)
        {
            best = Math.Min(best, -py / dy);
        }

        for (var i = 0; i < _obstacleR.Length; i++)
        {
            var fx = px - _obstacleX[i];
            var fy = py - _obstacleY[i];
            var b = (fx * dx) + (fy * dy);
            var c = (fx * fx) + (fy * fy) - (_obstacleR[i] * _obstacleR[i]);
            if (c <= 0.0)
            {
                return 0.0; // inside an obstacle
            }

            var discriminant = (b * b) - c;
            if (discriminant < 0.0 || b > 0.0)
            {
                continue; // missed, or the obstacle is behind
            }

            var t = -b - Math.Sqrt(discriminant);
            if (t >= 0.0 && t < best)
            {
                best = t;
            }
        }

        return Math.Max(best, 0.0);
    }

    /// <summary>Whether a disc of radius <paramref name="clearance"/> at (<paramref name="x"/>, <paramref name="y"/>) touches no wall and no obstacle (the collision rule of <see cref="Step"/> with the robot's radius).</summary>
    internal bool IsFree(double x, double y, double clearance)
    {
        if (x < clearance || y < clearance || x > _arena - clearance || y > _arena - clearance)
        {
            return false;
        }

        for (var i = 0; i < _obstacleR.Length; i++)
        {
            var reach = _obstacleR[i] + clearance;
            var ox = x - _obstacleX[i];
            var oy = y - _obstacleY[i];
            if ((ox * ox) + (oy * oy) < reach * reach)
            {
                return false;
            }
        }

        return true;
    }

    private (double X, double Y) FreePoint(double clearance, double awayX, double awayY, double minimumDistance)
    {
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            var x = _layoutRandom.NextDouble(clearance, _arena - clearance);
            var y = _layoutRandom.NextDouble(clearance, _arena - clearance);
            if (IsFree(x, y, clearance) && (double.IsNaN(awayX) || Distance(x, y, awayX, awayY) >= minimumDistance))
            {
                return (x, y);
            }
        }

        throw new InvalidOperationException($"no free point with clearance {clearance} m found in 10000 draws: the arena is too crowded for {_obstacleR.Length} obstacles");
    }

    private static double Distance(double x0, double y0, double x1, double y1)
    {
        var dx = x1 - x0;
        var dy = y1 - y0;
        return Math.Sqrt((dx * dx) + (dy * dy));
    }
}
