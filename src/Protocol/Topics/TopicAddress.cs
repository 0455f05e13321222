namespace EdgeSentinel.Protocol.Topics;

/// <summary>The parts of a valid EdgeSentinel topic: fleet, device and kind.</summary>
/// <remarks>Immutable. Build one with <see cref="EdgeTopics.TryParse"/> or <see cref="EdgeTopics.Address"/>, which validate the identifiers.</remarks>
public readonly record struct TopicAddress
{
    internal TopicAddress(string fleet, string device, TopicKind kind)
    {
        Fleet = fleet;
        Device = device;
        Kind = kind;
    }

    /// <summary>The fleet id (valid per <see cref="Identifiers"/>).</summary>
    public string Fleet { get; }

    /// <summary>The device id (valid per <see cref="Identifiers"/>).</summary>
    public string Device { get; }

    /// <summary>What the message is.</summary>
    public TopicKind Kind { get; }

    /// <summary>The topic string, <c>edgesentinel/v1/{fleet}/{device}/{kind}</c>.</summary>
    public string Topic => EdgeTopics.Build(Fleet, Device, Kind);

    /// <summary>The same device with another kind.</summary>
    public TopicAddress WithKind(TopicKind kind) => EdgeTopics.Address(Fleet, Device, kind);

    /// <inheritdoc/>
    public override string ToString() => Topic;
}
