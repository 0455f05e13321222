namespace EdgeSentinel.Monitor.Baselines;

/// <summary>One canary: a flattened model input and the output recorded for it at baseline time.</summary>
/// <remarks>Immutable and thread-safe: the arrays are copied in and exposed as read-only spans.</remarks>
public sealed class Canary
{
    private readonly float[] _inputs;
    private readonly float[] _expectedOutputs;

    /// <summary>Creates a canary; every value must be finite.</summary>
    public Canary(ReadOnlySpan<float> inputs, ReadOnlySpan<float> expectedOutputs)
    {
        if (inputs.IsEmpty || expectedOutputs.IsEmpty)
        {
            throw new ArgumentException("A canary needs at least one input and one output value.");
        }

        for (var i = 0; i < inputs.Length; i++)
        {
            if (!float.IsFinite(inputs[i]))
            {
                throw new ArgumentException($"Canary input {i} is {inputs[i]}; canary values must be finite.", nameof(inputs));
            }
        }

        for (var i = 0; i < expectedOutputs.Length; i++)
        {
            if (!float.IsFinite(expectedOutputs[i]))
            {
                throw new ArgumentException($"Canary expected output {i} is {expectedOutputs[i]}; canary values must be finite.", nameof(expectedOutputs));
            }
        }

        _inputs = inputs.ToArray();
        _expectedOutputs = expectedOutputs.ToArray();
    }

    /// <summary>The input to replay.</summary>
    public ReadOnlySpan<float> Inputs => _inputs;

    /// <summary>The output the baseline model gave.</summary>
    public ReadOnlySpan<float> ExpectedOutputs => _expectedOutputs;
}
