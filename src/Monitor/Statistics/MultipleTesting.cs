using System.Buffers;

namespace EdgeSentinel.Monitor.Statistics;

/// <summary>Multiple-testing control across channels: Holm (family-wise error) and Benjamini–Hochberg (false discovery rate).</summary>
/// <remarks>
/// Adjusted p-values and decisions follow statsmodels' <c>multipletests</c> methods 'holm' and 'fdr_bh'.
/// Outputs are written in the input order. The overloads without scratch rent from <see cref="ArrayPool{T}"/>.
/// </remarks>
internal static class MultipleTesting
{
    /// <summary>Holm's step-down procedure at family-wise level <paramref name="alpha"/>.</summary>
    public static void Holm(ReadOnlySpan<double> pValues, double alpha, Span<bool> rejected, Span<double> adjusted) =>
        WithScratch(pValues, alpha, rejected, adjusted, holm: true);

    /// <summary>Holm's procedure using caller scratch (each at least as long as <paramref name="pValues"/>); allocates nothing.</summary>
    public static void Holm(ReadOnlySpan<double> pValues, double alpha, Span<bool> rejected, Span<double> adjusted, Span<double> sortedScratch, Span<int> orderScratch)
    {
        int m = Prepare(pValues, alpha, rejected, adjusted, sortedScratch, orderScratch);
        Span<double> sorted = sortedScratch[..m];
        Span<int> order = orderScratch[..m];

        // Step down: reject while p_(i) ≤ α/(m − i) (0-based); adjusted_(i) = min(1, max_{j≤i} (m − j)·p_(j)).
        bool stillRejecting = true;
        double running = 0;
        for (int i = 0; i < m; i++)
        {
            stillRejecting &= sorted[i] <= alpha / (m - i);
            running = Math.Max(running, Math.Min(1.0, (m - i) * sorted[i]));
            rejected[order[i]] = stillRejecting;
            adjusted[order[i]] = running;
        }
    }

    /// <summary>Benjamini–Hochberg step-up procedure at false-discovery level <paramref name="alpha"/>.</summary>
    public static void BenjaminiHochberg(ReadOnlySpan<double> pValues, double alpha, Span<bool> rejected, Span<double> adjusted) =>
        WithScratch(pValues, alpha, rejected, adjusted, holm: false);

    /// <summary>Benjamini–Hochberg using caller scratch (each at least as long as <paramref name="pValues"/>); allocates nothing.</summary>
    public static void BenjaminiHochberg(ReadOnlySpan<double> pValues, double alpha, Span<bool> rejected, Span<double> adjusted, Span<double> sortedScratch, Span<int> orderScratch)
    {
        int m = Prepare(pValues, alpha, rejected, adjusted, sortedScratch, orderScratch);
        Span<double> sorted = sortedScratch[..m];
        Span<int> order = orderScratch[..m];

        // Step up: k = largest i (1-based) with p_(i) ≤ iα/m; reject the k smallest.
        // adjusted_(i) = min(1, min_{j≥i} m·p_(j)/j).
        int k = 0;
        for (int i = m; i >= 1; i--)
        {
            if (sorted[i - 1] <= i * alpha / m)
            {
                k = i;
                break;
            }
        }

        double running = 1.0;
        for (int i = m; i >= 1; i--)
        {
            running = Math.Min(running, sorted[i - 1] / ((double)i / m)); // statsmodels: p / ecdffactor
            adjusted[order[i - 1]] = running;
            rejected[order[i - 1]] = i <= k;
        }
    }

    private static void WithScratch(ReadOnlySpan<double> pValues, double alpha, Span<bool> rejected, Span<double> adjusted, bool holm)
    {
        double[] sorted = ArrayPool<double>.Shared.Rent(Math.Max(1, pValues.Length));
        int[] order = ArrayPool<int>.Shared.Rent(Math.Max(1, pValues.Length));
        try
        {
            if (holm)
            {
                Holm(pValues, alpha, rejected, adjusted, sorted, order);
            }
            else
            {
                BenjaminiHochberg(pValues, alpha, rejected, adjusted, sorted, order);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(sorted);
            ArrayPool<int>.Shared.Return(order);
        }
    }

    private static int Prepare(ReadOnlySpan<double> pValues, double alpha, Span<bool> rejected, Span<double> adjusted, Span<double> sortedScratch, Span<int> orderScratch)
    {
        int m = pValues.Length;
        if (m == 0)
        {
            throw new ArgumentException("No p-values were given.", nameof(pValues));
        }

        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The error level must be in (0, 1).");
        }

        SampleValidation.RequireSameLength(m, rejected.Length, nameof(rejected), nameof(pValues));
        SampleValidation.RequireSameLength(m, adjusted.Length, nameof(adjusted), nameof(pValues));
        if (sortedScratch.Length < m)
        {
            throw new ArgumentException($"Scratch holds {sortedScratch.Length} values but {m} are needed.", nameof(sortedScratch));
        }

        if (orderScratch.Length < m)
        {
            throw new ArgumentException($"Scratch holds {orderScratch.Length} indices but {m} are needed.", nameof(orderScratch));
        }

        for (int i = 0; i < m; i++)
        {
            double p = pValues[i];
            if (!(p >= 0 && p <= 1))
            {
                throw new ArgumentException($"p-value at index {i} is {p}; p-values must be in [0, 1].", nameof(pValues));
            }

            sortedScratch[i] = p;
            orderScratch[i] = i;
        }

        // Order by p-value; the order among ties does not change any output of either procedure.
        sortedScratch[..m].Sort(orderScratch[..m]);
        return m;
    }
}
