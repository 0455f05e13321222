using System.Globalization;
using EdgeSentinel.Monitor.Detection.Sequential;
using Xunit.Abstractions;

namespace EdgeSentinel.Monitor.Tests.Detection.Sequential;

/// <summary>
/// The calibrated ARL depends on which held-out rows were drawn; these tests repeat the single-stream
/// acceptance check over several held-out samples instead of one.
/// </summary>
/// <remarks>
/// Without clipping, t(4) scores calibrated at ARL 10^4 from 20 000 rows gave measured/target ratios
/// from 0.41 to 4.85 over these eight samples (alarms hinge on a few extreme held-out values); with
/// the default clip at ±4 they gave 0.87..1.12 (Gaussian: 0.89..1.20 either way).
/// </remarks>
public sealed class SequentialCalibratorHeldOutSampleTests
{
    private readonly ITestOutputHelper _output;

    public SequentialCalibratorHeldOutSampleTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Calibrate_EightHeldOutSamples_EachFreshNullArlWithin25Percent(bool heavyTailed)
    {
        const double target = 1e4;
        const int runs = 500;
        for (var sample = 1; sample <= 8; sample++)
        {
            var heldOut = new NullScoreGenerator(sample * 17).Rows(20_000, 1, 0, heavyTailed);
            var calibration = SequentialCalibrator.Calibrate(SequentialDetectorKind.Cusum, heldOut, 1, target, (ulong)sample);
            var bank = new SequentialDetectorBank(calibration);
            var fresh = new NullScoreGenerator((sample * 31) + 5);
            var row = new double[1];
            double sum = 0;
            for (var r = 0; r < runs; r++)
            {
                bank.Reset();
                long t = 0;
                do
                {
                    fresh.FillRow(row, 0, heavyTailed);
                    t++;
                }
                while (bank.Update(row) < 0);
                sum += t;
            }

            var ratio = sum / runs / target;
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sample {sample}: h = {calibration.Threshold:F3}, measured/target = {ratio:F3}"));
            Assert.InRange(ratio, 0.75, 1.25);
        }
    }
}
