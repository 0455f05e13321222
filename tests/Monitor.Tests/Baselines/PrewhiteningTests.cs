using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;

namespace EdgeSentinel.Monitor.Tests.Baselines;

/// <summary>
/// Sensor streams are autocorrelated in time. The monitor prewhitens such streams with their
/// training lag-1 autocorrelation, so that the bootstrap-calibrated false-alarm rate still holds.
/// </summary>
public sealed class PrewhiteningTests
{
    private static readonly FingerprintSchema Schema = FingerprintSchema.CreateBuilder()
        .AddInputs(["slow", "fast"]).AddOutputs(["y"], OutputKind.Regression).Build();

    private static readonly ModelIdentity Identity = ModelIdentity.FromModelBytes("ar1"u8,
        [new TensorSignature("x", "float32", [1, 2])], [new TensorSignature("y", "float32", [1, 1])]);

    /// <summary>Input "slow" is AR(1) with ρ = 0.9 and unit variance; "fast" is white noise; the output y copies "fast".</summary>
    private sealed class Stream(int seed)
    {
        private readonly Random _random = new(seed);
        private double _slow;

        private const double Rho = 0.9;

        public void Next(Span<float> x, Span<float> y)
        {
            _slow = (Rho * _slow) + (Math.Sqrt(1 - (Rho * Rho)) * Gaussian());
            x[0] = (float)_slow;
            x[1] = (float)Gaussian();
            y[0] = x[1];
        }

        private double Gaussian() =>
            Math.Sqrt(-2.0 * Math.Log(1.0 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
    }

    private static Baseline Build()
    {
        var builder = new BaselineBuilder(Schema, Identity, new BaselineOptions
        {
            TargetAverageRunLength = 2e3,
            CalibrationBlockLength = 50,
            MinHeldOutRows = 1000,
            Seed = 5,
        });
        var stream = new Stream(1);
        var x = new float[2];
        var y = new float[1];
        for (var r = 0; r < 30_000; r++)
        {
            stream.Next(x, y);
            if (r < 20_000)
            {
                builder.AddTraining(x, y, []);
            }
            else
            {
                builder.AddHeldOut(x, y, []);
            }
        }

        return builder.Build();
    }

    [Fact]
    public void Build_AutocorrelatedInput_EstimatesItsLagOneAutocorrelation()
    {
        var baseline = Build();
        var rho = baseline.Scoring.Autocorrelation;

        // Streams: input.slow (AR(1), ρ = 0.9), input.fast and output.y (white: ρ below 0.2 counts as 0).
        Assert.InRange(rho[0], 0.88, 0.92);
        Assert.Equal(0, rho[1]);
        Assert.Equal(0, rho[2]);
        Assert.Equal(rho, Baseline.FromBytes(baseline.ToBytes()).Scoring.Autocorrelation);
    }

    [Fact]
    public void Observe_CleanAutocorrelatedStream_FalseAlarmsNearTheCalibratedRate()
    {
        var monitor = new DriftMonitor(Build());
        var stream = new Stream(2);
        var x = new float[2];
        var y = new float[1];
        const int Samples = 200_000;
        for (var i = 0; i < Samples; i++)
        {
            stream.Next(x, y);
            monitor.Observe(x, y, [], 0);
            while (monitor.TryTakeWindow(out var window))
            {
                monitor.ReturnWindow(window);
            }

            while (monitor.TryTakeSequentialAlarm(out _))
            {
            }
        }

        // Calibrated for one false alarm per 2000 samples: 100 expected in 200,000. The bootstrap's
        // stated accuracy (±25%) and Poisson noise (±2·10) give 55..145.
        Assert.InRange(monitor.Counters.SequentialAlarms, 55, 145);
    }

    [Fact]
    public void AnalyzeWindow_AutocorrelatedInput_CleanWindowsQuietShiftStillFound()
    {
        var monitor = new DriftMonitor(Build());
        var stream = new Stream(3);
        var x = new float[2];
        var y = new float[1];
        var flagged = new List<long>();
        for (var i = 0; i < 256 * 120; i++)
        {
            stream.Next(x, y);
            if (i >= 256 * 100)
            {
                // From window 100 on the slow input reads 2 sd high. (For ρ = 0.9 a 256-row window mean has
                // sd √(1.9/0.1/256) ≈ 0.27, so 1 sd is only ~3.7 of those: at 1e-4 per window across
                // channels that is at the edge of what any window test can see; 2 sd is ~7.3.)
                x[0] += 2f;
            }

            monitor.Observe(x, y, [], 0);
            while (monitor.TryTakeSequentialAlarm(out _))
            {
            }

            while (monitor.TryTakeWindow(out var window))
            {
                var report = monitor.AnalyzeWindow(window);
                monitor.ReturnWindow(window);
                if (report.Signals.Any(s => s.Kind == EdgeSentinel.Monitor.Alerts.AlertKind.InputDrift && s.Score >= s.Threshold))
                {
                    flagged.Add(report.FirstSample / 256);
                }
            }
        }

        // 100 clean windows at 1e-4 per window: none expected (without the effective-size correction the
        // KS test treats 256 correlated rows as independent and flags many). The shift is found within 4 windows.
        Assert.DoesNotContain(flagged, w => w < 100);
        Assert.Contains(flagged, w => w is >= 100 and < 104);
    }
}
