namespace EdgeSentinel.Simulation.Numerics;

/// <summary>
/// Elementary functions computed only from exactly rounded IEEE-754 operations (+, −, ×, ÷, √),
/// so that the simulation and training give the same bits on every machine.
/// </summary>
/// <remarks>
/// <see cref="Math.Sin(double)"/>, <see cref="Math.Exp(double)"/> and friends come from the
/// platform's C library, whose last bit may differ between systems. These replacements are accurate
/// to a few units in the last place over the arguments the simulation uses (|x| below 10^6).
/// </remarks>
internal static class DeterministicMath
{
    /// <summary>π.</summary>
    public const double Pi = 3.14159265358979323846;

    private const double HalfPiHigh = 1.57079632673412561417e+00; // first 33 bits of π/2
    private const double HalfPiLow = 6.07710050650619224932e-11;  // π/2 − HalfPiHigh
    private const double TwoOverPi = 6.36619772367581382433e-01;
    private const double Ln2High = 6.93147180369123816490e-01;
    private const double Ln2Low = 1.90821492927058770002e-10;
    private const double Ln2 = 0.693147180559945309417232121458176568;
    private const double InverseLn2 = 1.44269504088896338700e+00;

    /// <summary>Sine of <paramref name="x"/> (radians).</summary>
    public static double Sin(double x)
    {
        var quadrant = Reduce(x, out var r);
        return (quadrant & 3) switch
        {
            0 => SinKernel(r),
            1 => CosKernel(r),
            2 => -SinKernel(r),
            _ => -CosKernel(r),
        };
    }

    /// <summary>Cosine of <paramref name="x"/> (radians).</summary>
    public static double Cos(double x)
    {
        var quadrant = Reduce(x, out var r);
        return (quadrant & 3) switch
        {
            0 => CosKernel(r),
            1 => -SinKernel(r),
            2 => -CosKernel(r),
            _ => SinKernel(r),
        };
    }

    /// <summary>Angle of the point (<paramref name="x"/>, <paramref name="y"/>) in (−π, π]; 0 at the origin.</summary>
    public static double Atan2(double y, double x)
    {
        if (double.IsNaN(x) || double.IsNaN(y))
        {
            return double.NaN;
        }

        var ax = Math.Abs(x);
        var ay = Math.Abs(y);
        if (ax == 0.0 && ay == 0.0)
        {
            return 0.0;
        }

        double angle = ay <= ax ? Atan(ay / ax) : (Pi / 2.0) - Atan(ax / ay);
        if (x < 0.0)
        {
            angle = Pi - angle;
        }

        return y < 0.0 ? -angle : angle;
    }

    /// <summary>Wraps an angle into [−π, π).</summary>
    public static double WrapAngle(double angle)
    {
        var turns = Math.Floor((angle + Pi) / (2.0 * Pi));
        return angle - (turns * 2.0 * Pi);
    }

    /// <summary>e raised to <paramref name="x"/>.</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x > 709.0)
        {
            return double.PositiveInfinity;
        }

        if (x < -745.0)
        {
            return 0.0;
        }

        var k = Math.Round(x * InverseLn2);
        var r = (x - (k * Ln2High)) - (k * Ln2Low); // |r| ≤ 0.347
        // Taylor series to r^16/16!: error below 2e-17 relative for |r| ≤ 0.35.
        var term = 1.0;
        var sum = 1.0;
        for (var n = 1; n <= 16; n++)
        {
            term *= r / n;
            sum += term;
        }

        return Math.ScaleB(sum, (int)k);
    }

    /// <summary>Natural logarithm of <paramref name="x"/> (NaN for negative, −∞ at 0).</summary>
    public static double Log(double x)
    {
        if (!(x > 0.0) || !double.IsFinite(x))
        {
            return x == 0.0 ? double.NegativeInfinity : (double.IsPositiveInfinity(x) ? x : double.NaN);
        }

        var exponentAdjust = 0;
        if (x < 2.2250738585072014E-308)
        {
            x *= 18014398509481984.0; // 2^54: make a subnormal normal
            exponentAdjust = -54;
        }

        var bits = BitConverter.DoubleToInt64Bits(x);
        var exponent = (int)((bits >> 52) & 0x7FF) - 1023 + exponentAdjust;
        var mantissa = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
        if (mantissa > 1.4142135623730951)
        {
            mantissa *= 0.5;
            exponent++;
        }

        // ln(m) = 2·atanh(t), t = (m − 1)/(m + 1), |t| ≤ 0.1716.
        var t = (mantissa - 1.0) / (mantissa + 1.0);
        var t2 = t * t;
        var term = t;
        var sum = t;
        for (var k = 3; k <= 27; k += 2)
        {
            term *= t2;
            sum += term / k;
        }

        return (exponent * Ln2) + (2.0 * sum);
    }

    /// <summary>Logistic function 1/(1 + e^−x).</summary>
    public static double Sigmoid(double x) => x >= 0.0 ? 1.0 / (1.0 + Exp(-x)) : Exp(x) / (1.0 + Exp(x));

    private static int Reduce(double x, out double r)
    {
        var q = Math.Round(x * TwoOverPi);
        r = (x - (q * HalfPiHigh)) - (q * HalfPiLow); // |r| ≤ π/4 (+ rounding)
        return (int)(long)q;
    }

    private static double SinKernel(double r)
    {
        // Taylor series to r^21/21!: below 1e-18 for |r| ≤ π/4.
        var r2 = r * r;
        var term = r;
        var sum = r;
        for (var n = 3; n <= 21; n += 2)
        {
            term *= -r2 / ((n - 1) * n);
            sum += term;
        }

        return sum;
    }

    private static double CosKernel(double r)
    {
        var r2 = r * r;
        var term = 1.0;
        var sum = 1.0;
        for (var n = 2; n <= 20; n += 2)
        {
            term *= -r2 / ((n - 1) * n);
            sum += term;
        }

        return sum;
    }

    private static double Atan(double z)
    {
        // z in [0, 1]: halve the angle twice (atan z = 2·atan(z/(1+√(1+z²)))), then the series.
        var halvings = 0;
        while (z > 0.2 && halvings < 3)
        {
            z /= 1.0 + Math.Sqrt(1.0 + (z * z));
            halvings++;
        }

        var z2 = z * z;
        var term = z;
        var sum = z;
        for (var n = 3; n <= 41; n += 2)
        {
            term *= -z2;
            sum += term / n;
        }

        return Math.ScaleB(sum, halvings);
    }
}
