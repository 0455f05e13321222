namespace EdgeSentinel.Monitor.Baselines;

/// <summary>Name, element type and shape of one model input or output; -1 marks a dynamic dimension.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class TensorSignature : IEquatable<TensorSignature>
{
    private readonly long[] _shape;

    /// <summary>Creates a signature.</summary>
    public TensorSignature(string name, string elementType, IEnumerable<long> shape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(elementType);
        ArgumentNullException.ThrowIfNull(shape);
        _shape = [.. shape];
        foreach (var d in _shape)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(d, -1, nameof(shape));
        }

        Name = name;
        ElementType = elementType;
    }

    /// <summary>Tensor name in the model.</summary>
    public string Name { get; }

    /// <summary>Element type, e.g. <c>float32</c>, <c>int64</c>.</summary>
    public string ElementType { get; }

    /// <summary>Dimensions; -1 for a dynamic one.</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <inheritdoc />
    public bool Equals(TensorSignature? other) =>
        other is not null && other.Name == Name && other.ElementType == ElementType && other._shape.AsSpan().SequenceEqual(_shape);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TensorSignature);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, ElementType, _shape.Length);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name}: {ElementType}[{string.Join(",", _shape.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";
}
