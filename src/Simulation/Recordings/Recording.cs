using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Recordings;

/// <summary>An immutable sequence of model inputs (one row per inference) with the action taken after each.</summary>
/// <remarks>Thread-safe: nothing changes after construction.</remarks>
public sealed class Recording
{
    private readonly float[] _features;
    private readonly RobotAction[] _actions;

    /// <summary>Creates a recording from row-major <paramref name="features"/> (rows × names) and one action per row.</summary>
    public Recording(IReadOnlyList<string> featureNames, float[] features, RobotAction[] actions)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(actions);
        if (featureNames.Count == 0)
        {
            throw new ArgumentException("a recording needs at least one feature", nameof(featureNames));
        }

        if (features.Length != actions.Length * featureNames.Count)
        {
            throw new ArgumentException($"{features.Length} feature values do not make {actions.Length} rows of {featureNames.Count} features", nameof(features));
        }

        FeatureNames = featureNames.ToArray();
        _features = features;
        _actions = actions;
    }

    /// <summary>Feature (column) names, in model-input order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Number of rows.</summary>
    public int Count => _actions.Length;

    /// <summary>Number of features per row.</summary>
    public int Width => FeatureNames.Count;

    /// <summary>The input features of row <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Row(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _features.AsSpan(index * Width, Width);
    }

    /// <summary>The action taken after row <paramref name="index"/>.</summary>
    public RobotAction Action(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _actions[index];
    }

    /// <summary>All feature values, row-major.</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>All actions, one per row.</summary>
    public ReadOnlySpan<RobotAction> Actions => _actions;

    /// <summary>Per feature, the mean and the population standard deviation (divisor n) over all rows, in a fixed summation order.</summary>
    internal (double[] Mean, double[] StandardDeviation) ColumnMoments()
    {
        var width = Width;
        var mean = new double[width];
        var sd = new double[width];
        var features = Features;
        for (var r = 0; r < Count; r++)
        {
            for (var i = 0; i < width; i++)
            {
                mean[i] += features[(r * width) + i];
            }
        }

        for (var i = 0; i < width; i++)
        {
            mean[i] /= Count;
        }

        for (var r = 0; r < Count; r++)
        {
            for (var i = 0; i < width; i++)
            {
                var d = features[(r * width) + i] - mean[i];
                sd[i] += d * d;
            }
        }

        for (var i = 0; i < width; i++)
        {
            sd[i] = Math.Sqrt(sd[i] / Count);
        }

        return (mean, sd);
    }
}
