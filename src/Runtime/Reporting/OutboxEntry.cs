using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Runtime.Reporting;

/// <summary>One outbox row: the body to send and, once it was first sent, its sequence number and encoded envelope.</summary>
internal sealed record OutboxEntry(long Id, TopicKind Kind, long CreatedMilliseconds, byte[] Body, long? Sequence, byte[]? Wire);
