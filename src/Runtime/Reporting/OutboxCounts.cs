namespace EdgeSentinel.Runtime.Reporting;

/// <summary>A snapshot of the device outbox: what waits, what the bound policy dropped or merged, and the next sequence number.</summary>
/// <param name="PendingAlerts">Alerts waiting in the outbox (for the broker's acknowledgement, or for the aggregator's when end-to-end acknowledgement is on).</param>
/// <param name="PendingFingerprints">Fingerprint summaries waiting for a broker acknowledgement.</param>
/// <param name="DroppedFingerprints">Fingerprint summaries dropped oldest-first because the outbox was over its bound (since the outbox file was created).</param>
/// <param name="CoalescedFingerprints">Fingerprint summaries merged into their older neighbour (since the outbox file was created).</param>
/// <param name="NextSequence">The sequence number the next message will get (persisted; never goes back).</param>
/// <param name="AwaitingStoredAck">Entries (counted in the pending figures) the broker acknowledged that wait for the aggregator's stored acknowledgement.</param>
public readonly record struct OutboxCounts(long PendingAlerts, long PendingFingerprints, long DroppedFingerprints, long CoalescedFingerprints, long NextSequence, long AwaitingStoredAck = 0)
{
    /// <summary>Entries waiting (alerts + fingerprints).</summary>
    public long Depth => PendingAlerts + PendingFingerprints;
}
