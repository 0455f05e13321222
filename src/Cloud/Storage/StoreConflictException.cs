namespace EdgeSentinel.Cloud.Storage;

/// <summary>A message contradicts what is stored (e.g. it updates another device's alert); nothing of it was stored.</summary>
public sealed class StoreConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreConflictException()
    {
    }

    /// <summary>Creates the exception with a message naming the conflict.</summary>
    public StoreConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public StoreConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
