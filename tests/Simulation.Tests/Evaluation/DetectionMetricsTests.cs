using EdgeSentinel.Simulation.Evaluation;

namespace EdgeSentinel.Simulation.Tests.Evaluation;

public sealed class DetectionMetricsTests
{
    [Fact]
    public void Auroc_SeparatedReversedAndTied_GivesOneZeroAndHalf()
    {
        Assert.Equal(1.0, DetectionMetrics.Auroc([1, 2, 3], [4, 5]));
        Assert.Equal(0.0, DetectionMetrics.Auroc([4, 5], [1, 2, 3]));
        Assert.Equal(0.5, DetectionMetrics.Auroc([7, 7, 7], [7, 7]));
        Assert.True(double.IsNaN(DetectionMetrics.Auroc([], [1])));
        Assert.True(double.IsNaN(DetectionMetrics.Auroc([1], [])));
    }

    [Fact]
    public void Auroc_WithTies_MatchesHandCountedPairs()
    {
        // Pairs (positive, negative) with positive > negative count 1, ties ½ (12 pairs):
        // p=2: n=1 → 1, n=2 → ½            → 1.5
        // p=3: n=1, 2 → 2, n=3 → ½         → 2.5
        // p=5: n=1..4 → 4                  → 4
        // total 8 / 12 = 2/3.
        Assert.Equal(2.0 / 3.0, DetectionMetrics.Auroc([1, 2, 3, 4], [2, 3, 5]), 12);
    }

    [Fact]
    public void Auroc_RandomScores_EqualsTheBruteForcePairProbability()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 20; trial++)
        {
            // Coarse values so that ties occur.
            var negatives = Enumerable.Range(0, 1 + random.Next(40)).Select(_ => (double)random.Next(10)).ToArray();
            var positives = Enumerable.Range(0, 1 + random.Next(40)).Select(_ => (double)random.Next(12)).ToArray();
            var pairs = 0.0;
            foreach (var p in positives)
            {
                foreach (var n in negatives)
                {
                    pairs += p > n ? 1 : p == n ? 0.5 : 0;
                }
            }

            Assert.Equal(pairs / (positives.Length * negatives.Length), DetectionMetrics.Auroc(negatives, positives), 12);
        }
    }

    [Fact]
    public void TruePositiveRate_AtOnePercentOfAHundredNegatives_UsesTheSecondLargestNegativeAsThreshold()
    {
        var negatives = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();

        // One false positive allowed: threshold 98 (only 99 is above it); positives strictly above 98 are flagged.
        Assert.Equal(0.5, DetectionMetrics.TruePositiveRateAt(negatives, [97, 98, 99, 100], 0.01));

        // No false positive allowed at 0.5%... but 0.005 · 100 < 1 cannot be resolved: NaN rather than a guess.
        Assert.True(double.IsNaN(DetectionMetrics.TruePositiveRateAt(negatives, [200], 0.005)));
        Assert.Equal(1.0, DetectionMetrics.TruePositiveRateAt(negatives, [150, 160], 0.05));
        Assert.Throws<ArgumentOutOfRangeException>(() => DetectionMetrics.TruePositiveRateAt(negatives, [1], 0));
        Assert.Throws<ArgumentException>(() => DetectionMetrics.TruePositiveRateAt(negatives, [double.NaN], 0.5));
    }

    [Fact]
    public void Delays_CountDetectionsAndAverageOnlyTheDetected()
    {
        var summary = DetectionMetrics.Delays([10, null, 30]);
        Assert.Equal(3, summary.Streams);
        Assert.Equal(2, summary.Detected);
        Assert.Equal(2.0 / 3.0, summary.DetectionRate, 12);
        Assert.Equal(20.0, summary.MeanDelay);
        Assert.Equal(30L, summary.WorstDelay);

        var none = DetectionMetrics.Delays([null, null]);
        Assert.Equal(0.0, none.DetectionRate);
        Assert.True(double.IsNaN(none.MeanDelay));
        Assert.Null(none.WorstDelay);
        Assert.Throws<ArgumentException>(() => DetectionMetrics.Delays([-1]));
    }

    [Fact]
    public void LagOneAutocorrelation_HandCases()
    {
        // [1, 2, 3, 4]: deviations −1.5, −0.5, 0.5, 1.5; Σd² = 5; Σdₜdₜ₊₁ = 0.75 − 0.25 + 0.75 = 1.25 → 0.25.
        Assert.Equal(0.25, DetectionMetrics.LagOneAutocorrelation([1, 2, 3, 4]), 12);

        // Alternating: Σd² = 4, Σdₜdₜ₊₁ = −3 → −0.75.
        Assert.Equal(-0.75, DetectionMetrics.LagOneAutocorrelation([1, -1, 1, -1]), 12);
        Assert.True(double.IsNaN(DetectionMetrics.LagOneAutocorrelation([3, 3, 3])));
        Assert.True(double.IsNaN(DetectionMetrics.LagOneAutocorrelation([3])));
    }

    [Fact]
    public void PrewhitenedShift_MatchesTheMeanOfSimulatedInnovationsAfterAStep()
    {
        Assert.Equal(1.0, DetectionMetrics.PrewhitenedShift(1.0, 0.0));
        Assert.Equal(0.5, DetectionMetrics.PrewhitenedShift(1.0, 0.6), 12); // √(0.4/1.6) = ½

        // Independent check: an AR(1) stream with unit marginal variance, shifted by δ = 1 from t = 0, prewhitened
        // as the monitor does — e = (z − ρ z₋₁)/√(1 − ρ²) — has innovations whose mean is the predicted shift.
        const double Rho = 0.9;
        var random = new Random(3);
        var previous = 0.0;
        var previousObserved = 0.0;
        var sum = 0.0;
        const int N = 400_000;
        for (var t = -100; t < N; t++)
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var x = (Rho * previous) + (Math.Sqrt(1 - (Rho * Rho)) * gaussian);
            previous = x;
            var observed = x + (t >= 0 ? 1.0 : 0.0);
            if (t >= 1)
            {
                sum += (observed - (Rho * previousObserved)) / Math.Sqrt(1 - (Rho * Rho));
            }

            previousObserved = observed;
        }

        Assert.Equal(DetectionMetrics.PrewhitenedShift(1.0, Rho), sum / (N - 1), 2);
    }
}
