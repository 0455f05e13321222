namespace EdgeSentinel.Monitor.Baselines;

/// <summary>A baseline was applied to a model it was not built for.</summary>
public sealed class ModelIdentityMismatchException : Exception
{
    /// <summary>Creates the exception listing every difference.</summary>
    public ModelIdentityMismatchException(ModelIdentity expected, ModelIdentity actual, IReadOnlyList<string> differences)
        : base("model-identity: the baseline was built for another model: " + string.Join("; ", differences ?? []))
    {
        Expected = expected;
        Actual = actual;
        Differences = differences ?? [];
    }

    /// <summary>Creates the exception with a message.</summary>
    public ModelIdentityMismatchException(string message)
        : base(message)
    {
        Differences = [];
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ModelIdentityMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
        Differences = [];
    }

    /// <summary>Creates the exception with a default message.</summary>
    public ModelIdentityMismatchException()
        : this("model-identity: the baseline was built for another model")
    {
    }

    /// <summary>The identity the baseline was built for.</summary>
    public ModelIdentity? Expected { get; }

    /// <summary>The identity of the loaded model.</summary>
    public ModelIdentity? Actual { get; }

    /// <summary>Each difference, readable.</summary>
    public IReadOnlyList<string> Differences { get; }
}
