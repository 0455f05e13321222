namespace EdgeSentinel.Simulation.Scenarios;

/// <summary>A named scenario: what changes, by how much, on how many channels, abruptly or gradually.</summary>
/// <param name="Name">Name used on the command line (e.g. <c>bias-0.5sd-2ch</c>).</param>
/// <param name="Kind">What changes.</param>
/// <param name="Magnitude">σ multiple (bias, covariate shift), noise multiplier (noise), dynamics gain (concept shift); 0 when not used.</param>
/// <param name="Channels">Number of affected sensor channels (bias, stuck); 0 when not used.</param>
/// <param name="Width">0 for an abrupt change; otherwise the number of samples over which the sigmoid mixing weight rises from 5% to 95%, centred on the change point.</param>
/// <param name="DefaultLength">Stream length when none is given.</param>
/// <param name="DefaultChangePoint">Change point when none is given (−1 for clean streams).</param>
public sealed record ScenarioDefinition(string Name, ScenarioKind Kind, double Magnitude, int Channels, double Width, int DefaultLength, int DefaultChangePoint)
{
    /// <summary>Whether the scenario has a change point.</summary>
    public bool HasChange => Kind != ScenarioKind.Clean;

    /// <summary>Whether the change is gradual (sigmoid mixing).</summary>
    public bool IsGradual => Width > 0.0;

    /// <summary>Whether the change is in the model rather than in its inputs or world (sleepers, tampering).</summary>
    public bool IsModelChange => Kind is ScenarioKind.SleeperExplicit or ScenarioKind.SleeperConjunction or ScenarioKind.TamperedModel;
}
