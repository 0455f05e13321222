namespace EdgeSentinel.Simulation.World;

/// <summary>What happened during one step of the world.</summary>
/// <param name="Collided">The robot hit an obstacle or a wall and stopped.</param>
/// <param name="GoalReached">The robot reached its goal; a new goal was drawn.</param>
public readonly record struct StepOutcome(bool Collided, bool GoalReached);
