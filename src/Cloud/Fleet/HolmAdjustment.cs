namespace EdgeSentinel.Cloud.Fleet;

/// <summary>Holm step-down adjusted p-values (Holm 1979): p̃₍ᵢ₎ = max over j ≤ i of min(1, (m − j + 1) p₍ⱼ₎).</summary>
/// <remarks>Monitor's implementation is internal to it; this is the same formula for the cloud's few comparisons.</remarks>
internal static class HolmAdjustment
{
    /// <summary>Adjusted p-values in input order.</summary>
    public static double[] Adjust(IReadOnlyList<double> pValues)
    {
        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ToArray();
        var adjusted = new double[m];
        var running = 0.0;
        for (var rank = 0; rank < m; rank++)
        {
            var p = pValues[order[rank]];
            running = Math.Max(running, Math.Min(1.0, (m - rank) * p));
            adjusted[order[rank]] = running;
        }

        return adjusted;
    }
}
