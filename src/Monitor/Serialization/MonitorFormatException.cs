namespace EdgeSentinel.Monitor.Serialization;

/// <summary>
/// A serialized monitor object (sketch, fingerprint, baseline) could not be read: names what was
/// being read, where (byte offset) and why.
/// </summary>
public sealed class MonitorFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MonitorFormatException(string section, long offset, string reason)
        : base($"{section}: {reason} (at byte {offset})")
    {
        Section = section;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>Creates the exception without a position.</summary>
    public MonitorFormatException(string message)
        : base(message)
    {
        Section = string.Empty;
        Reason = message;
    }

    /// <summary>Creates the exception without a position.</summary>
    public MonitorFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Section = string.Empty;
        Reason = message;
    }

    /// <summary>Creates the exception with no message.</summary>
    public MonitorFormatException()
        : this("invalid monitor data")
    {
    }

    /// <summary>What was being read, e.g. <c>channel 'input.x3' quantile sketch</c>.</summary>
    public string Section { get; }

    /// <summary>Byte offset of the problem in the buffer being read, or -1 when unknown.</summary>
    public long Offset { get; } = -1;

    /// <summary>Why the data was refused.</summary>
    public string Reason { get; }
}
