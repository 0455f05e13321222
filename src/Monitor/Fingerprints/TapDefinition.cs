namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>An activation tap: a wide internal tensor reduced by a fixed random projection.</summary>
/// <param name="Name">Tap name (the tensor name in the model, or a short alias).</param>
/// <param name="Width">Number of elements of the tapped tensor per inference.</param>
/// <param name="ProjectedDimension">Dimension after projection.</param>
/// <param name="ProjectionSeed">Seed of the projection matrix; stored so the device projects identically.</param>
public sealed record TapDefinition(string Name, int Width, int ProjectedDimension, ulong ProjectionSeed);
