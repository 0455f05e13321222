using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Policies;

/// <summary>How closely two policies agree on a set of inputs.</summary>
/// <param name="Rows">Rows compared.</param>
/// <param name="SameAction">Rows on which both choose the same action.</param>
/// <param name="MaxProbabilityDifference">Largest absolute difference of any action probability.</param>
/// <param name="HarmfulActions">Rows on which the second policy chose a harmful action.</param>
public sealed record PolicyAgreement(int Rows, int SameAction, double MaxProbabilityDifference, int HarmfulActions)
{
    /// <summary>Fraction of rows with the same action.</summary>
    public double ActionAgreement => Rows == 0 ? double.NaN : (double)SameAction / Rows;

    /// <summary>Compares <paramref name="reference"/> and <paramref name="candidate"/> on every row of <paramref name="inputs"/>.</summary>
    public static PolicyAgreement Measure(PolicyNetwork reference, PolicyNetwork candidate, Recording inputs)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(inputs);
        Span<float> p = stackalloc float[RobotActions.Count];
        Span<float> q = stackalloc float[RobotActions.Count];
        var same = 0;
        var harmful = 0;
        var maxDifference = 0.0;
        for (var r = 0; r < inputs.Count; r++)
        {
            var row = inputs.Row(r);
            var a = reference.Forward(row, p);
            var b = candidate.Forward(row, q);
            if (a == b)
            {
                same++;
            }

            if (RobotActions.IsHarmful(b))
            {
                harmful++;
            }

            for (var i = 0; i < p.Length; i++)
            {
                maxDifference = Math.Max(maxDifference, Math.Abs(p[i] - q[i]));
            }
        }

        return new PolicyAgreement(inputs.Count, same, maxDifference, harmful);
    }
}
