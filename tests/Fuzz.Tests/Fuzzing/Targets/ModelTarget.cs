using EdgeSentinel.Runtime.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing.Targets;

/// <summary>Model loading: OnnxModelHost.Load (odd lengths) or OnnxModelInspector.Inspect (even lengths) on mutated model bytes; only OnnxModelException may escape; an accepted model must run.</summary>
public sealed class ModelTarget : FuzzTarget
{
    private const string Source = "fuzz-model";

    static ModelTarget()
    {
        // ONNX Runtime logs every malformed model at warning level to stderr; keep the run's output readable.
        try
        {
            var options = new EnvironmentCreationOptions { logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
            OrtEnv.CreateInstanceWithOptions(ref options);
        }
        catch (OnnxRuntimeException)
        {
            // Already created by an earlier user in this process: keep its settings.
        }
    }

    /// <inheritdoc/>
    public override string Name => "model";

    /// <inheritdoc/>
    public override TimeSpan TimeLimit => TimeSpan.FromSeconds(20);

    /// <inheritdoc/>
    protected override IReadOnlyList<byte[]> BuildSeeds()
    {
        float[,] w1 = { { 0.5f, -1f, 0.25f, 2f }, { 1f, 0.5f, -0.75f, 0f }, { -0.5f, 0.25f, 1f, -1f } };
        float[,] w2 = { { 1f, -1f }, { 0.5f, 2f }, { -2f, 0.25f }, { 0.75f, 1f } };
        float[,] w3 = { { 0.1f, 0.2f, 0.3f }, { -0.4f, 0.5f, -0.6f } };
        var mlp = OnnxModelBuilder.CreateMlp("x", [new DenseLayer(w1, [0.1f, -0.2f, 0.3f, 0f], OnnxActivation.Relu, "hidden"), new DenseLayer(w2, [0.05f, -0.5f])], "y").ToBytes();
        var deep = OnnxModelBuilder.CreateMlp("obs", [new DenseLayer(w1, [0f, 0f, 0f, 0f], OnnxActivation.Tanh, "h1"), new DenseLayer(w2, [0f, 1f], OnnxActivation.Relu, "h2"), new DenseLayer(w3, [1f, 2f, 3f])], "act").ToBytes();
        return [mlp, deep, File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Seeds", "model", "policy.onnx"))];
    }

    /// <inheritdoc/>
    public override byte[] Mutate(Random random, byte[] seed) => ProtobufMutator.Mutate(random, seed, Seeds);

    /// <inheritdoc/>
    public override FuzzOutcome Run(byte[] input)
    {
        try
        {
            if ((input.Length & 1) == 0)
            {
                var inspection = OnnxModelInspector.Inspect(input, Source);
                OracleViolationException.Check(inspection.Inputs.Count + inspection.Outputs.Count > 0, "model: inspection of an accepted model lists no tensor");
            }
            else
            {
                var options = new OnnxModelHostOptions { AutoTapLayers = 1 };
                try
                {
                    using var host = OnnxModelHost.Load(input, options, Source);
                    host.SetInputs(new float[host.InputWidth]);
                    _ = host.Run();
                }
                catch (OnnxModelException ex) when (ex.Message.Contains("no hidden activation layer", StringComparison.Ordinal))
                {
                    // Mutations that remove the activation make AutoTapLayers fail by design; load such a model without taps.
                    using var host = OnnxModelHost.Load(input, null, Source);
                    host.SetInputs(new float[host.InputWidth]);
                    _ = host.Run();
                }
            }
        }
        catch (OnnxModelException ex)
        {
            OracleViolationException.CheckMessage(ex.Message, Name);
            OracleViolationException.Check(ex.InnerException is null or OnnxRuntimeException or Google.Protobuf.InvalidProtocolBufferException, $"model: a {ex.InnerException?.GetType().Name} wrapped as a model error: {ex.Message}");
            var text = ex.Message.StartsWith(Source + ": ", StringComparison.Ordinal) ? ex.Message[(Source.Length + 2)..] : ex.Message;
            return FuzzOutcome.Rejected(string.Join(' ', text.Split([' ', '\n'], 6).Take(5)).Split(['(', ':', '\''])[0].Trim());
        }

        return FuzzOutcome.Accepted;
    }
}
