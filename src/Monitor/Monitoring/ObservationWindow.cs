namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>
/// A block of consecutive observations, stored per channel (column-major), handed from the
/// inference thread to the analysis thread and back.
/// </summary>
/// <remarks>
/// Owned by one thread at a time: the monitor fills it, <see cref="DriftMonitor.TryTakeWindow"/>
/// hands it over, <see cref="DriftMonitor.ReturnWindow"/> gives it back for reuse.
/// </remarks>
public sealed class ObservationWindow
{
    private readonly double[] _values;

    internal ObservationWindow(int channels, int capacity)
    {
        Channels = channels;
        Capacity = capacity;
        _values = new double[checked(channels * capacity)];
    }

    /// <summary>Number of channels.</summary>
    public int Channels { get; }

    /// <summary>Observations the window holds when full.</summary>
    public int Capacity { get; }

    /// <summary>Observations written.</summary>
    public int Count { get; internal set; }

    /// <summary>Index of the first observation.</summary>
    public long FirstSample { get; internal set; }

    /// <summary>Index of the last observation.</summary>
    public long LastSample => FirstSample + Count - 1;

    /// <summary>Values of one channel, in observation order.</summary>
    public ReadOnlySpan<double> Column(int channel) => _values.AsSpan(channel * Capacity, Count);

    internal void Write(int position, ReadOnlySpan<double> row)
    {
        var capacity = Capacity;
        var values = _values;
        for (var c = 0; c < row.Length; c++)
        {
            values[(c * capacity) + position] = row[c];
        }
    }

    /// <summary>Copies one observation (all channels) into <paramref name="row"/>.</summary>
    internal void ReadRow(int position, Span<double> row)
    {
        for (var c = 0; c < row.Length; c++)
        {
            row[c] = _values[(c * Capacity) + position];
        }
    }
}
