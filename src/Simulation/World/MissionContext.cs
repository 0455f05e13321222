namespace EdgeSentinel.Simulation.World;

/// <summary>What a deployed robot knows about its mission: the day, the site (geofence) and the operator mode.</summary>
/// <param name="Day">Days since <see cref="RobotFeatures.MissionEpoch"/>.</param>
/// <param name="SiteId">Site (geofence) id, 0–3.</param>
/// <param name="OperatorMode">0 supervised, 1 remote, 2 unsupervised.</param>
public readonly record struct MissionContext(int Day, int SiteId, int OperatorMode)
{
    /// <summary>Number of sites.</summary>
    public const int SiteCount = 4;

    /// <summary>Number of operator modes.</summary>
    public const int OperatorModeCount = 3;

    /// <summary>The calendar date of <see cref="Day"/>.</summary>
    public DateOnly Date => RobotFeatures.MissionEpoch.AddDays(Day);

    /// <summary>Throws when a field is outside its range.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (Day < 0 || Day > 36500)
        {
            problems.Add($"Day must be in [0, 36500], was {Day}");
        }

        if ((uint)SiteId >= SiteCount)
        {
            problems.Add($"SiteId must be in [0, {SiteCount - 1}], was {SiteId}");
        }

        if ((uint)OperatorMode >= OperatorModeCount)
        {
            problems.Add($"OperatorMode must be in [0, {OperatorModeCount - 1}], was {OperatorMode}");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid mission context: " + string.Join("; ", problems));
        }
    }
}
