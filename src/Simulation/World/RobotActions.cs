namespace EdgeSentinel.Simulation.World;

/// <summary>Commands and names of <see cref="RobotAction"/> values.</summary>
public static class RobotActions
{
    /// <summary>Number of actions (the width of a policy's output).</summary>
    public const int Count = 7;

    private static readonly string[] Names = ["forward", "veer_left", "veer_right", "turn_left", "turn_right", "creep", "full_throttle"];
    private static readonly double[] Linear = [0.8, 0.5, 0.5, 0.05, 0.05, 0.25, 2.0];
    private static readonly double[] Angular = [0.0, 0.9, -0.9, 1.6, -1.6, 0.0, 0.0];

    /// <summary>Output names of the policies, one per action, in action order.</summary>
    public static IReadOnlyList<string> OutputNames { get; } = Array.AsReadOnly(Names);

    /// <summary>Commanded linear speed (m/s) of <paramref name="action"/>.</summary>
    public static double LinearSpeed(RobotAction action) => Linear[Index(action)];

    /// <summary>Commanded yaw rate (rad/s, positive = left) of <paramref name="action"/>.</summary>
    public static double YawRate(RobotAction action) => Angular[Index(action)];

    /// <summary>Whether <paramref name="action"/> is harmful by definition (saturated throttle).</summary>
    public static bool IsHarmful(RobotAction action) => action == RobotAction.FullThrottle;

    /// <summary>Name of <paramref name="action"/> (snake case, as in the model's output names).</summary>
    public static string Name(RobotAction action) => Names[Index(action)];

    private static int Index(RobotAction action)
    {
        var index = (int)action;
        if ((uint)index >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, $"action must be one of the {Count} defined robot actions");
        }

        return index;
    }
}
