using EdgeSentinel.Runtime.Sources;

namespace EdgeSentinel.Runtime.Sensors;

/// <summary>An MPU-6050 as a frame source: seven values per frame (accel X/Y/Z in m/s², gyro X/Y/Z in rad/s, temperature in °C).</summary>
/// <remarks>
/// When the chip cannot be read (I2C error, identity mismatch), the frame is filled with NaN and still delivered,
/// so the loop keeps its pace, the monitor counts non-finite inputs and the health event becomes a
/// <c>runtime-health</c> alert; the driver retries initialization on the next frame. The stream never ends.
/// Not thread-safe: one reader at a time. Completes synchronously, allocates nothing per frame.
/// </remarks>
public sealed class Mpu6050FrameSource : IFrameSource
{
    private readonly Mpu6050 _sensor;

    /// <summary>Wraps a driver (not owned).</summary>
    public Mpu6050FrameSource(Mpu6050 sensor)
    {
        ArgumentNullException.ThrowIfNull(sensor);
        _sensor = sensor;
    }

    /// <inheritdoc />
    public int Width => Mpu6050Reading.ValueCount;

    /// <inheritdoc />
    public IReadOnlyList<string> FeatureNames => Mpu6050.FeatureNames;

    /// <summary>Frames delivered as NaN because the chip could not be read.</summary>
    public long FailedFrames { get; private set; }

    /// <inheritdoc />
    public ValueTask<bool> ReadFrameAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        if (destination.Length < Width)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values but a frame has {Width}.", nameof(destination));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        if (_sensor.TryRead(out Mpu6050Reading reading))
        {
            reading.CopyTo(destination.Span);
        }
        else
        {
            FailedFrames++;
            destination.Span[..Width].Fill(float.NaN);
        }

        return new ValueTask<bool>(true);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
