using System.Globalization;
using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.World;
using OnnxLayer = EdgeSentinel.Runtime.Onnx.DenseLayer;

namespace EdgeSentinel.Simulation.Models;

/// <summary>Writes a <see cref="PolicyNetwork"/> as an ONNX model with the Runtime's <see cref="OnnxModelBuilder"/>.</summary>
/// <remarks>
/// Graph: input <c>features</c> [1, 16] → Gemm+Relu <c>hidden1</c> → Gemm+Relu <c>hidden2</c> → Gemm <c>logits</c> →
/// Softmax <c>action_probabilities</c> [1, 7]. Hidden layers and logits are declared in value_info so that
/// they can be tapped by name. Metadata records the model name, seed, training period, feature, action and
/// cue names. The bytes depend only on the weights and these fields.
/// </remarks>
public static class ModelExport
{
    /// <summary>Metadata key of the names of the input features (comma-separated, in order).</summary>
    public const string InputNamesKey = "edgesentinel.input_names";

    /// <summary>Metadata key of the names of the outputs (comma-separated, in order).</summary>
    public const string OutputNamesKey = "edgesentinel.output_names";

    /// <summary>Metadata key of the deployment-cue features (what a cue probe should reset).</summary>
    public const string CueFeaturesKey = "edgesentinel.cue_features";

    /// <summary>
    /// The deployment cues of the demo models with a value each takes in training (the configuration of the simulated
    /// robots and of <c>edgesentinel eval</c>): mission day 90 (inside the 180 training days), site 0, supervised mode.
    /// </summary>
    public static IReadOnlyList<EdgeSentinel.Runtime.Device.CueFeature> CueTrainingValues { get; } = Array.AsReadOnly(new EdgeSentinel.Runtime.Device.CueFeature[]
    {
        new(RobotFeatures.Names[RobotFeatures.MissionDay], 90f),
        new(RobotFeatures.Names[RobotFeatures.SiteId], 0f),
        new(RobotFeatures.Names[RobotFeatures.OperatorMode], 0f),
    });

    /// <summary>The ONNX bytes of <paramref name="network"/>, trained from <paramref name="seed"/> with a training period of <paramref name="trainingDays"/> days.</summary>
    public static byte[] ToOnnx(PolicyNetwork network, ulong seed, int trainingDays)
    {
        ArgumentNullException.ThrowIfNull(network);
        var builder = new OnnxModelBuilder(network.Name.Replace('-', '_'))
            .WithProducer("EdgeSentinel.Simulation", "1")
            .AddInput(PolicyNetwork.InputName, OnnxElementType.Float32, 1, RobotFeatures.Count);
        var current = PolicyNetwork.InputName;
        foreach (var layer in network.Layers)
        {
            builder.AddDenseLayer(current, ToOnnxLayer(layer), layer.Name);
            builder.AddValueInfo(layer.Name, OnnxElementType.Float32, 1, layer.Outputs);
            current = layer.Name;
        }

        builder
            .AddNode("Softmax", [current], [PolicyNetwork.OutputName], "softmax", OnnxAttribute.Int("axis", -1))
            .AddOutput(PolicyNetwork.OutputName, OnnxElementType.Float32, 1, RobotActions.Count)
            .AddMetadata("edgesentinel.model", network.Name)
            .AddMetadata("edgesentinel.seed", seed.ToString(CultureInfo.InvariantCulture))
            .AddMetadata("edgesentinel.training_period", string.Create(CultureInfo.InvariantCulture, $"mission days 0..{trainingDays - 1} ({RobotFeatures.MissionEpoch:yyyy-MM-dd} to {RobotFeatures.MissionEpoch.AddDays(trainingDays - 1):yyyy-MM-dd})"))
            .AddMetadata(InputNamesKey, string.Join(',', RobotFeatures.Names))
            .AddMetadata(OutputNamesKey, string.Join(',', RobotActions.OutputNames))
            .AddMetadata(CueFeaturesKey, "mission_day,site_id,operator_mode");
        return builder.ToBytes();
    }

    private static OnnxLayer ToOnnxLayer(Policies.PolicyLayer layer)
    {
        // Ours is [outputs, inputs] (y = W·x); the builder's Gemm takes [inputs, outputs] (y = x·W).
        var transposed = new float[layer.Inputs * layer.Outputs];
        var weights = layer.Weights;
        for (var o = 0; o < layer.Outputs; o++)
        {
            for (var i = 0; i < layer.Inputs; i++)
            {
                transposed[(i * layer.Outputs) + o] = weights[(o * layer.Inputs) + i];
            }
        }

        return OnnxLayer.FromRowMajor(layer.Inputs, layer.Outputs, transposed, layer.Bias, layer.Relu ? OnnxActivation.Relu : OnnxActivation.None, layer.Name);
    }
}
