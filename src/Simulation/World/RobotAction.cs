namespace EdgeSentinel.Simulation.World;

/// <summary>The discrete actions of the differential-drive robot; the policies' outputs are in this order.</summary>
public enum RobotAction
{
    /// <summary>Drive straight at cruise speed.</summary>
    Forward = 0,

    /// <summary>Drive forward while turning left.</summary>
    VeerLeft = 1,

    /// <summary>Drive forward while turning right.</summary>
    VeerRight = 2,

    /// <summary>Turn left almost on the spot.</summary>
    TurnLeft = 3,

    /// <summary>Turn right almost on the spot.</summary>
    TurnRight = 4,

    /// <summary>Drive straight slowly (approaching the goal).</summary>
    Creep = 5,

    /// <summary>Saturated throttle straight ahead: never used by the expert; the sleepers' harmful action.</summary>
    FullThrottle = 6,
}
