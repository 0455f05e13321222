namespace EdgeSentinel.Runtime.Sources;

/// <summary>Produces input frames, one row of <see cref="Width"/> float values per call, into a caller-owned buffer.</summary>
/// <remarks>
/// A source is read by one thread at a time (the inference loop); implementations are not required to be
/// thread-safe. The caller owns the destination buffer and may reuse it for every frame.
/// </remarks>
public interface IFrameSource : IAsyncDisposable
{
    /// <summary>The number of values in one frame.</summary>
    int Width { get; }

    /// <summary>The feature name of each value in a frame (length <see cref="Width"/>).</summary>
    IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Writes the next frame into the first <see cref="Width"/> values of <paramref name="destination"/>; false at the end of the stream.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Width"/>.</exception>
    ValueTask<bool> ReadFrameAsync(Memory<float> destination, CancellationToken cancellationToken = default);
}
