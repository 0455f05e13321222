using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;

namespace EdgeSentinel.Runtime.Onnx;

/// <summary>A tensor of a loaded model, bound once to ONNX Runtime: write inputs into it, read outputs and taps from it.</summary>
/// <remarks>
/// Owned by its <see cref="OnnxModelHost"/> and valid until the host is disposed. Not thread-safe.
/// Conversions from float: int64 rounds to nearest (NaN → 0, saturating); bool is true for any non-zero, non-NaN value.
/// </remarks>
public sealed class ModelTensor
{
    private readonly float[]? _float32;
    private readonly double[]? _float64;
    private readonly long[]? _int64;
    private readonly bool[]? _bool;
    private readonly long[] _shape;

    internal ModelTensor(string name, ModelTensorRole role, OnnxElementType elementType, long[] shape)
    {
        Name = name;
        Role = role;
        ElementType = elementType;
        _shape = shape;
        long count = 1;
        foreach (var d in shape)
        {
            // A negative or huge declared dimension must not wrap the product around or allocate gigabytes.
            if (d < 0 || (d > 0 && count > MaxElements / d))
            {
                throw new OnnxModelException(
                    $"Tensor '{name}' has shape [{string.Join(",", shape)}]: {(d < 0 ? "a negative dimension" : $"more than {MaxElements.ToString(CultureInfo.InvariantCulture)} elements")}, too many to bind.");
            }

            count *= d;
        }

        ElementCount = (int)count;
        switch (elementType)
        {
            case OnnxElementType.Float32:
                _float32 = new float[count];
                Value = OrtValue.CreateTensorValueFromMemory(_float32, shape);
                break;
            case OnnxElementType.Float64:
                _float64 = new double[count];
                Value = OrtValue.CreateTensorValueFromMemory(_float64, shape);
                break;
            case OnnxElementType.Int64:
                _int64 = new long[count];
                Value = OrtValue.CreateTensorValueFromMemory(_int64, shape);
                break;
            case OnnxElementType.Bool:
                _bool = new bool[count];
                Value = OrtValue.CreateTensorValueFromMemory(_bool, shape);
                break;
            default:
                throw new OnnxModelException(
                    $"Tensor '{name}' has element type {OnnxElementTypes.ToName(elementType)}; the host binds float32, float64, int64 and bool.");
        }
    }

    /// <summary>Most elements one bound tensor may have (64 MiB as float32); larger declared shapes are refused at load.</summary>
    public const long MaxElements = 1L << 24;

    /// <summary>Tensor name in the model.</summary>
    public string Name { get; }

    /// <summary>What the tensor is for.</summary>
    public ModelTensorRole Role { get; }

    /// <summary>Element type.</summary>
    public OnnxElementType ElementType { get; }

    /// <summary>Bound shape (dynamic dimensions fixed).</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>Number of elements.</summary>
    public int ElementCount { get; }

    internal OrtValue Value { get; }

    /// <summary>Names of the flattened elements: the tensor name when it has one element, else <c>name.k</c>.</summary>
    public IReadOnlyList<string> FlattenedNames() =>
        ElementCount == 1 ? [Name] : [.. Enumerable.Range(0, ElementCount).Select(k => Name + "." + k.ToString(CultureInfo.InvariantCulture))];

    /// <summary>The bound float32 buffer.</summary>
    public Span<float> AsFloat32Span() => _float32 ?? throw WrongType(OnnxElementType.Float32);

    /// <summary>The bound float64 buffer.</summary>
    public Span<double> AsFloat64Span() => _float64 ?? throw WrongType(OnnxElementType.Float64);

    /// <summary>The bound int64 buffer.</summary>
    public Span<long> AsInt64Span() => _int64 ?? throw WrongType(OnnxElementType.Int64);

    /// <summary>The bound bool buffer.</summary>
    public Span<bool> AsBoolSpan() => _bool ?? throw WrongType(OnnxElementType.Bool);

    /// <summary>Writes <paramref name="values"/> (exactly <see cref="ElementCount"/> of them) into the buffer, converting to the element type.</summary>
    public void CopyFrom(ReadOnlySpan<float> values)
    {
        if (values.Length != ElementCount)
        {
            ThrowWidth(values.Length);
        }

        if (_float32 is not null)
        {
            values.CopyTo(_float32);
        }
        else if (_float64 is not null)
        {
            for (var i = 0; i < values.Length; i++)
            {
                _float64[i] = values[i];
            }
        }
        else if (_int64 is not null)
        {
            for (var i = 0; i < values.Length; i++)
            {
                _int64[i] = ToInt64(values[i]);
            }
        }
        else
        {
            var b = _bool!;
            for (var i = 0; i < values.Length; i++)
            {
                b[i] = values[i] != 0f && !float.IsNaN(values[i]);
            }
        }
    }

    /// <summary>Reads the buffer as floats into <paramref name="destination"/> (at least <see cref="ElementCount"/> long).</summary>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length < ElementCount)
        {
            ThrowWidth(destination.Length);
        }

        if (_float32 is not null)
        {
            _float32.CopyTo(destination);
        }
        else if (_float64 is not null)
        {
            for (var i = 0; i < _float64.Length; i++)
            {
                destination[i] = (float)_float64[i];
            }
        }
        else if (_int64 is not null)
        {
            for (var i = 0; i < _int64.Length; i++)
            {
                destination[i] = _int64[i];
            }
        }
        else
        {
            var b = _bool!;
            for (var i = 0; i < b.Length; i++)
            {
                destination[i] = b[i] ? 1f : 0f;
            }
        }
    }

    internal void CopyFrom(ModelTensor source)
    {
        if (_float32 is not null)
        {
            source._float32.AsSpan().CopyTo(_float32);
        }
        else if (_float64 is not null)
        {
            source._float64.AsSpan().CopyTo(_float64);
        }
        else if (_int64 is not null)
        {
            source._int64.AsSpan().CopyTo(_int64);
        }
        else
        {
            source._bool.AsSpan().CopyTo(_bool);
        }
    }

    internal void Clear()
    {
        Array.Clear((Array?)_float32 ?? (Array?)_float64 ?? (Array?)_int64 ?? _bool!);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name}: {OnnxElementTypes.ToName(ElementType)}[{string.Join(",", _shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))}] ({Role})";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long ToInt64(float value)
    {
        if (float.IsNaN(value))
        {
            return 0;
        }

        var r = Math.Round((double)value, MidpointRounding.AwayFromZero);
        return r >= long.MaxValue ? long.MaxValue : r <= long.MinValue ? long.MinValue : (long)r;
    }

    private InvalidOperationException WrongType(OnnxElementType requested) =>
        new($"Tensor '{Name}' holds {OnnxElementTypes.ToName(ElementType)}, not {OnnxElementTypes.ToName(requested)}.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowWidth(int actual) =>
        throw new ArgumentException($"Tensor '{Name}' has {ElementCount.ToString(CultureInfo.InvariantCulture)} elements, got {actual.ToString(CultureInfo.InvariantCulture)} values.");
}
