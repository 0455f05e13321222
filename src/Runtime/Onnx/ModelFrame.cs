namespace EdgeSentinel.Runtime.Onnx;

/// <summary>One inference as float views for <c>DriftMonitor.Observe</c>: flattened inputs, outputs, all taps concatenated, and the latency.</summary>
/// <remarks>The spans point into the host's buffers and are overwritten by the next <see cref="OnnxModelHost.Run"/>.</remarks>
public readonly ref struct ModelFrame
{
    internal ModelFrame(long index, ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputs, ReadOnlySpan<float> taps, double latencyMilliseconds)
    {
        Index = index;
        Inputs = inputs;
        Outputs = outputs;
        Taps = taps;
        LatencyMilliseconds = latencyMilliseconds;
    }

    /// <summary>0-based frame number since the host was loaded.</summary>
    public long Index { get; }

    /// <summary>Monitored inputs, flattened in input order (non-float types converted to float).</summary>
    public ReadOnlySpan<float> Inputs { get; }

    /// <summary>Monitored outputs, flattened in output order (state outputs excluded).</summary>
    public ReadOnlySpan<float> Outputs { get; }

    /// <summary>Tapped activations, concatenated in tap order.</summary>
    public ReadOnlySpan<float> Taps { get; }

    /// <summary>Time spent in ONNX Runtime for this frame, in milliseconds.</summary>
    public double LatencyMilliseconds { get; }
}
