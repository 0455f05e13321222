using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Statistics;

namespace EdgeSentinel.Monitor.Tests.Fingerprints;

public sealed class SketchComparisonTests
{
    private static readonly FingerprintSchema Schema = FingerprintSchema.CreateBuilder()
        .AddInputs(["v"]).AddOutputs(["a", "b"], OutputKind.Probabilities).Build();

    private static (Fingerprint Print, double[] Raw) Summarize(int n, double shift, double scale, ulong seed)
    {
        var random = new SplitMix64(seed);
        var accumulator = new FingerprintAccumulator(Schema);
        var raw = new double[n];
        var row = new double[Schema.Channels.Count];
        for (var i = 0; i < n; i++)
        {
            raw[i] = shift + (scale * random.NextGaussian());
            row[0] = raw[i];
            row[1] = 0.5;
            row[2] = 0.5;
            row[3] = 0;
            row[4] = 0.5;
            row[5] = Math.Log(2);
            accumulator.Add(row);
        }

        return (accumulator.ToFingerprint(), raw);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.1, 1.0)]
    [InlineData(0.0, 1.5)]
    [InlineData(2.0, 0.5)]
    public void KolmogorovSmirnov_FromSketches_WithinStatedBoundOfExact(double shift, double scale)
    {
        var (a, rawA) = Summarize(60_000, 0, 1, 1);
        var (b, rawB) = Summarize(40_000, shift, scale, 2);

        var comparison = ChannelSummary.KolmogorovSmirnov(a["input.v"], b["input.v"]);
        var exact = KolmogorovSmirnov.Statistic(rawA, rawB);

        Assert.InRange(comparison.ErrorBound, 0.0, 0.02);
        Assert.InRange(Math.Abs(comparison.Statistic - exact), 0.0, comparison.ErrorBound);
        Assert.True(comparison.ConservativePValue >= comparison.PValue);
    }

    [Fact]
    public void KolmogorovSmirnov_CategoricalChannel_Refused()
    {
        var (a, _) = Summarize(100, 0, 1, 1);

        var error = Assert.Throws<ArgumentException>(() => ChannelSummary.KolmogorovSmirnov(a["derived.argmax"], a["derived.argmax"]));

        Assert.Contains("two continuous channels", error.Message, StringComparison.Ordinal);
    }
}
