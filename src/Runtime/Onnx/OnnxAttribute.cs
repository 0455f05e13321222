using EdgeSentinel.Runtime.Onnx.Protos;
using Google.Protobuf;

namespace EdgeSentinel.Runtime.Onnx;

#pragma warning disable CA1711, CA1720 // "Attribute" is the ONNX concept (AttributeProto); factories are named after ONNX attribute types.

/// <summary>A node attribute (e.g. <c>transB = 1</c> on Gemm, <c>axis = -1</c> on Softmax).</summary>
/// <remarks>Immutable; create with the static factories.</remarks>
public sealed class OnnxAttribute
{
    private readonly AttributeProto _proto;

    private OnnxAttribute(AttributeProto proto) => _proto = proto;

    /// <summary>Attribute name.</summary>
    public string Name => _proto.Name;

    /// <summary>An integer attribute.</summary>
    public static OnnxAttribute Int(string name, long value) =>
        new(new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Int, I = value });

    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Float(string name, float value) =>
        new(new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Float, F = value });

    /// <summary>A string attribute (UTF-8).</summary>
    public static OnnxAttribute String(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) });
    }

    /// <summary>A list-of-integers attribute.</summary>
    public static OnnxAttribute Ints(string name, params long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var proto = new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Ints };
        proto.Ints.AddRange(values);
        return new(proto);
    }

    /// <summary>A list-of-floats attribute.</summary>
    public static OnnxAttribute Floats(string name, params float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var proto = new AttributeProto { Name = CheckName(name), Type = AttributeProto.Types.AttributeType.Floats };
        proto.Floats.AddRange(values);
        return new(proto);
    }

    internal AttributeProto ToProto() => _proto.Clone();

    private static string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return name;
    }
}
