namespace EdgeSentinel.Runtime.Sources;

/// <summary>Adapts an <see cref="ISimulatedWorld"/> to <see cref="IFrameSource"/>; completes synchronously and allocates nothing per frame.</summary>
/// <remarks>Not thread-safe: one reader at a time, like the world it wraps.</remarks>
public sealed class SimulatorFrameSource : IFrameSource
{
    private readonly ISimulatedWorld _world;
    private readonly string[] _names;

    /// <summary>Wraps <paramref name="world"/>; its feature names are copied once.</summary>
    /// <exception cref="ArgumentException">The world names no features.</exception>
    public SimulatorFrameSource(ISimulatedWorld world)
    {
        ArgumentNullException.ThrowIfNull(world);
        _world = world;
        _names = [.. world.FeatureNames];
        if (_names.Length == 0)
        {
            throw new ArgumentException("The simulated world names no features.", nameof(world));
        }
    }

    /// <inheritdoc />
    public int Width => _names.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> FeatureNames => _names;

    /// <summary>The number of frames produced so far.</summary>
    public long FramesProduced { get; private set; }

    /// <inheritdoc />
    public ValueTask<bool> ReadFrameAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        if (destination.Length < Width)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values but a frame has {Width}.", nameof(destination));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        bool produced = _world.TryStep(destination.Span[..Width]);
        if (produced)
        {
            FramesProduced++;
        }

        return new ValueTask<bool>(produced);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => (_world as IAsyncDisposable)?.DisposeAsync() ?? ValueTask.CompletedTask;
}
