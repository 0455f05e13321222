using System.Globalization;

namespace EdgeSentinel.Monitor.Decisions;

/// <summary>Adjusted p-values for many tests: Holm step-down (family-wise error) and Benjamini–Hochberg step-up (false discovery rate).</summary>
/// <remarks>
/// A test is rejected at level α exactly when its adjusted p-value is ≤ α. With p₍₁₎ ≤ … ≤ p₍ₘ₎:
/// Holm: p̃₍ᵢ₎ = max over j ≤ i of min(1, (m − j + 1) p₍ⱼ₎) (Holm 1979);
/// Benjamini–Hochberg: p̃₍ᵢ₎ = min over j ≥ i of min(1, m p₍ⱼ₎ / j) (Benjamini and Hochberg 1995).
/// Tied p-values get equal adjusted values. The output span may be the same memory as the input.
/// </remarks>
internal static class PValueAdjustment
{
    /// <summary>Returns the adjusted p-values of <paramref name="pValues"/> by <paramref name="method"/>, in input order.</summary>
    public static double[] Adjust(ReadOnlySpan<double> pValues, MultipleTestingMethod method)
    {
        var adjusted = new double[pValues.Length];
        switch (method)
        {
            case MultipleTestingMethod.Holm:
                Holm(pValues, adjusted);
                break;
            case MultipleTestingMethod.BenjaminiHochberg:
                BenjaminiHochberg(pValues, adjusted);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "Not a defined MultipleTestingMethod.");
        }

        return adjusted;
    }

    /// <summary>Writes Holm step-down adjusted p-values of <paramref name="pValues"/> into <paramref name="adjusted"/>, in input order.</summary>
    public static void Holm(ReadOnlySpan<double> pValues, Span<double> adjusted)
    {
        var (sorted, order) = SortChecked(pValues, adjusted.Length);
        var m = sorted.Length;
        var running = 0.0;
        for (var i = 0; i < m; i++)
        {
            running = Math.Max(running, Math.Min(1.0, (m - i) * sorted[i]));
            adjusted[order[i]] = running;
        }
    }

    /// <summary>Writes Benjamini–Hochberg step-up adjusted p-values of <paramref name="pValues"/> into <paramref name="adjusted"/>, in input order.</summary>
    public static void BenjaminiHochberg(ReadOnlySpan<double> pValues, Span<double> adjusted)
    {
        var (sorted, order) = SortChecked(pValues, adjusted.Length);
        var m = sorted.Length;
        var running = 1.0;
        for (var i = m - 1; i >= 0; i--)
        {
            running = Math.Min(running, Math.Min(1.0, (double)m / (i + 1) * sorted[i]));
            adjusted[order[i]] = running;
        }
    }

    private static (double[] Sorted, int[] Order) SortChecked(ReadOnlySpan<double> pValues, int adjustedLength)
    {
        if (adjustedLength != pValues.Length)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"adjusted has length {adjustedLength} but pValues has {pValues.Length}."),
                nameof(adjustedLength));
        }

        var sorted = pValues.ToArray();
        var order = new int[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            if (!(sorted[i] is >= 0 and <= 1))
            {
                throw new ArgumentOutOfRangeException(
                    nameof(pValues),
                    sorted[i],
                    string.Create(CultureInfo.InvariantCulture, $"pValues[{i}] is {sorted[i]}; a p-value must be in [0, 1] and not NaN."));
            }

            order[i] = i;
        }

        Array.Sort(sorted, order);
        return (sorted, order);
    }
}
