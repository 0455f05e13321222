using System.Diagnostics;

namespace EdgeSentinel.Monitor.Statistics;

/// <summary>Finite-sample Kolmogorov–Smirnov distributions: one-sample two-sided, one-sided, and two-sample exact.</summary>
/// <remarks>
/// Follows the algorithm selection of SciPy 1.10 (<c>scipy.stats.kstwo</c>, <c>scipy.special.smirnov</c>,
/// <c>ks_2samp</c>'s exact path): Simard &amp; L'Ecuyer (2011) choose among Ruben–Gambino closed forms,
/// the Durbin matrix (Marsaglia–Tsang–Wang 2003), Pomeranz (1974), Pelz–Good (1976) and the
/// Birnbaum–Tingey sum; the two-sample exact p-value uses Hodges (1958) with Viehmann's (2021) stable
/// recursion for 1 − p. Work buffers are allocated per call (p-values run off the inference path).
/// </remarks>
internal static class KolmogorovDistribution
{
    private const int ScaleExponent = 128;
    private static readonly double ScaleUp = Math.ScaleB(1.0, ScaleExponent);
    private static readonly double ScaleDown = Math.ScaleB(1.0, -ScaleExponent);
    private const double MinLog = -708.3964185322641;
    private const double Sqrt2Pi = 2.5066282746310005024;
    private const double LogTwoPi = 1.8378770664093454836;

    // Stirling series coefficients B_2j/(2j)/(2j−1), j = 8..1.
    private static readonly double[] StirlingCoefficients =
    [
        -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
        -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
    ];

    /// <summary>P(D_n ≥ d) for the two-sided one-sample statistic (scipy.stats.kstwo.sf).</summary>
    public static double TwoSidedSurvival(int n, double d)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (double.IsNaN(d))
        {
            throw new ArgumentException("The KS distance is NaN.", nameof(d));
        }

        if (d >= 1.0)
        {
            return 0.0;
        }

        if (d <= 0.0)
        {
            return 1.0;
        }

        double t = n * d;
        if (t <= 1.0)
        {
            if (t <= 0.5)
            {
                return 1.0;
            }

            double cdf;
            if (n <= 140)
            {
                cdf = 1.0;
                double invN = 1.0 / n;
                for (int i = 1; i <= n; i++)
                {
                    cdf *= i * invN * ((2 * t) - 1);
                }
            }
            else
            {
                cdf = Math.Exp(LogFactorialOverPower(n) + (n * Math.Log((2 * t) - 1)));
            }

            return Clip(1.0 - cdf);
        }

        if (t >= n - 1)
        {
            return Clip(2 * Math.Pow(1.0 - d, n));
        }

        if (d >= 0.5)
        {
            return Clip(2 * OneSidedSurvival(n, d));
        }

        double nxSquared = t * d;
        if (n <= 140)
        {
            if (nxSquared <= 0.754693)
            {
                return Clip(1.0 - DurbinMatrixCdf(n, d));
            }

            if (nxSquared <= 4)
            {
                return Clip(1.0 - PomeranzCdf(n, d));
            }

            return Clip(2 * OneSidedSurvival(n, d));
        }

        if (nxSquared >= 370.0)
        {
            return 0.0;
        }

        if (nxSquared >= 2.2)
        {
            return Clip(2 * OneSidedSurvival(n, d));
        }

        double cdfProb = n <= 100000 && n * Math.Pow(d, 1.5) <= 1.4 ? DurbinMatrixCdf(n, d) : PelzGoodCdf(n, d);
        return Clip(1.0 - cdfProb);
    }

    /// <summary>P(D⁺_n ≥ d) for the one-sided one-sample statistic (scipy.special.smirnov).</summary>
    public static double OneSidedSurvival(int n, double d)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (!(d >= 0 && d <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(d), d, "The one-sided KS distance must be in [0, 1].");
        }

        if (n == 1)
        {
            return 1.0 - d;
        }

        if (d == 0.0)
        {
            return 1.0;
        }

        if (d == 1.0)
        {
            return 0.0;
        }

        double nx = n * d;
        double nxFloor = Math.Floor(nx);
        double alpha = nx - nxFloor;
        if (nxFloor == 0 || (nxFloor == 1 && alpha == 0))
        {
            return Clip(1.0 - (d * Math.Pow(1.0 + d, n - 1)));
        }

        if (-2 * n * d * d < MinLog)
        {
            return 0.0;
        }

        if (nxFloor >= n - 1)
        {
            return Clip(Math.Pow(1.0 - d, n));
        }

        // Birnbaum–Tingey: d Σ_{j < n(1−d)} C(n,j) (1−d−j/n)^(n−j) (d+j/n)^(j−1), summed in log space.
        int nxf = (int)nxFloor;
        int lastTerm = n - nxf - 1; // the next term has 1 − d − j/n ≤ 0
        double logBinomial = 0;
        double sum = 0;
        for (int j = 0; j <= lastTerm; j++)
        {
            if (j > 0)
            {
                logBinomial += Math.Log((double)(n - j + 1) / j);
            }

            double lower = (n - nxf - j - alpha) / n;
            double upper = (nxf + j + alpha) / n;
            double logTerm = logBinomial + ((n - j) * Math.Log(lower)) + ((j - 1) * Math.Log(upper));
            sum += Math.Exp(logTerm);
        }

        return Clip(d * sum);
    }

    /// <summary>Exact two-sided two-sample p-value P(D_{m,n} ≥ h/lcm(m,n)); NaN when not computable in double precision.</summary>
    public static double TwoSampleExactSurvival(int m, int n, long h)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(h);
        if (h == 0)
        {
            return 1.0;
        }

        double p = m == n ? ProbabilityOutsideSquare(m, h) : ProbabilityOutsideInsideMethod(m, n, h);
        return p >= 0 && p <= 1 ? p : double.NaN;
    }

    private static double ProbabilityOutsideSquare(int n, long h)
    {
        // 2·(A0·(1 − A1·(1 − A2·(…)))) with A_k = binom(2n, n−kh)/binom(2n, n−(k−1)h), Horner-like.
        double p = 0.0;
        long k = n / h;
        while (k >= 0)
        {
            double p1 = 1.0;
            for (long j = 0; j < h; j++)
            {
                p1 = (n - (k * h) - j) * p1 / (n + (k * h) + j + 1);
            }

            p = p1 * (1.0 - p);
            k--;
        }

        return 2 * p;
    }

    private static double ProbabilityOutsideInsideMethod(int m0, int n0, long h)
    {
        int m = Math.Max(m0, n0);
        int n = Math.Min(m0, n0);
        int g = GreatestCommonDivisor(m, n);
        long mg = m / g;
        long ng = n / g;

        // Sliding window over one column of A(x, y) (paths strictly inside |nx/g − my/g| < h),
        // recursing on 1 − p directly (Viehmann 2021).
        int minj = 0;
        int maxj = (int)Math.Min(CeilDiv(h, mg), n + 1);
        int curlen = maxj - minj;
        int lenA = Math.Min((2 * maxj) + 2, n + 1);
        var a = new double[lenA];
        Array.Fill(a, 1.0);
        Array.Clear(a, minj, maxj - minj);
        for (int i = 1; i <= m; i++)
        {
            int lastMinj = minj;
            int lastLen = curlen;
            minj = (int)Math.Max(Math.Floor((double)((ng * i) - h) / mg) + 1, 0);
            minj = Math.Min(minj, n);
            maxj = (int)Math.Min(Math.Ceiling((double)((ng * i) + h) / mg), n + 1);
            if (maxj <= minj)
            {
                return 1.0;
            }

            double val = minj == 0 ? 0.0 : 1.0;
            for (int jj = 0; jj < maxj - minj; jj++)
            {
                int j = jj + minj;
                val = ((a[jj + minj - lastMinj] * i) + (val * j)) / (i + j);
                a[jj] = val;
            }

            curlen = maxj - minj;
            if (lastLen > curlen)
            {
                a.AsSpan(maxj - minj, lastLen - curlen).Fill(1.0);
            }
        }

        return a[maxj - minj - 1];
    }

    private static double DurbinMatrixCdf(int n, double d)
    {
        double nd = n * d;
        if (nd <= 0.5)
        {
            return 0.0;
        }

        int k = (int)Math.Ceiling(nd);
        double h = k - nd;
        int m = (2 * k) - 1;
        var hm = new double[m, m];
        var v = new double[m];
        var w = new double[m];
        double fac = 1.0;
        for (int j = 1; j <= m; j++)
        {
            v[j - 1] = 1.0 - Math.Pow(h, j);
            w[j - 1] = fac;
            fac /= j;
            v[j - 1] *= fac;
        }

        double tt = Math.Pow(Math.Max((2 * h) - 1.0, 0), m) - (2 * Math.Pow(h, m));
        v[m - 1] = (1.0 + tt) * fac;
        for (int i = 1; i < m; i++)
        {
            for (int r = i - 1; r < m; r++)
            {
                hm[r, i] = w[r - (i - 1)];
            }
        }

        for (int r = 0; r < m; r++)
        {
            hm[r, 0] = v[r];
        }

        for (int c = 0; c < m; c++)
        {
            hm[m - 1, c] = v[m - 1 - c];
        }

        var power = new double[m, m];
        for (int i = 0; i < m; i++)
        {
            power[i, i] = 1.0;
        }

        var scratch = new double[m, m];
        int nn = n;
        int exponent = 0;
        int hExponent = 0;
        while (nn > 0)
        {
            if (nn % 2 == 1)
            {
                Multiply(power, hm, scratch);
                (power, scratch) = (scratch, power);
                exponent += hExponent;
            }

            Multiply(hm, hm, scratch);
            (hm, scratch) = (scratch, hm);
            hExponent *= 2;
            if (Math.Abs(hm[k - 1, k - 1]) > ScaleUp)
            {
                Scale(hm, ScaleDown);
                hExponent += ScaleExponent;
            }

            nn /= 2;
        }

        double p = power[k - 1, k - 1];
        for (int i = 1; i <= n; i++)
        {
            p = i * p / n;
            if (Math.Abs(p) < ScaleDown)
            {
                p *= ScaleUp;
                exponent -= ScaleExponent;
            }
        }

        return Clip(Math.ScaleB(p, exponent));
    }

    private static void Multiply(double[,] left, double[,] right, double[,] result)
    {
        int m = left.GetLength(0);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int q = 0; q < m; q++)
                {
                    s += left[i, q] * right[q, j];
                }

                result[i, j] = s;
            }
        }
    }

    private static void Scale(double[,] matrix, double factor)
    {
        int m = matrix.GetLength(0);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < m; j++)
            {
                matrix[i, j] *= factor;
            }
        }
    }

    private static (int J1, int J2) PomeranzBounds(int i, int n, int ll, int ceilf, int roundf)
    {
        int j1;
        int j2;
        if (i == 0)
        {
            j1 = -ll - ceilf - 1;
            j2 = ll + ceilf - 1;
        }
        else
        {
            int ip1div2 = (i + 1) / 2;
            int ip1mod2 = (i + 1) % 2;
            if (ip1mod2 == 0)
            {
                if (ip1div2 == n + 1)
                {
                    j1 = n - ll - ceilf - 1;
                    j2 = n + ll + ceilf - 1;
                }
                else
                {
                    j1 = ip1div2 - 1 - ll - roundf - 1;
                    j2 = ip1div2 + ll - 1 + ceilf - 1;
                }
            }
            else
            {
                j1 = ip1div2 - 1 - ll - 1;
                j2 = ip1div2 + ll + roundf - 1;
            }
        }

        return (Math.Max(j1 + 2, 0), Math.Min(j2, n));
    }

    private static double PomeranzCdf(int n, double x)
    {
        double t = n * x;
        int ll = (int)Math.Floor(t);
        double f = t - ll;
        double g = Math.Min(f, 1.0 - f);
        int ceilf = f > 0 ? 1 : 0;
        int roundf = f > 0.5 ? 1 : 0;
        int npwrs = 2 * (ll + 1);
        var gpower = new double[npwrs];
        var twogpower = new double[npwrs];
        var onem2gpower = new double[npwrs];
        gpower[0] = twogpower[0] = onem2gpower[0] = 1.0;
        double gOverN = g / n;
        double twoGOverN = 2 * g / n;
        double oneMinusTwoGOverN = (1 - (2 * g)) / n;
        for (int m = 1; m < npwrs; m++)
        {
            gpower[m] = gpower[m - 1] * gOverN / m;
            twogpower[m] = twogpower[m - 1] * twoGOverN / m;
            onem2gpower[m] = onem2gpower[m - 1] * oneMinusTwoGOverN / m;
        }

        var v0 = new double[npwrs];
        var v1 = new double[npwrs];
        v1[0] = 1;
        int v0s = 0;
        int v1s = 0;
        int exponent = 0;
        (int j1, _) = PomeranzBounds(0, n, ll, ceilf, roundf);
        for (int i = 1; i < (2 * n) + 2; i++)
        {
            int k1 = j1;
            (v0, v1) = (v1, v0);
            (v0s, v1s) = (v1s, v0s);
            Array.Clear(v1);
            (j1, int j2) = PomeranzBounds(i, n, ll, ceilf, roundf);
            double[] pwrs = (i == 1 || i == (2 * n) + 1) ? gpower : (i % 2 == 1 ? twogpower : onem2gpower);
            int ln2 = j2 - k1 + 1;
            if (ln2 > 0)
            {
                int aStart = k1 - v0s;
                int aLen = Math.Min(ln2, npwrs - aStart);
                int bLen = Math.Min(ln2, npwrs);
                int convStart = j1 - k1;
                int convLen = j2 - j1 + 1;
                Debug.Assert(aStart >= 0 && convStart >= 0, "Pomeranz window moves right");
                double max = 0;
                for (int c = 0; c < convLen; c++)
                {
                    int kc = convStart + c;
                    double s = 0;
                    int iLo = Math.Max(0, kc - bLen + 1);
                    int iHi = Math.Min(aLen - 1, kc);
                    for (int q = iLo; q <= iHi; q++)
                    {
                        s += v0[aStart + q] * pwrs[kc - q];
                    }

                    v1[c] = s;
                    max = Math.Max(max, s);
                }

                if (max > 0 && max < ScaleDown)
                {
                    for (int c = 0; c < npwrs; c++)
                    {
                        v1[c] *= ScaleUp;
                    }

                    exponent -= ScaleExponent;
                }

                v1s = v0s + j1 - k1;
            }
        }

        double ans = v1[n - v1s];
        for (int m = 1; m <= n; m++)
        {
            if (Math.Abs(ans) > ScaleUp)
            {
                ans *= ScaleDown;
                exponent += ScaleExponent;
            }

            ans *= m;
        }

        return Clip(Math.ScaleB(ans, exponent));
    }

    private static double PelzGoodCdf(int n, double x)
    {
        const double PiSquared = Math.PI * Math.PI;
        const double PiFour = PiSquared * PiSquared;
        const double PiSix = PiFour * PiSquared;
        double z = Math.Sqrt(n) * x;
        double z2 = z * z;
        double z3 = z2 * z;
        double z4 = z2 * z2;
        double z6 = z4 * z2;
        double qlog = -PiSquared / 8 / z2;
        if (qlog < -708)
        {
            return 0.0;
        }

        double q = Math.Exp(qlog);
        double k1a = -z2;
        double k1b = PiSquared / 4;
        double k2a = (6 * z6) + (2 * z4);
        double k2b = ((2 * z4) - (5 * z2)) * PiSquared / 4;
        double k2c = PiFour * (1 - (2 * z2)) / 16;
        double k3d = PiSix * (5 - (30 * z2)) / 64;
        double k3c = PiFour * ((-60 * z2) + (212 * z4)) / 16;
        double k3b = PiSquared * ((135 * z4) - (96 * z6)) / 4;
        double k3a = (-30 * z6) - (90 * z4 * z4);

        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int maxk = (int)Math.Ceiling(16 * z / Math.PI);
        for (int k = maxk; k > 0; k--)
        {
            double mm = (2 * k) - 1;
            double m2 = mm * mm;
            double m4 = m2 * m2;
            double m6 = m4 * m2;
            double qpower = Math.Pow(q, 8 * k);
            s0 = (s0 * qpower) + 1.0;
            s1 = (s1 * qpower) + k1a + (k1b * m2);
            s2 = (s2 * qpower) + k2a + (k2b * m2) + (k2c * m4);
            s3 = (s3 * qpower) + k3a + (k3b * m2) + (k3c * m4) + (k3d * m6);
        }

        double scale = q * Sqrt2Pi;
        s0 = s0 * scale / z;
        s1 = s1 * scale / (6 * z4);
        s2 = s2 * scale / (72 * z6 * z);
        s3 = s3 * scale / (6480 * z6 * z4);

        double q2 = Math.Exp(-PiSquared / 2 / z2);
        double sqrt3z = Math.Sqrt(3) * z;
        double extra2 = 0;
        double extra3 = 0;
        for (int k = maxk; k > 0; k--)
        {
            double ks = (double)k * k;
            double qp = Math.Pow(q2, ks);
            extra2 += ks * qp;
            double kspi = Math.PI * k;
            extra3 += (sqrt3z + kspi) * (sqrt3z - kspi) * ks * qp;
        }

        s2 += extra2 * PiSquared * Sqrt2Pi / (-36 * z3);
        s3 += extra3 * PiSquared * Sqrt2Pi / (216 * z6);
        double rootN = Math.Sqrt(n);
        return s0 + (s1 / rootN) + (s2 / n) + (s3 / (n * rootN));
    }

    private static double LogFactorialOverPower(int n)
    {
        double rn = 1.0 / n;
        double y = rn / n;
        double poly = 0;
        foreach (double c in StirlingCoefficients)
        {
            poly = (poly * y) + c;
        }

        return (Math.Log(n) / 2) - n + (LogTwoPi / 2) + (rn * poly);
    }

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;

    internal static int GreatestCommonDivisor(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    private static double Clip(double p) => Math.Clamp(p, 0.0, 1.0);
}
