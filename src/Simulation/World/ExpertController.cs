namespace EdgeSentinel.Simulation.World;

/// <summary>
/// The scripted expert the policies imitate: avoid what is close ahead, otherwise head for the goal.
/// A deterministic function of the observed features (it ignores the mission context).
/// </summary>
public static class ExpertController
{
    /// <summary>Front range (m) below which the expert turns on the spot.</summary>
    public const double TurnDistance = 0.9;

    /// <summary>Diagonal range (m) below which the expert veers away.</summary>
    public const double VeerDistance = 0.6;

    /// <summary>Chooses the expert's action for the observation <paramref name="features"/>.</summary>
    public static RobotAction Decide(ReadOnlySpan<float> features)
    {
        if (features.Length != RobotFeatures.Count)
        {
            throw new ArgumentException($"expected {RobotFeatures.Count} features, got {features.Length}", nameof(features));
        }

        float front = Math.Min(features[0], Math.Min(features[1], features[7]));
        float left = features[1] + features[2];
        float right = features[7] + features[6];
        float bearing = features[RobotFeatures.GoalBearing];
        if (front < TurnDistance)
        {
            return left >= right ? RobotAction.TurnLeft : RobotAction.TurnRight;
        }

        if (features[1] < VeerDistance)
        {
            return RobotAction.VeerRight;
        }

        if (features[7] < VeerDistance)
        {
            return RobotAction.VeerLeft;
        }

        if (bearing > 1.2f)
        {
            return RobotAction.TurnLeft;
        }

        if (bearing < -1.2f)
        {
            return RobotAction.TurnRight;
        }

        if (bearing > 0.25f)
        {
            return RobotAction.VeerLeft;
        }

        if (bearing < -0.25f)
        {
            return RobotAction.VeerRight;
        }

        return features[RobotFeatures.GoalDistance] < 1.2f ? RobotAction.Creep : RobotAction.Forward;
    }
}
