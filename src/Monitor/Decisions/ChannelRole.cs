namespace EdgeSentinel.Monitor.Decisions;

/// <summary>What a fingerprint channel measures; decides which alert a moved channel feeds.</summary>
public enum ChannelRole
{
    /// <summary>A model input feature.</summary>
    Input = 0,

    /// <summary>A model output feature.</summary>
    Output = 1,

    /// <summary>A signal derived from the outputs (argmax class, max probability, entropy).</summary>
    Derived = 2,

    /// <summary>A tapped internal activation (projected).</summary>
    Activation = 3,

    /// <summary>Inference latency.</summary>
    Latency = 4,
}
