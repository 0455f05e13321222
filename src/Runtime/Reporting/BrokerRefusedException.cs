namespace EdgeSentinel.Runtime.Reporting;

/// <summary>The broker refused a connection (CONNACK result code) or a publish (PUBACK reason code).</summary>
public sealed class BrokerRefusedException : Exception
{
    /// <summary>Creates the exception with the broker's code and reason.</summary>
    public BrokerRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public BrokerRefusedException()
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    public BrokerRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
