using EdgeSentinel.Monitor.Statistics;
using FsCheck;
using FsCheck.Xunit;

namespace EdgeSentinel.Monitor.Tests.Statistics;

// Properties that hold for any finite samples (FsCheck generates them; integers give many ties).
public sealed class DistancePropertyTests
{
    [Property(MaxTest = 200)]
    public bool KsStatistic_IsSymmetricAndInUnitInterval(NonEmptyArray<int> a, NonEmptyArray<int> b)
    {
        double[] x = Array.ConvertAll(a.Get, v => (double)v);
        double[] y = Array.ConvertAll(b.Get, v => (double)v);
        double d = KolmogorovSmirnov.Statistic(x, y);
        return d >= 0 && d <= 1 && d == KolmogorovSmirnov.Statistic(y, x) && KolmogorovSmirnov.Statistic(x, x) == 0;
    }

    [Property(MaxTest = 200)]
    public bool KsTwoSample_PValueIsAProbability(NonEmptyArray<int> a, NonEmptyArray<int> b)
    {
        double[] x = Array.ConvertAll(a.Get, v => (double)v);
        double[] y = Array.ConvertAll(b.Get, v => (double)v);
        EdgeSentinel.Monitor.Statistics.TestResult r = KolmogorovSmirnov.TwoSample(x, y);
        return r.PValue >= 0 && r.PValue <= 1;
    }

    [Property(MaxTest = 200)]
    public bool Wasserstein_IsSymmetricAndShiftEquivariant(NonEmptyArray<int> a, NonEmptyArray<int> b, int shift)
    {
        double[] x = Array.ConvertAll(a.Get, v => (double)v);
        double[] y = Array.ConvertAll(b.Get, v => (double)v);
        double[] shifted = Array.ConvertAll(x, v => v + shift);
        double w = Wasserstein.Distance(x, y);
        return w >= 0
            && Math.Abs(w - Wasserstein.Distance(y, x)) <= 1e-9 * (1 + w)
            && Math.Abs(Wasserstein.Distance(x, shifted) - Math.Abs((double)shift)) <= 1e-9 * (1 + Math.Abs((double)shift));
    }

    [Property(MaxTest = 200)]
    public bool JensenShannonBase2_IsSymmetricAndAtMostOne(NonEmptyArray<PositiveInt> counts, int seed)
    {
        long[] p = Array.ConvertAll(counts.Get, c => (long)c.Get);
        long[] q = new long[p.Length];
        var random = new Random(seed);
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = random.Next(0, 50);
        }

        q[0] += 1;
        double d = JensenShannon.Distance(p, q, 2);
        return d >= 0 && d <= 1 + 1e-15 && Math.Abs(d - JensenShannon.Distance(q, p, 2)) <= 1e-15;
    }
}
