using EdgeSentinel.Simulation.Policies;

namespace EdgeSentinel.Simulation.Models;

/// <summary>One model written by <see cref="ModelCatalog.BuildAll"/>.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Path">File written.</param>
/// <param name="Sha256">SHA-256 of the file (lower-case hex).</param>
/// <param name="AgreementWithPolicy">Action agreement with the honest policy on the training demonstrations (C# forward pass).</param>
/// <param name="OnnxRuntime">The file run by ONNX Runtime compared with the C# forward pass on the demonstrations.</param>
/// <param name="BaselineSha256">SHA-256 of the model's own baseline file (null when it is watched with another model's baseline).</param>
public sealed record BuiltModel(string Name, string Path, string Sha256, PolicyAgreement AgreementWithPolicy, OnnxComparison OnnxRuntime, string? BaselineSha256 = null);
