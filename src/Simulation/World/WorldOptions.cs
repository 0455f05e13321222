namespace EdgeSentinel.Simulation.World;

/// <summary>Geometry, sensing and dynamics of the robot world; defaults describe the training world.</summary>
public sealed class WorldOptions
{
    /// <summary>Side of the square arena in metres. Default 20.</summary>
    public double ArenaSize { get; set; } = 20.0;

    /// <summary>Number of circular obstacles. Default 14.</summary>
    public int ObstacleCount { get; set; } = 14;

    /// <summary>Smallest obstacle radius (m). Default 0.3.</summary>
    public double MinObstacleRadius { get; set; } = 0.3;

    /// <summary>Largest obstacle radius (m). Default 1.0.</summary>
    public double MaxObstacleRadius { get; set; } = 1.0;

    /// <summary>Robot radius (m). Default 0.25.</summary>
    public double RobotRadius { get; set; } = 0.25;

    /// <summary>Control period (s). Default 0.1.</summary>
    public double TimeStep { get; set; } = 0.1;

    /// <summary>Maximum range of the range sensors (m). Default 5.</summary>
    public double MaxRange { get; set; } = 5.0;

    /// <summary>Standard deviation of range-sensor noise (m). Default 0.05.</summary>
    public double RangeNoise { get; set; } = 0.05;

    /// <summary>Standard deviation of speed-measurement noise (m/s). Default 0.02.</summary>
    public double SpeedNoise { get; set; } = 0.02;

    /// <summary>Standard deviation of gyro noise (rad/s). Default 0.03.</summary>
    public double YawRateNoise { get; set; } = 0.03;

    /// <summary>Standard deviation of accelerometer noise (m/s²). Default 0.1.</summary>
    public double AccelerationNoise { get; set; } = 0.1;

    /// <summary>Fraction of the gap between commanded and actual velocity closed each step (motor lag). Default 0.5.</summary>
    public double Responsiveness { get; set; } = 0.5;

    /// <summary>Distance (m) at which the goal counts as reached and a new one is drawn. Default 0.5.</summary>
    public double GoalRadius { get; set; } = 0.5;

    /// <summary>Returns every problem of these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        Positive(problems, ArenaSize, nameof(ArenaSize));
        if (ObstacleCount < 0 || ObstacleCount > 200)
        {
            problems.Add($"{nameof(ObstacleCount)} must be in [0, 200], was {ObstacleCount}");
        }

        Positive(problems, MinObstacleRadius, nameof(MinObstacleRadius));
        if (!(MaxObstacleRadius >= MinObstacleRadius) || !double.IsFinite(MaxObstacleRadius))
        {
            problems.Add($"{nameof(MaxObstacleRadius)} must be finite and at least {nameof(MinObstacleRadius)}, was {MaxObstacleRadius}");
        }

        Positive(problems, RobotRadius, nameof(RobotRadius));
        Positive(problems, TimeStep, nameof(TimeStep));
        Positive(problems, MaxRange, nameof(MaxRange));
        NonNegative(problems, RangeNoise, nameof(RangeNoise));
        NonNegative(problems, SpeedNoise, nameof(SpeedNoise));
        NonNegative(problems, YawRateNoise, nameof(YawRateNoise));
        NonNegative(problems, AccelerationNoise, nameof(AccelerationNoise));
        if (!(Responsiveness > 0.0 && Responsiveness <= 1.0))
        {
            problems.Add($"{nameof(Responsiveness)} must be in (0, 1], was {Responsiveness}");
        }

        Positive(problems, GoalRadius, nameof(GoalRadius));
        if (problems.Count == 0 && ArenaSize < 4.0 * (MaxObstacleRadius + RobotRadius))
        {
            problems.Add($"{nameof(ArenaSize)} ({ArenaSize}) is too small for obstacles of radius {MaxObstacleRadius}");
        }

        return problems;
    }

    internal void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid world options: " + string.Join("; ", problems));
        }
    }

    private static void Positive(List<string> problems, double value, string name)
    {
        if (!(value > 0.0) || !double.IsFinite(value))
        {
            problems.Add($"{name} must be positive and finite, was {value}");
        }
    }

    private static void NonNegative(List<string> problems, double value, string name)
    {
        if (!(value >= 0.0) || !double.IsFinite(value))
        {
            problems.Add($"{name} must be non-negative and finite, was {value}");
        }
    }
}
