using System.Globalization;

namespace EdgeSentinel.Runtime.Onnx;

/// <summary>One dimension of a declared tensor shape: a fixed size, a named dynamic size (<c>dim_param</c>) or an unnamed dynamic size.</summary>
/// <remarks>Immutable. A <see cref="long"/> converts implicitly to a fixed dimension.</remarks>
public readonly record struct OnnxDimension
{
    private OnnxDimension(long? value, string? parameter)
    {
        Value = value;
        Parameter = parameter;
    }

    /// <summary>The fixed size, or null for a dynamic dimension.</summary>
    public long? Value { get; }

    /// <summary>The name of a dynamic dimension (e.g. <c>batch</c>), or null.</summary>
    public string? Parameter { get; }

    /// <summary>Whether the size is only known at run time.</summary>
    public bool IsDynamic => Value is null;

    /// <summary>A fixed dimension.</summary>
    public static OnnxDimension Fixed(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new(value, null);
    }

    /// <summary>A named dynamic dimension (<c>dim_param</c>).</summary>
    public static OnnxDimension Dynamic(string parameter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parameter);
        return new(null, parameter);
    }

    /// <summary>A dynamic dimension without a name.</summary>
    public static OnnxDimension Unknown => new(null, null);

    /// <summary>A fixed dimension of <paramref name="value"/>.</summary>
    public static implicit operator OnnxDimension(long value) => Fixed(value);

    /// <summary>Same as the implicit conversion.</summary>
    public static OnnxDimension FromInt64(long value) => Fixed(value);

    /// <inheritdoc />
    public override string ToString() =>
        Value is { } v ? v.ToString(CultureInfo.InvariantCulture) : Parameter ?? "?";
}
