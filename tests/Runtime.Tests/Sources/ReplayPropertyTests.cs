using System.Globalization;
using System.Text;
using EdgeSentinel.Runtime.Sensors;
using EdgeSentinel.Runtime.Sources;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Runtime.Tests.Sources;

public sealed class ReplayPropertyTests
{
    /// <summary>Any finite float32 written in round-trip form, in CSV or NDJSON, is read back bit for bit.</summary>
    [Property(MaxTest = 200, Replay = "(12345,67891)")]
    public bool FiniteValues_RoundTripExactly_InCsvAndNdjson(float[] row, bool ndjson)
    {
        float[] values = [.. row.Where(float.IsFinite).DefaultIfEmpty(0f).Take(20)];
        var text = new StringBuilder();
        if (ndjson)
        {
            text.Append('{').AppendJoin(',', values.Select((v, i) => $"\"f{i}\":{v.ToString("R", CultureInfo.InvariantCulture)}")).Append("}\n");
        }
        else
        {
            text.AppendJoin(',', values.Select((_, i) => $"f{i}")).Append('\n');
            text.AppendJoin(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        }

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.ToString()));
        ReplaySource source = ndjson
            ? ReplaySource.OpenNdjsonAsync(stream).GetAwaiter().GetResult()
            : ReplaySource.OpenCsvAsync(stream).GetAwaiter().GetResult();
        float[] frame = new float[values.Length];
        bool read = source.ReadFrameAsync(frame).AsTask().GetAwaiter().GetResult();
        bool end = !source.ReadFrameAsync(frame.ToArray()).AsTask().GetAwaiter().GetResult();
        return read && end && source.Problems.Count == 0
            && values.Zip(frame).All(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second) || (p.First == 0 && p.Second == 0));
    }

    /// <summary>Every raw sample scales linearly with the datasheet sensitivity of the configured range.</summary>
    [Property(MaxTest = 200, Replay = "(4242,1717)")]
    public bool Mpu6050_AnyRawSample_ScalesByTheRangeSensitivity(short ax, short gz, short temp, byte accelRange, byte gyroRange)
    {
        var accel = (AccelerometerRange)(accelRange % 4);
        var gyro = (GyroscopeRange)(gyroRange % 4);
        using var chip = new SimulatedMpu6050();
        var sensor = new Mpu6050(chip, new Mpu6050Options { AccelerometerRange = accel, GyroscopeRange = gyro }, new RuntimeHealthInbox(), new FakeTimeProvider());
        chip.SetRawSample(ax, 0, 0, temp, 0, 0, gz);
        if (!sensor.TryRead(out Mpu6050Reading r))
        {
            return false;
        }

        double[] accelLsb = [16384, 8192, 4096, 2048];
        double[] gyroLsb = [131, 65.5, 32.8, 16.4];
        double expectedAccel = ax / accelLsb[(int)accel] * 9.80665;
        double expectedGyro = gz / gyroLsb[(int)gyro] * Math.PI / 180;
        double expectedTemp = temp / 340.0 + 36.53;
        return Math.Abs(r.AccelerationX - expectedAccel) <= 1e-5 * Math.Max(1, Math.Abs(expectedAccel))
            && Math.Abs(r.AngularRateZ - expectedGyro) <= 1e-5 * Math.Max(1, Math.Abs(expectedGyro))
            && Math.Abs(r.TemperatureCelsius - expectedTemp) <= 1e-4 * Math.Max(1, Math.Abs(expectedTemp));
    }
}
