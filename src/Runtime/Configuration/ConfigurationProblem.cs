namespace EdgeSentinel.Runtime.Configuration;

/// <summary>One problem in a device configuration file, located by its JSON path (e.g. <c>$.interlock.rules[1].severity</c>).</summary>
/// <param name="Path">The JSON path of the offending value (or of the object missing a property).</param>
/// <param name="Message">What is wrong and what was expected.</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record ConfigurationProblem(string Path, string Message)
{
    /// <summary>Formats the problem as "path: message".</summary>
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>A device configuration file has problems; <see cref="Problems"/> lists every one of them.</summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception for a file and its problems.</summary>
    public ConfigurationException(string file, IReadOnlyList<ConfigurationProblem> problems)
        : base(FormatMessage(file, problems))
    {
        ArgumentNullException.ThrowIfNull(problems);
        File = file;
        Problems = problems;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public ConfigurationException(string message)
        : base(message)
    {
        File = string.Empty;
        Problems = [];
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = string.Empty;
        Problems = [];
    }

    /// <summary>Creates the exception with a default message.</summary>
    public ConfigurationException()
        : this("The device configuration is invalid.")
    {
    }

    /// <summary>The configuration file.</summary>
    public string File { get; }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<ConfigurationProblem> Problems { get; }

    private static string FormatMessage(string file, IReadOnlyList<ConfigurationProblem> problems) =>
        $"Device configuration '{file}' has {problems?.Count ?? 0} problem(s):" + Environment.NewLine +
        string.Join(Environment.NewLine, (problems ?? []).Select(p => "  " + p));
}
