namespace EdgeSentinel.Runtime.Onnx;

/// <summary>Name, element type and shape of a tensor of a model (-1 marks a dynamic dimension), and the node producing it if any.</summary>
/// <remarks>Immutable.</remarks>
public sealed record TensorInfo(string Name, OnnxElementType ElementType, IReadOnlyList<long> Shape, string? OpType = null, string? NodeName = null)
{
    /// <summary>Shape as text, e.g. <c>[1,16]</c>, <c>?</c> for dynamic dimensions.</summary>
    public string ShapeText => "[" + string.Join(",", Shape.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {OnnxElementTypes.ToName(ElementType)}{ShapeText}";
}
