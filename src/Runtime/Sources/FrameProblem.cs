namespace EdgeSentinel.Runtime.Sources;

/// <summary>One bad row of a recording: where it is, what was wrong, and whether the row was skipped or passed on.</summary>
/// <param name="LineNumber">1-based line number in the file (the CSV header is line 1).</param>
/// <param name="RowNumber">1-based data row number (header and blank lines excluded), counting skipped rows too.</param>
/// <param name="Kind">What was wrong.</param>
/// <param name="Reason">A specific, human-readable reason naming the column or key.</param>
/// <param name="Skipped">True when the row was dropped; false when it was passed on (non-finite values).</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record FrameProblem(long LineNumber, long RowNumber, FrameProblemKind Kind, string Reason, bool Skipped)
{
    /// <summary>Formats the problem as "line L (row R): reason [skipped|passed on]".</summary>
    public override string ToString() =>
        $"line {LineNumber} (row {RowNumber}): {Reason} [{(Skipped ? "skipped" : "passed on")}]";
}

/// <summary>Kinds of bad rows in a recording.</summary>
public enum FrameProblemKind
{
    /// <summary>A value is NaN or ±∞ (the row is passed on with those values).</summary>
    NonFiniteValue = 0,

    /// <summary>The row has a different number of values than the header.</summary>
    WrongWidth = 1,

    /// <summary>A value is not a number in the invariant culture.</summary>
    UnparsableNumber = 2,

    /// <summary>An NDJSON row lacks a feature key.</summary>
    MissingKey = 3,

    /// <summary>An NDJSON row has a key that is not a feature or repeats one.</summary>
    UnexpectedKey = 4,

    /// <summary>The row is not well-formed (bad JSON, not an object, empty row).</summary>
    Malformed = 5,
}
