namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>How the model's output vector is read; decides which derived channels exist.</summary>
public enum OutputKind
{
    /// <summary>Real-valued outputs (e.g. steering, throttle): no derived channels.</summary>
    Regression,

    /// <summary>Class probabilities summing to one: argmax, max probability and entropy are derived.</summary>
    Probabilities,

    /// <summary>Unnormalized class scores: softmax is applied before deriving argmax, max probability and entropy.</summary>
    Logits,
}
