namespace EdgeSentinel.Monitor.Statistics;

/// <summary>First Wasserstein (earth mover's) distance between empirical distributions (scipy.stats.wasserstein_distance).</summary>
/// <remarks>W1 = ∫ |F_u(x) − F_v(x)| dx. Values must be finite (NaN/±∞ rejected); weights finite, ≥ 0, with a positive sum.</remarks>
internal static class Wasserstein
{
    /// <summary>W1 between two unweighted samples (copies and sorts them).</summary>
    public static double Distance(ReadOnlySpan<double> u, ReadOnlySpan<double> v)
    {
        SampleValidation.RequireFiniteNonEmpty(u, nameof(u));
        SampleValidation.RequireFiniteNonEmpty(v, nameof(v));
        double[] su = u.ToArray();
        double[] sv = v.ToArray();
        Array.Sort(su);
        Array.Sort(sv);
        return SortedCore(su, default, su.Length, sv, default, sv.Length);
    }

    /// <summary>W1 for unweighted samples the caller guarantees non-empty, finite and sorted ascending (not checked); allocates nothing.</summary>
    internal static double DistanceSortedUnchecked(ReadOnlySpan<double> sortedU, ReadOnlySpan<double> sortedV) =>
        SortedCore(sortedU, default, sortedU.Length, sortedV, default, sortedV.Length);

    /// <summary>W1 between two weighted samples (u_weights / v_weights in SciPy); values need not be sorted.</summary>
    public static double Distance(ReadOnlySpan<double> uValues, ReadOnlySpan<double> uWeights, ReadOnlySpan<double> vValues, ReadOnlySpan<double> vWeights)
    {
        SampleValidation.RequireFiniteNonEmpty(uValues, nameof(uValues));
        SampleValidation.RequireFiniteNonEmpty(vValues, nameof(vValues));
        SampleValidation.RequireSameLength(uValues.Length, uWeights.Length, nameof(uWeights), nameof(uValues));
        SampleValidation.RequireSameLength(vValues.Length, vWeights.Length, nameof(vWeights), nameof(vValues));
        double uTotal = SampleValidation.RequireNonNegativeFinite(uWeights, nameof(uWeights));
        double vTotal = SampleValidation.RequireNonNegativeFinite(vWeights, nameof(vWeights));
        if (!(uTotal > 0))
        {
            throw new ArgumentException("The weights sum to zero.", nameof(uWeights));
        }

        if (!(vTotal > 0))
        {
            throw new ArgumentException("The weights sum to zero.", nameof(vWeights));
        }

        double[] su = uValues.ToArray();
        double[] wu = uWeights.ToArray();
        double[] sv = vValues.ToArray();
        double[] wv = vWeights.ToArray();
        Array.Sort(su, wu);
        Array.Sort(sv, wv);
        return SortedCore(su, wu, uTotal, sv, wv, vTotal);
    }

    /// <summary>Merge walk over both sorted samples; empty weight spans mean unit weights.</summary>
    private static double SortedCore(ReadOnlySpan<double> u, ReadOnlySpan<double> uw, double uTotal, ReadOnlySpan<double> v, ReadOnlySpan<double> vw, double vTotal)
    {
        int i = 0;
        int j = 0;
        double cumU = 0;
        double cumV = 0;
        double distance = 0;
        double x = Math.Min(u[0], v[0]);
        while (i < u.Length || j < v.Length)
        {
            while (i < u.Length && u[i] <= x)
            {
                cumU += uw.IsEmpty ? 1.0 : uw[i];
                i++;
            }

            while (j < v.Length && v[j] <= x)
            {
                cumV += vw.IsEmpty ? 1.0 : vw[j];
                j++;
            }

            if (i >= u.Length && j >= v.Length)
            {
                break;
            }

            double next = j >= v.Length || (i < u.Length && u[i] <= v[j]) ? u[i] : v[j];
            distance += Math.Abs((cumU / uTotal) - (cumV / vTotal)) * (next - x);
            x = next;
        }

        return distance;
    }
}
