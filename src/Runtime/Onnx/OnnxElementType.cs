namespace EdgeSentinel.Runtime.Onnx;

#pragma warning disable CA1720 // The members are the ONNX element type names.

/// <summary>ONNX tensor element types; the numeric values are the ONNX <c>TensorProto.DataType</c> codes.</summary>
public enum OnnxElementType
{
    /// <summary>Unknown or not declared.</summary>
    Undefined = 0,

    /// <summary>32-bit IEEE float (<c>float32</c>).</summary>
    Float32 = 1,

    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,

    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 3,

    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 4,

    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 5,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 6,

    /// <summary>Signed 64-bit integer (<c>int64</c>).</summary>
    Int64 = 7,

    /// <summary>String (not supported by the model host).</summary>
    String = 8,

    /// <summary>Boolean, one byte per element (<c>bool</c>).</summary>
    Bool = 9,

    /// <summary>16-bit IEEE float.</summary>
    Float16 = 10,

    /// <summary>64-bit IEEE float (<c>float64</c>).</summary>
    Float64 = 11,

    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 12,

    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 13,
}
