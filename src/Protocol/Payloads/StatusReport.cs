namespace EdgeSentinel.Protocol.Payloads;

/// <summary>The body of a (retained) status message: connection state and the device outbox's figures.</summary>
/// <remarks>
/// Immutable. <see cref="Session"/> is the sequence number of the last will registered for the current
/// connection. The will itself carries Session = its own sequence number, which is how receivers
/// tell it apart (see <see cref="Receiving.ReplayGuard"/>). Devices resend unacknowledged messages
/// before publishing a new online status, so that sequence numbers reach receivers in order.
/// </remarks>
public sealed record StatusReport
{
    /// <summary>Creates a status report; throws when a count is negative or the session is below 1.</summary>
    public StatusReport(DeviceState state, long session, long pendingAlerts, long pendingFingerprints, long droppedFingerprints, long coalescedFingerprints, string? detail = null, string? outboxFault = null)
    {
        if (!Enum.IsDefined(state))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "Not a defined DeviceState.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(session, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(pendingAlerts);
        ArgumentOutOfRangeException.ThrowIfNegative(pendingFingerprints);
        ArgumentOutOfRangeException.ThrowIfNegative(droppedFingerprints);
        ArgumentOutOfRangeException.ThrowIfNegative(coalescedFingerprints);
        State = state;
        Session = session;
        PendingAlerts = pendingAlerts;
        PendingFingerprints = pendingFingerprints;
        DroppedFingerprints = droppedFingerprints;
        CoalescedFingerprints = coalescedFingerprints;
        Detail = detail;
        OutboxFault = outboxFault;
    }

    /// <summary>Online or offline.</summary>
    public DeviceState State { get; }

    /// <summary>The sequence number of the connection's last will (≥ 1).</summary>
    public long Session { get; }

    /// <summary>Alerts waiting in the outbox.</summary>
    public long PendingAlerts { get; }

    /// <summary>Fingerprint summaries waiting in the outbox.</summary>
    public long PendingFingerprints { get; }

    /// <summary>Entries waiting in the outbox (alerts + fingerprints).</summary>
    public long OutboxDepth => PendingAlerts + PendingFingerprints;

    /// <summary>Fingerprint summaries dropped (oldest first) because the outbox was over its bound, since the outbox was created.</summary>
    public long DroppedFingerprints { get; }

    /// <summary>Fingerprint summaries merged into a neighbour to save outbox space, since the outbox was created.</summary>
    public long CoalescedFingerprints { get; }

    /// <summary>Optional free text, e.g. "last will" or "shutdown".</summary>
    public string? Detail { get; }

    /// <summary>Why the device cannot write its outbox now (e.g. "disk full: ..."), or null when it can; alerts then wait in memory.</summary>
    public string? OutboxFault { get; }
}
