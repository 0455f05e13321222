namespace EdgeSentinel.Runtime.Sources;

/// <summary>Counts of what a replay source has read so far.</summary>
/// <param name="RowsDelivered">Rows passed on as frames (including rows with non-finite values).</param>
/// <param name="RowsSkipped">Malformed rows dropped.</param>
/// <param name="NonFiniteRows">Rows passed on that hold at least one NaN or ±∞ value.</param>
/// <param name="ProblemsDropped">Problems counted but not kept because the problem list was full.</param>
/// <remarks>Immutable and thread-safe.</remarks>
public readonly record struct ReplayStatistics(long RowsDelivered, long RowsSkipped, long NonFiniteRows, long ProblemsDropped);
