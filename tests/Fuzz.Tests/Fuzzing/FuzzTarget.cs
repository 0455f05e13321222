namespace EdgeSentinel.Fuzz.Tests.Fuzzing;

/// <summary>One thing to fuzz: a seed corpus made by our own encoders, a mutator, and an oracle that runs one input.</summary>
/// <remarks>
/// <see cref="Run"/> returns <see cref="FuzzOutcome.Accepted"/> or a rejection with a short reason key; it throws
/// <see cref="OracleViolationException"/> when the code broke its contract (accepted garbage that does not round-trip,
/// a rejection without a specific message). Any other exception escaping <see cref="Run"/> is a finding.
/// </remarks>
public abstract class FuzzTarget
{
    private IReadOnlyList<byte[]>? _seeds;

    /// <summary>Short name (folder name of its regressions).</summary>
    public abstract string Name { get; }

    /// <summary>Longest time one input may take before it counts as a hang.</summary>
    public virtual TimeSpan TimeLimit => TimeSpan.FromSeconds(5);

    /// <summary>Valid inputs produced by our own code; each must be accepted unmutated.</summary>
    public IReadOnlyList<byte[]> Seeds => _seeds ??= BuildSeeds();

    /// <summary>Builds the seed corpus (called once).</summary>
    protected abstract IReadOnlyList<byte[]> BuildSeeds();

    /// <summary>Derives one mutated input from <paramref name="seed"/> (the other seeds may be spliced in).</summary>
    public abstract byte[] Mutate(Random random, byte[] seed);

    /// <summary>Runs the code under test on one input and checks the outcome.</summary>
    public abstract FuzzOutcome Run(byte[] input);
}

/// <summary>What one input did: accepted, or rejected with a reason key (for the summary table).</summary>
public readonly record struct FuzzOutcome(bool IsAccepted, string Reason)
{
    /// <summary>The input was accepted (and passed its round-trip check).</summary>
    public static FuzzOutcome Accepted { get; } = new(true, "accepted");

    /// <summary>The input was rejected with a specific error.</summary>
    public static FuzzOutcome Rejected(string reason) => new(false, reason);
}

/// <summary>The code under test broke its contract on an input without throwing a foreign exception.</summary>
public sealed class OracleViolationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OracleViolationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public OracleViolationException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public OracleViolationException()
        : base("oracle violated")
    {
    }

    /// <summary>Throws unless <paramref name="condition"/> holds.</summary>
    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new OracleViolationException(message);
        }
    }

    /// <summary>Checks that a rejection message is specific: non-blank and not a bare type name.</summary>
    public static void CheckMessage(string? message, string what)
    {
        Check(!string.IsNullOrWhiteSpace(message), $"{what}: rejection without a message");
        Check(message!.Length >= 12, $"{what}: rejection message too short to name what, where and why: '{message}'");
        Check(!message.StartsWith("Exception of type", StringComparison.Ordinal), $"{what}: default exception message '{message}'");
    }
}
