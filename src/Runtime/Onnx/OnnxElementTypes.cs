using System.Globalization;

namespace EdgeSentinel.Runtime.Onnx;

/// <summary>Names and sizes of <see cref="OnnxElementType"/> values.</summary>
public static class OnnxElementTypes
{
    /// <summary>The name used in model identities and messages, e.g. <c>float32</c>, <c>int64</c>, <c>bool</c>.</summary>
    public static string ToName(OnnxElementType type) => type switch
    {
        OnnxElementType.Float32 => "float32",
        OnnxElementType.Float64 => "float64",
        OnnxElementType.Int64 => "int64",
        OnnxElementType.Int32 => "int32",
        OnnxElementType.Int16 => "int16",
        OnnxElementType.Int8 => "int8",
        OnnxElementType.UInt8 => "uint8",
        OnnxElementType.UInt16 => "uint16",
        OnnxElementType.UInt32 => "uint32",
        OnnxElementType.UInt64 => "uint64",
        OnnxElementType.Bool => "bool",
        OnnxElementType.Float16 => "float16",
        OnnxElementType.String => "string",
        OnnxElementType.Undefined => "undefined",
        _ => "type" + ((int)type).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Whether the model host can bind tensors of this type (float32, float64, int64, bool).</summary>
    public static bool IsSupportedByHost(OnnxElementType type) =>
        type is OnnxElementType.Float32 or OnnxElementType.Float64 or OnnxElementType.Int64 or OnnxElementType.Bool;
}
