using System.Globalization;

namespace EdgeSentinel.Monitor.Decisions;

/// <summary>Adjusted p-values for many tests: Holm step-down (family-wise error) and Benjamini–Hochberg step-up (false discovery rate).</summary>
/// <remarks>
/// A test is rejected at level α exactly when its adjusted p-value is ≤ α. With p₍₁₎ ≤ … ≤ p₍ₘ₎:
/// Holm: p̃₍ᵢ₎ = max over j ≤ i of min(1, (m − j + 1) p₍ⱼ₎) (Holm 1979);
/// Benjamini–Hochberg: p̃₍ᵢ₎ = min over j ≥ i of min(1, m p₍ⱼ₎ / j) (Benjamini and Hochberg 1995).
/// Tied p-values get equal adjusted values. The output span may be the same memory as the input.
/// </remarks>
public static class PValueAdjustment
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
    public static void Holm(ReadOnlySpan<double> pValues, Span<double> adjusted) => Run(pValues, adjusted, holm: true);

    /// <summary>Writes Benjamini–Hochberg step-up adjusted p-values of <paramref name="pValues"/> into <paramref name="adjusted"/>, in input order.</summary>
    public static void BenjaminiHochberg(ReadOnlySpan<double> pValues, Span<double> adjusted) => Run(pValues, adjusted, holm: false);

    /// <summary>Validates, then delegates to <see cref="Statistics.MultipleTesting"/> (the level only decides rejections, which are not used here).</summary>
    private static void Run(ReadOnlySpan<double> pValues, Span<double> adjusted, bool holm)
    {
        if (adjusted.Length != pValues.Length)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"adjusted has length {adjusted.Length} but pValues has {pValues.Length}."),
                nameof(adjusted));
        }

        for (var i = 0; i < pValues.Length; i++)
        {
            if (!(pValues[i] is >= 0 and <= 1))
            {
                throw new ArgumentOutOfRangeException(
                    nameof(pValues),
                    pValues[i],
                    string.Create(CultureInfo.InvariantCulture, $"pValues[{i}] is {pValues[i]}; a p-value must be in [0, 1] and not NaN."));
            }
        }

        if (pValues.IsEmpty)
        {
            return;
        }

        var input = pValues.ToArray(); // adjusted may alias pValues
        var rejected = new bool[input.Length];
        if (holm)
        {
            Statistics.MultipleTesting.Holm(input, 0.05, rejected, adjusted);
        }
        else
        {
            Statistics.MultipleTesting.BenjaminiHochberg(input, 0.05, rejected, adjusted);
        }
    }
}
