using EdgeSentinel.Monitor.Decisions;

namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>One named stream of numbers in a fingerprint.</summary>
/// <param name="Name">Unique name, e.g. <c>input.range0</c>, <c>derived.entropy</c>, <c>tap.h2.p3</c>.</param>
/// <param name="Role">Where the values come from.</param>
/// <param name="ValueKind">Continuous or categorical.</param>
/// <param name="CategoryCount">Number of categories for a categorical channel; 0 otherwise.</param>
/// <param name="Index">Position of the channel in the schema.</param>
public sealed record ChannelDefinition(string Name, ChannelRole Role, ChannelValueKind ValueKind, int CategoryCount, int Index);
