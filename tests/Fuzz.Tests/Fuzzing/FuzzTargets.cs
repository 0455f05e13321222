using EdgeSentinel.Fuzz.Tests.Fuzzing.Targets;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing;

/// <summary>Every fuzz target, by name.</summary>
public static class FuzzTargets
{
    /// <summary>Target names in run order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["envelope", "alert-body", "status-body", "command-body", "fingerprint-body", "verifier", "fingerprint", "baseline", "config", "model", "csv", "ndjson"];

    /// <summary>A new instance of the target <paramref name="name"/>.</summary>
    public static FuzzTarget Create(string name) => name switch
    {
        "envelope" => new EnvelopeTarget(),
        "alert-body" => BodyTargets.Alert(),
        "status-body" => BodyTargets.Status(),
        "command-body" => BodyTargets.Command(),
        "fingerprint-body" => BodyTargets.Fingerprint(),
        "verifier" => new VerifierTarget(),
        "fingerprint" => new FingerprintTarget(),
        "baseline" => new BaselineTarget(),
        "config" => new ConfigTarget(),
        "model" => new ModelTarget(),
        "csv" => new ReplayTarget(csv: true),
        "ndjson" => new ReplayTarget(csv: false),
        _ => throw new ArgumentException($"Unknown fuzz target '{name}' (known: {string.Join(", ", Names)}).", nameof(name)),
    };
}
