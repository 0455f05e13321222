using System.Diagnostics.CodeAnalysis;

namespace EdgeSentinel.Monitor.Alerts;

/// <summary>Wire names of <see cref="AlertState"/> ("raised", "escalated", "cleared").</summary>
public static class AlertStates
{
    /// <summary>Returns the wire name of <paramref name="state"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="state"/> is not a defined state.</exception>
    public static string ToWireName(AlertState state) => state switch
    {
        AlertState.Raised => "raised",
        AlertState.Escalated => "escalated",
        AlertState.Cleared => "cleared",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Not a defined AlertState."),
    };

    /// <summary>Parses an exact (ordinal, lower-case) wire name; returns false for anything else, including null.</summary>
    public static bool TryParse([NotNullWhen(true)] string? wireName, out AlertState state)
    {
        switch (wireName)
        {
            case "raised": state = AlertState.Raised; return true;
            case "escalated": state = AlertState.Escalated; return true;
            case "cleared": state = AlertState.Cleared; return true;
            default: state = default; return false;
        }
    }
}
