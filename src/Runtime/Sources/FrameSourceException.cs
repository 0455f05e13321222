namespace EdgeSentinel.Runtime.Sources;

/// <summary>A source cannot be used at all (missing file, header that does not match the expected width); bad single rows are reported as <see cref="FrameProblem"/>s instead.</summary>
public sealed class FrameSourceException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public FrameSourceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public FrameSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public FrameSourceException()
        : base("The frame source cannot be used.")
    {
    }
}
