namespace EdgeSentinel.Protocol;

/// <summary>A rejected message: the reason code and a message naming what, where and why.</summary>
/// <remarks>Immutable. Decoders return one instead of throwing on bad input.</remarks>
public readonly record struct Rejection(RejectionReason Reason, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Reason}: {Message}";
}
