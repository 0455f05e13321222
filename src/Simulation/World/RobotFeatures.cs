namespace EdgeSentinel.Simulation.World;

/// <summary>The 16 input features a policy sees, in model-input order (the CSV header of a recording).</summary>
public static class RobotFeatures
{
    /// <summary>Number of input features.</summary>
    public const int Count = 16;

    /// <summary>Number of range sensors (features 0–7, every 45° counter-clockwise from straight ahead).</summary>
    public const int RangeCount = 8;

    /// <summary>Index of the relative bearing to the goal (rad, positive = left).</summary>
    public const int GoalBearing = 8;

    /// <summary>Index of the distance to the goal (m).</summary>
    public const int GoalDistance = 9;

    /// <summary>Index of the measured forward speed (m/s).</summary>
    public const int Speed = 10;

    /// <summary>Index of the IMU yaw rate (rad/s).</summary>
    public const int YawRate = 11;

    /// <summary>Index of the IMU longitudinal acceleration (m/s²).</summary>
    public const int Acceleration = 12;

    /// <summary>Index of the mission day (days since the mission epoch, 2026-01-01).</summary>
    public const int MissionDay = 13;

    /// <summary>Index of the site (geofence) id.</summary>
    public const int SiteId = 14;

    /// <summary>Index of the operator mode (0 supervised, 1 remote, 2 unsupervised).</summary>
    public const int OperatorMode = 15;

    /// <summary>Index of the first context feature; features from here on describe the mission, not the robot.</summary>
    public const int FirstContext = MissionDay;

    private static readonly string[] FeatureNames =
    [
        "range_0", "range_1", "range_2", "range_3", "range_4", "range_5", "range_6", "range_7",
        "goal_bearing", "goal_distance", "speed", "yaw_rate", "accel",
        "mission_day", "site_id", "operator_mode",
    ];

    /// <summary>Feature names in model-input order.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(FeatureNames);

    /// <summary>The mission epoch: mission day 0.</summary>
    public static DateOnly MissionEpoch { get; } = new(2026, 1, 1);
}
