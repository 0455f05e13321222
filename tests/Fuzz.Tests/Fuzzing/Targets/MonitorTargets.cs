using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing.Targets;

/// <summary>Checks of the Monitor readers: only <see cref="MonitorFormatException"/> (or, for baselines, <see cref="ModelIdentityMismatchException"/>) with a message naming the section and byte offset.</summary>
internal static class MonitorOracle
{
    public static FuzzOutcome Rejected(MonitorFormatException ex, string what)
    {
        OracleViolationException.CheckMessage(ex.Message, what);
        OracleViolationException.Check(ex.Offset >= 0 && ex.Section.Length > 0, $"{what}: MonitorFormatException without a section and offset: '{ex.Message}'");
        OracleViolationException.Check(ex.InnerException is not (NullReferenceException or IndexOutOfRangeException or InvalidCastException), $"{what}: a {ex.InnerException?.GetType().Name} wrapped as a format error: '{ex.Message}'");

        // Reason key: the section without channel names, and the first words of the reason.
        var section = ex.Section.Split([',', '\''], 2)[0].Trim();
        var reason = string.Join(' ', ex.Reason.Split(' ', 4).Take(3)).Split(['\'', ':', '(', '='])[0].Trim();
        return FuzzOutcome.Rejected($"{section}: {reason}");
    }
}

/// <summary>Fingerprint.FromBytes; payload mutations are re-sealed with a valid checksum; an accepted fingerprint must serialize to bytes that read back identically.</summary>
public sealed class FingerprintTarget : FuzzTarget
{
    /// <inheritdoc/>
    public override string Name => "fingerprint";

    /// <inheritdoc/>
    protected override IReadOnlyList<byte[]> BuildSeeds() =>
    [
        SeedValues.Regression.Fingerprint.ToBytes(),
        SeedValues.Classifier.Fingerprint.ToBytes(),
        .. SeedValues.Windows(SeedValues.Classifier, 2, 3, 2.0).Select(f => f.ToBytes()),
        SeedValues.Windows(SeedValues.Regression, 1, 4, 0.0)[0].ToBytes(),
    ];

    /// <inheritdoc/>
    public override byte[] Mutate(Random random, byte[] seed) => ContainerMutator.Mutate(random, seed, Seeds);

    /// <inheritdoc/>
    public override FuzzOutcome Run(byte[] input)
    {
        Fingerprint fingerprint;
        try
        {
            fingerprint = Fingerprint.FromBytes(input);
        }
        catch (MonitorFormatException ex)
        {
            return MonitorOracle.Rejected(ex, Name);
        }

        var bytes = fingerprint.ToBytes();
        Fingerprint again;
        try
        {
            again = Fingerprint.FromBytes(bytes);
        }
        catch (MonitorFormatException ex)
        {
            throw new OracleViolationException($"fingerprint: accepted input re-serializes to bytes that do not read back: {ex.Message}");
        }

        OracleViolationException.Check(again.ToBytes().AsSpan().SequenceEqual(bytes), "fingerprint: accepted input does not round-trip");
        return FuzzOutcome.Accepted;
    }
}

/// <summary>Baseline.FromBytes (every fourth input with the expected model); payload mutations are re-sealed with a valid checksum; an accepted baseline must serialize to bytes that read back identically.</summary>
public sealed class BaselineTarget : FuzzTarget
{
    /// <inheritdoc/>
    public override string Name => "baseline";

    /// <inheritdoc/>
    protected override IReadOnlyList<byte[]> BuildSeeds() => [SeedValues.Regression.ToBytes(), SeedValues.Classifier.ToBytes()];

    /// <inheritdoc/>
    public override byte[] Mutate(Random random, byte[] seed) => ContainerMutator.Mutate(random, seed, Seeds);

    /// <inheritdoc/>
    public override FuzzOutcome Run(byte[] input)
    {
        Baseline baseline;
        try
        {
            // Half the inputs are checked against the classifier's identity: a foreign model must be the specific mismatch error.
            baseline = Baseline.FromBytes(input, (input.Length & 1) == 0 ? SeedValues.Classifier.Model : null);
        }
        catch (MonitorFormatException ex)
        {
            return MonitorOracle.Rejected(ex, Name);
        }
        catch (ModelIdentityMismatchException ex)
        {
            OracleViolationException.CheckMessage(ex.Message, Name);
            // The foreign expectation is deliberate: the mismatch is the right answer when the file is a readable baseline
            // of another model (a valid seed included), and a format error must still be the specific one.
            try
            {
                baseline = Baseline.FromBytes(input);
            }
            catch (MonitorFormatException format)
            {
                return MonitorOracle.Rejected(format, Name);
            }
        }

        var bytes = baseline.ToBytes();
        Baseline again;
        try
        {
            again = Baseline.FromBytes(bytes);
        }
        catch (MonitorFormatException ex)
        {
            throw new OracleViolationException($"baseline: accepted input re-serializes to bytes that do not read back: {ex.Message}");
        }

        OracleViolationException.Check(again.ToBytes().AsSpan().SequenceEqual(bytes), "baseline: accepted input does not round-trip");
        _ = again.ToJson();
        return FuzzOutcome.Accepted;
    }
}
