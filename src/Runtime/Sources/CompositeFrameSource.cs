namespace EdgeSentinel.Runtime.Sources;

/// <summary>Concatenates several sources into one frame (e.g. an IMU followed by GPIO inputs); ends when any part ends.</summary>
/// <remarks>Not thread-safe: one reader at a time. Owns its parts and disposes them.</remarks>
public sealed class CompositeFrameSource : IFrameSource
{
    private readonly IFrameSource[] _parts;
    private readonly string[] _names;

    /// <summary>Combines <paramref name="parts"/> in order.</summary>
    /// <exception cref="ArgumentException">No parts, or two parts share a feature name.</exception>
    public CompositeFrameSource(IReadOnlyList<IFrameSource> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("At least one source is needed.", nameof(parts));
        }

        _parts = [.. parts];
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (IFrameSource part in _parts)
        {
            ArgumentNullException.ThrowIfNull(part, nameof(parts));
            foreach (string name in part.FeatureNames)
            {
                if (!seen.Add(name))
                {
                    throw new ArgumentException($"Feature name '{name}' is produced by more than one source.", nameof(parts));
                }

                names.Add(name);
            }
        }

        _names = [.. names];
    }

    /// <inheritdoc />
    public int Width => _names.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> FeatureNames => _names;

    /// <inheritdoc />
    public async ValueTask<bool> ReadFrameAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        if (destination.Length < Width)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values but a frame has {Width}.", nameof(destination));
        }

        int offset = 0;
        foreach (IFrameSource part in _parts)
        {
            if (!await part.ReadFrameAsync(destination.Slice(offset, part.Width), cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            offset += part.Width;
        }

        return true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (IFrameSource part in _parts)
        {
            await part.DisposeAsync().ConfigureAwait(false);
        }
    }
}
