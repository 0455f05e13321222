namespace EdgeSentinel.Monitor.Alerts;

/// <summary>Where an alert is in its lifecycle. Wire form: <see cref="AlertStates"/>.</summary>
/// <remarks>
/// Numeric values are stable and never reused; the cloud appends further states (acknowledged)
/// after these, so code must not assume this list is complete (switches need a default arm).
/// </remarks>
public enum AlertState
{
    /// <summary>The condition was detected and the alert is open.</summary>
    Raised = 0,

    /// <summary>The open alert got worse (larger or longer-lasting); its severity may have risen.</summary>
    Escalated = 1,

    /// <summary>The condition stayed below the clear level long enough; the alert is closed.</summary>
    Cleared = 2,
}
