namespace EdgeSentinel.Protocol.Receiving;

/// <summary>How far a message's timestamp may be from the receiver's clock.</summary>
/// <remarks>Plain options class; call <see cref="Validate"/> once.</remarks>
public sealed class ReplayGuardOptions
{
    /// <summary>How far in the future a timestamp may be (device clock ahead). Default 5 minutes.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a timestamp may be; must cover the longest outage whose backlog a device delivers later. Default 7 days.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Returns every problem with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxClockSkew < TimeSpan.Zero)
        {
            problems.Add($"{nameof(MaxClockSkew)} is {MaxClockSkew}; must be ≥ 0");
        }

        if (MaxAge <= TimeSpan.Zero)
        {
            problems.Add($"{nameof(MaxAge)} is {MaxAge}; must be > 0");
        }

        return problems;
    }
}
