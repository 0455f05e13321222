namespace EdgeSentinel.Protocol;

/// <summary>Size limits the codecs enforce on inbound messages; anything over a limit is rejected with its reason.</summary>
/// <remarks>Plain options class; call <see cref="Validate"/> once. <see cref="Default"/> is shared and must not be changed.</remarks>
public sealed class ProtocolLimits
{
    /// <summary>The default limits.</summary>
    public static ProtocolLimits Default { get; } = new();

    /// <summary>Largest JSON envelope (alert, status, cmd), in bytes. Default 64 KiB.</summary>
    public int MaxJsonMessageBytes { get; init; } = 64 * 1024;

    /// <summary>Largest binary envelope (fingerprint), in bytes. Default 4 MiB.</summary>
    public int MaxBinaryMessageBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Deepest JSON nesting (the envelope object is depth 1). Default 6.</summary>
    public int MaxJsonDepth { get; init; } = 6;

    /// <summary>Longest JSON string value or property name, in UTF-8 bytes as transmitted. Default 512.</summary>
    public int MaxStringBytes { get; init; } = 512;

    /// <summary>Most items in one JSON array or properties in one JSON object. Default 64.</summary>
    public int MaxArrayItems { get; init; } = 64;

    /// <summary>Returns every problem with these limits (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxJsonMessageBytes < 1024)
        {
            problems.Add($"{nameof(MaxJsonMessageBytes)} is {MaxJsonMessageBytes}; must be ≥ 1024");
        }

        if (MaxBinaryMessageBytes < 1024)
        {
            problems.Add($"{nameof(MaxBinaryMessageBytes)} is {MaxBinaryMessageBytes}; must be ≥ 1024");
        }

        if (MaxJsonDepth is < 5 or > 64)
        {
            problems.Add($"{nameof(MaxJsonDepth)} is {MaxJsonDepth}; must be 5..64 (an alert envelope nests 5 deep: envelope, body, evidence, topChannels, channel)");
        }

        if (MaxStringBytes < 128)
        {
            problems.Add($"{nameof(MaxStringBytes)} is {MaxStringBytes}; must be ≥ 128");
        }

        if (MaxArrayItems < 16)
        {
            problems.Add($"{nameof(MaxArrayItems)} is {MaxArrayItems}; must be ≥ 16");
        }

        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem, if any.</summary>
    public void EnsureValid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid protocol limits: " + string.Join("; ", problems));
        }
    }
}
