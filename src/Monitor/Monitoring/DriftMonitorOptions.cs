namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>Options of a <see cref="DriftMonitor"/>; plain, with documented defaults.</summary>
public sealed class DriftMonitorOptions
{
    /// <summary>Window buffers in rotation between the inference and analysis threads. Default 4.</summary>
    public int WindowBuffers { get; set; } = 4;

    /// <summary>Capacity of each event queue (sequential alarms, activation anomalies). Default 256.</summary>
    public int EventQueueCapacity { get; set; } = 256;

    /// <summary>Window size override; 0 uses the baseline's calibrated window size. Default 0.</summary>
    public int WindowSize { get; set; }

    /// <summary>Every problem, each naming the property; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (WindowBuffers is < 2 or > 64)
        {
            problems.Add($"WindowBuffers: {WindowBuffers} must be in 2..64");
        }

        if (EventQueueCapacity is < 1 or > 1 << 20)
        {
            problems.Add($"EventQueueCapacity: {EventQueueCapacity} must be in 1..1048576");
        }

        if (WindowSize != 0 && (WindowSize < Baselines.BaselineOptions.MinWindowSize || WindowSize > Baselines.BaselineOptions.MaxWindowSize))
        {
            problems.Add($"WindowSize: {WindowSize} must be 0 (baseline's) or in {Baselines.BaselineOptions.MinWindowSize}..{Baselines.BaselineOptions.MaxWindowSize}");
        }

        return problems;
    }
}
