using System.Diagnostics.CodeAnalysis;

namespace EdgeSentinel.Monitor.Alerts;

/// <summary>Wire names of <see cref="AlertKind"/> ("input-drift", "behavior-divergence", ...).</summary>
public static class AlertKinds
{
    /// <summary>Returns the wire name of <paramref name="kind"/>, e.g. "input-drift".</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a defined kind.</exception>
    public static string ToWireName(AlertKind kind) => kind switch
    {
        AlertKind.InputDrift => "input-drift",
        AlertKind.BehaviorDivergence => "behavior-divergence",
        AlertKind.ActivationAnomaly => "activation-anomaly",
        AlertKind.CueSensitivity => "cue-sensitivity",
        AlertKind.CanaryMismatch => "canary-mismatch",
        AlertKind.ModelIdentity => "model-identity",
        AlertKind.RuntimeHealth => "runtime-health",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a defined AlertKind."),
    };

    /// <summary>Parses an exact (ordinal, lower-case) wire name; returns false for anything else, including null.</summary>
    public static bool TryParse([NotNullWhen(true)] string? wireName, out AlertKind kind)
    {
        switch (wireName)
        {
            case "input-drift": kind = AlertKind.InputDrift; return true;
            case "behavior-divergence": kind = AlertKind.BehaviorDivergence; return true;
            case "activation-anomaly": kind = AlertKind.ActivationAnomaly; return true;
            case "cue-sensitivity": kind = AlertKind.CueSensitivity; return true;
            case "canary-mismatch": kind = AlertKind.CanaryMismatch; return true;
            case "model-identity": kind = AlertKind.ModelIdentity; return true;
            case "runtime-health": kind = AlertKind.RuntimeHealth; return true;
            default: kind = default; return false;
        }
    }
}
