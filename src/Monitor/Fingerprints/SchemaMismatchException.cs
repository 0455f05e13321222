namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>Two fingerprints, or a fingerprint and an observation, do not share a schema.</summary>
public sealed class SchemaMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SchemaMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public SchemaMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public SchemaMismatchException()
        : base("The schemas differ.")
    {
    }
}
