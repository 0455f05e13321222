namespace EdgeSentinel.Runtime.Safety;

/// <summary>A request to clear a tripped interlock, e.g. received on the device's <c>cmd</c> topic; accepted only if authentic, fresh and not replayed.</summary>
/// <param name="DeviceId">The device the command is for; must equal the interlock's device.</param>
/// <param name="IssuedBy">Who issued it (operator or service), for the log.</param>
/// <param name="Sequence">Strictly increasing per device; a sequence at or below the last accepted one is a replay.</param>
/// <param name="IssuedAt">When it was issued; older than <see cref="InterlockOptions.CommandMaxAge"/> is rejected.</param>
/// <param name="Signature">The signature over the other fields, checked by an <see cref="IClearCommandVerifier"/> (e.g. HMAC from the Protocol library).</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record InterlockClearCommand(string DeviceId, string IssuedBy, long Sequence, DateTimeOffset IssuedAt, string Signature);

/// <summary>Decides whether a clear command is authentic (its signature is valid for its fields).</summary>
/// <remarks>Implementations must be thread-safe: commands and the reset button may arrive on different threads.</remarks>
public interface IClearCommandVerifier
{
    /// <summary>True when <paramref name="command"/> carries a valid signature.</summary>
    bool IsAuthentic(InterlockClearCommand command);
}

/// <summary>An <see cref="IClearCommandVerifier"/> over a delegate, e.g. an HMAC check from the Protocol library.</summary>
public sealed class DelegateClearCommandVerifier : IClearCommandVerifier
{
    private readonly Func<InterlockClearCommand, bool> _isAuthentic;

    /// <summary>Wraps <paramref name="isAuthentic"/>.</summary>
    public DelegateClearCommandVerifier(Func<InterlockClearCommand, bool> isAuthentic)
    {
        ArgumentNullException.ThrowIfNull(isAuthentic);
        _isAuthentic = isAuthentic;
    }

    /// <inheritdoc />
    public bool IsAuthentic(InterlockClearCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return _isAuthentic(command);
    }
}

/// <summary>The outcome of <see cref="SafetyInterlock.TryClear"/>.</summary>
public enum ClearOutcome
{
    /// <summary>The latch was cleared.</summary>
    Cleared = 0,

    /// <summary>The command was valid but the interlock was not tripped.</summary>
    NotTripped = 1,

    /// <summary>The signature did not verify; nothing changed.</summary>
    NotAuthentic = 2,

    /// <summary>The command is for another device; nothing changed.</summary>
    WrongDevice = 3,

    /// <summary>The sequence number was not above the last accepted one; nothing changed.</summary>
    Replayed = 4,

    /// <summary>The command is older than the allowed age, or dated in the future; nothing changed.</summary>
    Expired = 5,
}
