using EdgeSentinel.Cloud.Storage;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;

namespace EdgeSentinel.Dashboard.Benchmarks;

/// <summary>Fills a store with a fleet as devices would (status, window fingerprints, alert lifecycles), deterministically from a seed.</summary>
internal static class FleetData
{
    private const int WindowSize = 64;
    private static readonly string[] Kinds = ["input-drift", "behavior-divergence", "activation-anomaly", "cue-sensitivity", "runtime-health"];
    private static readonly string[] Severities = ["info", "warning", "critical"];

    public static async Task FillAsync(IAggregatorStore store, int devices, int alerts, double openShare, int windowsPerDevice, DateTimeOffset now, int seed)
    {
        var baseline = BuildBaseline(seed);
        var random = new Random(seed);
        var sequence = new Dictionary<string, long>(StringComparer.Ordinal);
        long Next(string device) => sequence[device] = sequence.GetValueOrDefault(device) + 1;

        for (var d = 0; d < devices; d++)
        {
            var (fleet, device) = Name(d);
            await store.StoreStatusAsync(new MessageKey(fleet, device, Next(device)), now, new DeviceStatusReport("online", null, random.Next(0, 50), 0, now));
            var monitor = new DriftMonitor(baseline, new DriftMonitorOptions { WindowSize = WindowSize });
            var shift = d % 10 == 9 ? 1.0 : 0.0; // every tenth device drifts
            var w = 0;
            foreach (var fingerprint in Windows(monitor, random, windowsPerDevice, shift))
            {
                var start = now.AddHours(-23).AddMinutes(w++ * (23.0 * 60 / windowsPerDevice));
                await store.StoreFingerprintAsync(
                    new MessageKey(fleet, device, Next(device)),
                    now,
                    new StoredFingerprint(fleet, device, sequence[device], baseline.Model.Sha256, start, start.AddMinutes(1), fingerprint.ObservationCount, fingerprint.ToBytes()));
            }
        }

        for (var a = 0; a < alerts; a++)
        {
            var (fleet, device) = Name(a % devices);
            var raised = now.AddSeconds(-random.Next(1, 7 * 24 * 3600));
            var state = random.NextDouble() < openShare ? (random.Next(3) == 0 ? "escalated" : "raised") : "cleared";
            var evidence = $$"""{"statistic":"min-holm-adjusted-p","value":{{random.NextDouble() * 1e-5}},"threshold":0.0001,"falseAlarmRate":0.0001,"falseAlarmUnit":"per window","topChannels":[{"channel":"input.x","statistic":"ks","value":0.3,"effectSize":0.3},{"channel":"input.y","statistic":"ks","value":0.2,"effectSize":0.2}]}""";
            var alert = new StoredAlert($"{device}-a{a}", fleet, device, baseline.Model.Sha256, Kinds[random.Next(Kinds.Length)], "inputs", Severities[random.Next(Severities.Length)], state, a * 10L, (a * 10L) + 255, evidence, raised, raised.AddMinutes(1));
            await store.StoreAlertAsync(new MessageKey(fleet, device, Next(device)), now, alert);
        }
    }

    public static (string Fleet, string Device) Name(int index) => ($"fleet-{index % 2}", $"robot-{index:D3}");

    private static IEnumerable<Fingerprint> Windows(DriftMonitor monitor, Random random, int count, double shift)
    {
        var produced = 0;
        var inputs = new float[2];
        var outputs = new float[1];
        while (produced < count)
        {
            inputs[0] = (float)(shift + Gaussian(random));
            inputs[1] = (float)Gaussian(random);
            outputs[0] = inputs[0] + inputs[1];
            if ((monitor.Observe(inputs, outputs, [], 1.0) & ObserveResult.WindowReady) == 0)
            {
                continue;
            }

            while (produced < count && monitor.TryTakeWindow(out var window))
            {
                yield return monitor.AnalyzeWindow(window).Fingerprint;
                monitor.ReturnWindow(window);
                produced++;
            }

            while (monitor.TryTakeSequentialAlarm(out _) || monitor.TryTakeActivationAnomaly(out _))
            {
            }
        }
    }

    private static Baseline BuildBaseline(int seed)
    {
        var schema = FingerprintSchema.CreateBuilder().AddInputs(["x", "y"]).AddOutputs(["sum"], OutputKind.Regression).Build();
        var identity = ModelIdentity.FromModelBytes("bench-model"u8.ToArray(), [new TensorSignature("in", "float32", [1, 2])], [new TensorSignature("out", "float32", [1, 1])]);
        var builder = new BaselineBuilder(schema, identity, new BaselineOptions { WindowSize = WindowSize, MinTrainingRows = 200, MinHeldOutRows = 1000, TargetAverageRunLength = 1e4 });
        var random = new Random(seed);
        for (var i = 0; i < 3000; i++)
        {
            var x = (float)Gaussian(random);
            var y = (float)Gaussian(random);
            if (i < 2000)
            {
                builder.AddTraining([x, y], [x + y], []);
            }
            else
            {
                builder.AddHeldOut([x, y], [x + y], []);
            }
        }

        return builder.Build(TimeProvider.System);
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
