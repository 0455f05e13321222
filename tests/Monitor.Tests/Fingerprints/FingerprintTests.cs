using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Tests.Support;

namespace EdgeSentinel.Monitor.Tests.Fingerprints;

public sealed class FingerprintTests
{
    /// <summary>Fingerprints of <paramref name="rows"/> rows of the synthetic model (whole, and split at <paramref name="split"/>); input b of row r is <paramref name="inputB"/>(r) when that is not null (default: NaN every 97th row).</summary>
    internal static (Fingerprint Whole, Fingerprint First, Fingerprint Second) Build(int rows, int split, int modelSeed = 3, Func<int, float?>? inputB = null)
    {
        inputB ??= r => r % 97 == 0 ? float.NaN : null;
        var schema = SyntheticModel.Schema;
        var projector = new ObservationProjector(schema);
        double[]?[] edges = [.. schema.Channels.Select(c => c.ValueKind == ChannelValueKind.Continuous ? new[] { -1.0, 0.0, 1.0 } : null)];
        var whole = new FingerprintAccumulator(schema, edges);
        var first = new FingerprintAccumulator(schema, edges);
        var second = new FingerprintAccumulator(schema, edges);
        var model = new SyntheticModel(modelSeed);
        var row = new double[schema.Channels.Count];
        Span<float> x = stackalloc float[SyntheticModel.Inputs];
        Span<float> p = stackalloc float[SyntheticModel.Outputs];
        Span<float> h = stackalloc float[SyntheticModel.Hidden];
        for (var r = 0; r < rows; r++)
        {
            model.Next(x, p, h, out var latency);
            if (inputB(r) is { } b)
            {
                x[1] = b;
            }

            projector.Project(x, p, h, latency, row);
            whole.Add(row);
            (r < split ? first : second).Add(row);
        }

        return (whole.ToFingerprint(), first.ToFingerprint(), second.ToFingerprint());
    }

    [Fact]
    public void Merge_TwoParts_EqualsWholeWithinBounds()
    {
        var (whole, first, second) = Build(5000, 1700);

        var merged = first.Merge(second);

        Assert.Equal(whole.ObservationCount, merged.ObservationCount);
        for (var c = 0; c < whole.Channels.Count; c++)
        {
            var w = whole.Channels[c];
            var m = merged.Channels[c];
            Assert.Equal(w.Count, m.Count);
            Assert.Equal(w.NaNCount, m.NaNCount);
            Assert.Equal(w.Mean, m.Mean, 1e-9);
            Assert.Equal(w.StandardDeviation, m.StandardDeviation, 1e-9);
            Assert.Equal(w.Min, m.Min);
            Assert.Equal(w.Max, m.Max);
            Assert.Equal(w.HistogramCounts.ToArray(), m.HistogramCounts.ToArray());
            Assert.Equal(w.CategoryCounts.ToArray(), m.CategoryCounts.ToArray());
        }

        Assert.Equal(whole.TapMean(0).ToArray(), merged.TapMean(0).ToArray(), new ToleranceComparer(1e-12));
    }

    [Fact]
    public void Channel_NaNValues_CountedApartAndNotFoldedIntoTheMean()
    {
        var (whole, _, _) = Build(970, 0);

        var b = whole["input.b"];

        Assert.Equal(10, b.NaNCount);
        Assert.Equal(960, b.Count);
        Assert.True(double.IsFinite(b.Mean));
        Assert.True(double.IsFinite(b.Quantile(0.5)));
    }

    [Fact]
    public void ToBytes_RoundTrip_IsExact()
    {
        var (whole, _, _) = Build(2000, 0);

        var bytes = whole.ToBytes();
        var back = Fingerprint.FromBytes(bytes);

        Assert.Equal(bytes, back.ToBytes());
        Assert.Equal(whole.Schema, back.Schema);
        Assert.Equal(whole["output.left"].Quantile(0.9), back["output.left"].Quantile(0.9));
    }

    [Fact]
    public void Merge_DifferentSchemas_RefusesWithClearError()
    {
        var (whole, _, _) = Build(100, 0);
        var other = FingerprintSchema.CreateBuilder().AddInputs(4).AddOutputs(3, OutputKind.Probabilities).Build();
        var otherPrint = new FingerprintAccumulator(other).ToFingerprint();

        var error = Assert.Throws<SchemaMismatchException>(() => whole.Merge(otherPrint));

        Assert.Contains("cannot merge fingerprints", error.Message, StringComparison.Ordinal);
        Assert.Contains("taps", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_SameSchemaDifferentBins_Refuses()
    {
        var schema = SyntheticModel.Schema;
        double[]?[] edgesA = [.. schema.Channels.Select(c => c.ValueKind == ChannelValueKind.Continuous ? new[] { 0.0 } : null)];
        double[]?[] edgesB = [.. schema.Channels.Select(c => c.ValueKind == ChannelValueKind.Continuous ? new[] { 1.0 } : null)];
        var a = new FingerprintAccumulator(schema, edgesA).ToFingerprint();
        var b = new FingerprintAccumulator(schema, edgesB).ToFingerprint();

        var error = Assert.Throws<SchemaMismatchException>(() => a.Merge(b));

        Assert.Contains("histogram bins differ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_CorruptedOrTruncated_ThrowsFormatException()
    {
        var (whole, _, _) = Build(300, 0);
        var bytes = whole.ToBytes();

        for (var cut = 0; cut < bytes.Length; cut += 7)
        {
            var error = Assert.Throws<MonitorFormatException>(() => Fingerprint.FromBytes(bytes.AsSpan(0, cut)));
            Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        }

        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x10;
        Assert.Contains("checksum", Assert.Throws<MonitorFormatException>(() => Fingerprint.FromBytes(flipped)).Message, StringComparison.Ordinal);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
