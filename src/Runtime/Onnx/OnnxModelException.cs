namespace EdgeSentinel.Runtime.Onnx;

/// <summary>A model file cannot be used: not ONNX, inconsistent, unsupported, or not matching the host options.</summary>
/// <remarks>The message says what is wrong and where (tensor, dimension, option); it never is a bare ONNX Runtime stack trace.</remarks>
public sealed class OnnxModelException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OnnxModelException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public OnnxModelException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying failure.</summary>
    public OnnxModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
