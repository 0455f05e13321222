namespace EdgeSentinel.Monitor.Tests.Detection.Sequential;

/// <summary>Seeded standardized score generator: N(0,1) or Student-t(4)/√2, equicorrelated across streams.</summary>
internal sealed class NullScoreGenerator
{
    private readonly Random _random;
    private double _spare;
    private bool _hasSpare;

    public NullScoreGenerator(int seed)
    {
        _random = new Random(seed);
    }

    public double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }

        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        var radius = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = radius * Math.Sin(2 * Math.PI * u2);
        _hasSpare = true;
        return radius * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>√(4 / χ²₄) scaled so that the t(4) variable has unit variance (t(4) has variance 2).</summary>
    public double NextStudentT4Scale()
    {
        var chiSquare4 = -2.0 * Math.Log((1.0 - _random.NextDouble()) * (1.0 - _random.NextDouble()));
        return Math.Sqrt(4.0 / chiSquare4) / Math.Sqrt(2.0);
    }

    /// <summary>One row: zᵢ = √ρ·f + √(1−ρ)·eᵢ (Gaussian), times a shared t(4) scale when heavy-tailed (multivariate t).</summary>
    public void FillRow(Span<double> row, double correlation, bool heavyTailed)
    {
        var common = Math.Sqrt(correlation) * NextGaussian();
        var own = Math.Sqrt(1.0 - correlation);
        var scale = heavyTailed ? NextStudentT4Scale() : 1.0;
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = scale * (common + (own * NextGaussian()));
        }
    }

    public double[] Rows(int rows, int streams, double correlation, bool heavyTailed)
    {
        var result = new double[rows * streams];
        for (var r = 0; r < rows; r++)
        {
            FillRow(result.AsSpan(r * streams, streams), correlation, heavyTailed);
        }

        return result;
    }
}
