namespace EdgeSentinel.Runtime.Onnx;

/// <summary>How an initializer's values are stored in the model file.</summary>
public enum OnnxTensorEncoding
{
    /// <summary>Little-endian bytes in <c>raw_data</c> (what exporters usually write).</summary>
    RawData,

    /// <summary>The typed repeated field (<c>float_data</c>, <c>double_data</c>, <c>int64_data</c>, <c>int32_data</c> for bool).</summary>
    TypedFields,
}
