namespace EdgeSentinel.Protocol.Transport;

/// <summary>A CA file, client certificate or key could not be used (the message names the file and why).</summary>
public sealed class TlsCredentialsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TlsCredentialsException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TlsCredentialsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TlsCredentialsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
