namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>What <see cref="Fingerprint.Validate"/> learns about a valid fingerprint without building it: its schema and observation count.</summary>
/// <param name="Schema">The fingerprint's schema.</param>
/// <param name="ObservationCount">Number of observations summarized.</param>
public readonly record struct FingerprintOutline(FingerprintSchema Schema, long ObservationCount);
