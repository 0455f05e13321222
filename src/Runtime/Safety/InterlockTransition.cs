namespace EdgeSentinel.Runtime.Safety;

/// <summary>States of the <see cref="SafetyInterlock"/>.</summary>
public enum InterlockState
{
    /// <summary>Watching; the model's output passes through.</summary>
    Armed = 0,

    /// <summary>Latched: output lines asserted, fallback action in use, until cleared.</summary>
    Tripped = 1,
}

/// <summary>What made the interlock change state.</summary>
public enum InterlockCause
{
    /// <summary>An alert matched a rule.</summary>
    Alert = 0,

    /// <summary>The reset input saw its edge.</summary>
    ResetInput = 1,

    /// <summary>An authenticated clear command.</summary>
    Command = 2,
}

/// <summary>One state change of the interlock, for logs and the status topic.</summary>
/// <param name="From">The state before.</param>
/// <param name="To">The state after.</param>
/// <param name="Cause">What caused it.</param>
/// <param name="Detail">Specific detail: the alert id and kind, the reset pin, or the command's issuer and sequence.</param>
/// <param name="At">When it happened (from the interlock's <see cref="TimeProvider"/>).</param>
/// <param name="OutputFault">Null when every output line was written; otherwise why a line could not be written.</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record InterlockTransition(InterlockState From, InterlockState To, InterlockCause Cause, string Detail, DateTimeOffset At, string? OutputFault);
