namespace EdgeSentinel.Protocol.Topics;

/// <summary>The last segment of an EdgeSentinel topic: what a message is.</summary>
/// <remarks>Numeric values are written in the binary envelope; they are stable and never reused.</remarks>
public enum TopicKind
{
    /// <summary>An alert lifecycle step (device → cloud, JSON).</summary>
    Alert = 1,

    /// <summary>A fingerprint summary of a window (device → cloud, binary).</summary>
    Fingerprint = 2,

    /// <summary>The device's status, retained; the last will sets it offline (device → cloud, JSON).</summary>
    Status = 3,

    /// <summary>A command to a device, signed with the fleet operator key (cloud → device, JSON).</summary>
    Command = 4,
}
