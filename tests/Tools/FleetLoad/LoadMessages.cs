using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Monitoring;
using EdgeSentinel.Protocol.Payloads;

namespace EdgeSentinel.FleetLoad;

/// <summary>
/// Bodies of realistic size for the load: window fingerprints made by a real <see cref="DriftMonitor"/>
/// on either the reference schema of the Monitor benchmarks (16 inputs, 4 class probabilities, a 64-wide
/// activation tap projected to 16 dimensions, latency) or a small one (8 inputs, 4 class probabilities,
/// latency, no tap), and alerts with one channel contribution (as the monitor raises them).
/// </summary>
public sealed class LoadMessages
{
    private const int Outputs = 4;
    private readonly Fingerprint[] _fingerprints;

    private LoadMessages(string modelHash, Fingerprint[] fingerprints)
    {
        ModelHash = modelHash;
        _fingerprints = fingerprints;
    }

    /// <summary>Bytes of the first fingerprint body.</summary>
    public int FingerprintBodyBytes => FingerprintBody(0, DateTimeOffset.UnixEpoch).Length;

    /// <summary>The model hash every message carries.</summary>
    public string ModelHash { get; }

    /// <summary>Builds a baseline and <paramref name="windows"/> distinct window fingerprints (seeded: the same bytes every run).</summary>
    /// <param name="reference">The reference schema (with a tap) rather than the small one.</param>
    /// <param name="windows">Distinct fingerprints to cycle through.</param>
    /// <param name="seed">Seed of the generated data.</param>
    public static LoadMessages Create(bool reference = false, int windows = 8, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windows, 1);
        var inputs = reference ? 16 : 8;
        var tapWidth = reference ? 64 : 0;
        var builder0 = FingerprintSchema.CreateBuilder().AddInputs(inputs).AddOutputs(Outputs, OutputKind.Probabilities);
        var schema = (reference ? builder0.AddTap("hidden", tapWidth, 16, 11) : builder0).WithLatency().Build();
        var identity = ModelIdentity.FromModelBytes("edgesentinel-load-model"u8, [new TensorSignature("x", "float32", [1, inputs])], [new TensorSignature("p", "float32", [1, Outputs])]);
        var random = new Random(seed);
        var x = new float[inputs];
        var p = new float[Outputs];
        var h = new float[tapWidth];
        var builder = new BaselineBuilder(schema, identity, new BaselineOptions { WindowSize = 256, TargetAverageRunLength = 1e4 });
        for (var r = 0; r < 6000; r++)
        {
            Generate(random, x, p, h);
            if (r < 3000)
            {
                builder.AddTraining(x, p, h, 1.0 + random.NextDouble());
            }
            else
            {
                builder.AddHeldOut(x, p, h, 1.0 + random.NextDouble());
            }
        }

        var baseline = builder.Build(TimeProvider.System);
        var monitor = new DriftMonitor(baseline, new DriftMonitorOptions { WindowSize = 256 });
        var result = new List<Fingerprint>(windows);
        while (result.Count < windows)
        {
            Generate(random, x, p, h);
            if ((monitor.Observe(x, p, h, 1.0 + random.NextDouble()) & ObserveResult.WindowReady) != 0)
            {
                while (monitor.TryTakeWindow(out var window))
                {
                    result.Add(monitor.AnalyzeWindow(window).Fingerprint);
                    monitor.ReturnWindow(window);
                }
            }

            while (monitor.TryTakeSequentialAlarm(out _) || monitor.TryTakeActivationAnomaly(out _))
            {
            }
        }

        return new LoadMessages(baseline.Model.Sha256, [.. result.Take(windows)]);
    }

    /// <summary>The fingerprint body of message <paramref name="n"/> of a device (window ending at <paramref name="at"/>).</summary>
    public byte[] FingerprintBody(long n, DateTimeOffset at) =>
        FingerprintReportCodec.Encode(new FingerprintReport(ModelHash, at.AddSeconds(-1), at, 1, _fingerprints[n % _fingerprints.Length]));

    /// <summary>The alert body of message <paramref name="n"/> of a device: a new input-drift alert with a unique id.</summary>
    public byte[] AlertBody(string device, long n, DateTimeOffset at) => AlertCodec.Encode(new Alert(
        $"{device}-a{n}",
        device,
        ModelHash,
        AlertKind.InputDrift,
        "inputs",
        AlertSeverity.Warning,
        AlertState.Raised,
        n,
        n + 255,
        at,
        at,
        new AlertEvidence("min-holm-adjusted-p", 1e-7, 1e-4, 1e-4, "per window", [new ChannelContribution("input.3", "ks", 0.31, 0.31)])));

    /// <summary>One inference: inputs uniform in [-1, 1), class probabilities a softmax of pairwise input sums, tap activations tanh of input differences.</summary>
    private static void Generate(Random random, Span<float> x, Span<float> p, Span<float> h)
    {
        foreach (ref var v in x)
        {
            v = (2 * random.NextSingle()) - 1;
        }

        var total = 0f;
        for (var k = 0; k < p.Length; k++)
        {
            total += p[k] = MathF.Exp(x[k] + x[k + p.Length]);
        }

        foreach (ref var v in p)
        {
            v /= total;
        }

        for (var j = 0; j < h.Length; j++)
        {
            h[j] = MathF.Tanh(x[j % x.Length] - x[(3 * j + 1) % x.Length]);
        }
    }
}
