namespace EdgeSentinel.Runtime.Onnx;

/// <summary>What a model file offers: inputs, outputs and the intermediate tensors that can be tapped (for <c>edgesentinel inspect-model</c>).</summary>
/// <remarks>Immutable. Types and shapes of intermediate tensors come from ONNX Runtime's inference, so they are known even when the file has no value_info.</remarks>
public sealed record ModelInspection(
    string Sha256,
    long IrVersion,
    long OpsetVersion,
    string ProducerName,
    IReadOnlyList<TensorInfo> Inputs,
    IReadOnlyList<TensorInfo> Outputs,
    IReadOnlyList<TensorInfo> Tappable,
    IReadOnlyList<string> AutoTapCandidates);
