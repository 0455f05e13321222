namespace EdgeSentinel.Monitor.Alerts;

/// <summary>What an alert is about (DESIGN.md, "Alert kinds"); the wire form is given by <see cref="AlertKinds"/>.</summary>
/// <remarks>Numeric values are stable and never reused; new kinds are appended.</remarks>
public enum AlertKind
{
    /// <summary>The inputs left the baseline; outputs may follow (environment, sensor).</summary>
    InputDrift = 0,

    /// <summary>Outputs or activations left the baseline while the inputs did not.</summary>
    BehaviorDivergence = 1,

    /// <summary>Internal activations of single inferences far outside the baseline.</summary>
    ActivationAnomaly = 2,

    /// <summary>Outputs depend on declared deployment cues more than at baseline.</summary>
    CueSensitivity = 3,

    /// <summary>A canary input no longer gives its recorded output.</summary>
    CanaryMismatch = 4,

    /// <summary>The loaded model is not the one the baseline was built for.</summary>
    ModelIdentity = 5,

    /// <summary>Latency drift, NaN/Inf, sensor faults, dropped frames.</summary>
    RuntimeHealth = 6,
}
