using System.Collections.ObjectModel;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Baselines;

/// <summary>Canary inputs with their expected outputs, and the tolerance a replay must meet.</summary>
/// <remarks>
/// An output matches when |actual − expected| ≤ AbsoluteTolerance + RelativeTolerance·|expected|.
/// Immutable and thread-safe.
/// </remarks>
public sealed class CanarySet
{
    /// <summary>Default absolute tolerance: float32 kernels of different runtimes differ by about 1e-6.</summary>
    public const float DefaultAbsoluteTolerance = 1e-4f;

    /// <summary>Default relative tolerance.</summary>
    public const float DefaultRelativeTolerance = 1e-3f;

    /// <summary>Largest number of canaries in a set.</summary>
    public const int MaxCanaries = 4096;

    /// <summary>Creates a set; all canaries must have the same input and output lengths.</summary>
    public CanarySet(IEnumerable<Canary> canaries, float absoluteTolerance = DefaultAbsoluteTolerance, float relativeTolerance = DefaultRelativeTolerance)
    {
        ArgumentNullException.ThrowIfNull(canaries);
        if (!float.IsFinite(absoluteTolerance) || absoluteTolerance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(absoluteTolerance), absoluteTolerance, "must be finite and non-negative");
        }

        if (!float.IsFinite(relativeTolerance) || relativeTolerance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(relativeTolerance), relativeTolerance, "must be finite and non-negative");
        }

        var list = canaries.ToList();
        if (list.Count > MaxCanaries)
        {
            throw new ArgumentException($"{list.Count} canaries, at most {MaxCanaries} allowed.", nameof(canaries));
        }

        for (var i = 1; i < list.Count; i++)
        {
            if (list[i].Inputs.Length != list[0].Inputs.Length || list[i].ExpectedOutputs.Length != list[0].ExpectedOutputs.Length)
            {
                throw new ArgumentException($"Canary {i} has {list[i].Inputs.Length} inputs and {list[i].ExpectedOutputs.Length} outputs; canary 0 has {list[0].Inputs.Length} and {list[0].ExpectedOutputs.Length}.", nameof(canaries));
            }
        }

        Canaries = new ReadOnlyCollection<Canary>(list);
        AbsoluteTolerance = absoluteTolerance;
        RelativeTolerance = relativeTolerance;
    }

    /// <summary>An empty set.</summary>
    public static CanarySet Empty { get; } = new([]);

    /// <summary>The canaries.</summary>
    public IReadOnlyList<Canary> Canaries { get; }

    /// <summary>Absolute tolerance per output value.</summary>
    public float AbsoluteTolerance { get; }

    /// <summary>Relative tolerance per output value.</summary>
    public float RelativeTolerance { get; }

    /// <summary>
    /// Compares a replayed output with canary <paramref name="index"/>'s expected output; returns whether
    /// it matches and the worst excess over the tolerance (≤ 0 when matching). NaN never matches.
    /// </summary>
    public bool Matches(int index, ReadOnlySpan<float> actualOutputs, out int worstOutput, out double worstError)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Canaries.Count);
        var expected = Canaries[index].ExpectedOutputs;
        if (actualOutputs.Length != expected.Length)
        {
            throw new ArgumentException($"Canary {index} expects {expected.Length} outputs, got {actualOutputs.Length}.", nameof(actualOutputs));
        }

        worstOutput = -1;
        worstError = double.NegativeInfinity;
        var matches = true;
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs((double)actualOutputs[i] - expected[i]);
            var allowed = AbsoluteTolerance + (RelativeTolerance * Math.Abs(expected[i]));
            var excess = double.IsNaN(error) ? double.PositiveInfinity : error - allowed;
            if (excess > worstError)
            {
                worstError = excess;
                worstOutput = i;
            }

            if (!(error <= allowed))
            {
                matches = false;
            }
        }

        return matches;
    }

    internal void WriteTo(BinaryBufferWriter writer)
    {
        writer.WriteSingle(AbsoluteTolerance);
        writer.WriteSingle(RelativeTolerance);
        writer.WriteInt32(Canaries.Count);
        foreach (var c in Canaries)
        {
            writer.WriteSingleArray(c.Inputs);
            writer.WriteSingleArray(c.ExpectedOutputs);
        }
    }

    internal static CanarySet ReadFrom(ref BinaryBufferReader reader)
    {
        var start = reader.Position;
        var absolute = reader.ReadSingle("canary absolute tolerance");
        var relative = reader.ReadSingle("canary relative tolerance");
        if (!float.IsFinite(absolute) || absolute < 0 || !float.IsFinite(relative) || relative < 0)
        {
            throw reader.Fail(start, $"canary tolerances must be finite and non-negative, found {absolute} and {relative}");
        }

        var count = reader.ReadCount("canary count", MaxCanaries);
        var list = new Canary[count];
        for (var i = 0; i < count; i++)
        {
            var at = reader.Position;
            var inputs = reader.ReadSingleArray("canary inputs", FingerprintLimits.MaxCanaryValues);
            var outputs = reader.ReadSingleArray("canary outputs", FingerprintLimits.MaxCanaryValues);
            if (inputs.Length == 0 || outputs.Length == 0 || !inputs.All(float.IsFinite) || !outputs.All(float.IsFinite)
                || (i > 0 && (inputs.Length != list[0].Inputs.Length || outputs.Length != list[0].ExpectedOutputs.Length)))
            {
                throw reader.Fail(at, $"canary {i} is empty, has non-finite values, or differs in length from canary 0");
            }

            list[i] = new Canary(inputs, outputs);
        }

        return new CanarySet(list, absolute, relative);
    }
}
