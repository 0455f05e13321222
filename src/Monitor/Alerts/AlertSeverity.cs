namespace EdgeSentinel.Monitor.Alerts;

/// <summary>How urgent an alert is; ordered, so <c>Critical &gt; Warning &gt; Info</c>. Wire form: <see cref="AlertSeverities"/>.</summary>
public enum AlertSeverity
{
    /// <summary>Worth recording; no action expected.</summary>
    Info = 0,

    /// <summary>Needs attention.</summary>
    Warning = 1,

    /// <summary>Needs action now; the safety interlock may act on it.</summary>
    Critical = 2,
}
