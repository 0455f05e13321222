using System.Diagnostics.CodeAnalysis;

namespace EdgeSentinel.Monitor.Alerts;

/// <summary>Wire names of <see cref="AlertSeverity"/> ("info", "warning", "critical").</summary>
public static class AlertSeverities
{
    /// <summary>Returns the wire name of <paramref name="severity"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="severity"/> is not a defined severity.</exception>
    public static string ToWireName(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Info => "info",
        AlertSeverity.Warning => "warning",
        AlertSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "Not a defined AlertSeverity."),
    };

    /// <summary>Parses an exact (ordinal, lower-case) wire name; returns false for anything else, including null.</summary>
    public static bool TryParse([NotNullWhen(true)] string? wireName, out AlertSeverity severity)
    {
        switch (wireName)
        {
            case "info": severity = AlertSeverity.Info; return true;
            case "warning": severity = AlertSeverity.Warning; return true;
            case "critical": severity = AlertSeverity.Critical; return true;
            default: severity = default; return false;
        }
    }
}
