namespace EdgeSentinel.Monitor.Tests.Statistics.Fixtures;

/// <summary>Deterministic samples that generate_scipy_reference.py reproduces bit for bit.</summary>
internal static class ReferenceSamples
{
    /// <summary>PCG-style 64-bit LCG; uniforms are k·2⁻⁵³ and each transform is one IEEE operation, so Python and C# agree exactly.</summary>
    public static double[] Lcg(ulong seed, int n, string kind, double scale, double offset)
    {
        var result = new double[n];
        ulong s = seed;
        for (int i = 0; i < n; i++)
        {
            s = unchecked((s * 6364136223846793005UL) + 1442695040888963407UL);
            result[i] = kind switch
            {
                "uniform" => offset + (scale * ((s >> 11) * Math.ScaleB(1.0, -53))),
                "pareto" => offset + (scale / (((s >> 11) + 1) * Math.ScaleB(1.0, -53))),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown sample kind"),
            };
        }

        return result;
    }
}
