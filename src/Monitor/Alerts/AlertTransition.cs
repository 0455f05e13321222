namespace EdgeSentinel.Monitor.Alerts;

/// <summary>One lifecycle step of an alert: the alert as it is after the step, and the state it came from.</summary>
/// <remarks>Immutable and thread-safe. <see cref="Previous"/> is null when the alert was just raised.</remarks>
public sealed record AlertTransition
{
    /// <summary>Creates a transition; throws if <paramref name="current"/> differs from the alert's state or a state is undefined.</summary>
    public AlertTransition(Alert alert, AlertState? previous, AlertState current)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (previous is { } p)
        {
            ValueGuard.Defined(p, nameof(previous));
        }

        ValueGuard.Defined(current, nameof(current));
        if (alert.State != current)
        {
            throw new ArgumentException(
                $"current ({AlertStates.ToWireName(current)}) must equal the alert's state ({AlertStates.ToWireName(alert.State)}).",
                nameof(current));
        }

        Alert = alert;
        Previous = previous;
        Current = current;
    }

    /// <summary>The alert after the step.</summary>
    public Alert Alert { get; }

    /// <summary>The state before the step; null when the alert was just raised.</summary>
    public AlertState? Previous { get; }

    /// <summary>The state after the step (equal to <see cref="Alert"/>.State).</summary>
    public AlertState Current { get; }

    /// <summary>Deconstructs into (Alert, Previous, Current).</summary>
    public void Deconstruct(out Alert alert, out AlertState? previous, out AlertState current)
    {
        alert = Alert;
        previous = Previous;
        current = Current;
    }
}
