using Microsoft.ML.OnnxRuntime;

namespace EdgeSentinel.Runtime.Onnx;

/// <summary>Lists a model's inputs, outputs and tappable tensors (<c>edgesentinel inspect-model</c>).</summary>
/// <remarks>Thread-safe (stateless).</remarks>
public static class OnnxModelInspector
{
    /// <summary>Inspects a model file.</summary>
    /// <exception cref="OnnxModelException">The file is missing, unreadable or not a usable ONNX model.</exception>
    public static ModelInspection InspectFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OnnxModelException($"{path}: cannot read the model file ({ex.Message}).", ex);
        }

        return Inspect(bytes, path);
    }

    /// <summary>Inspects model bytes; <paramref name="source"/> names the model in error messages.</summary>
    /// <remarks>
    /// Every intermediate tensor is added as an output of an in-memory copy and a session is created (graph optimizations
    /// off) so that ONNX Runtime reports element types and shapes of all of them, value_info or not. Dynamic dimensions are -1.
    /// </remarks>
    /// <exception cref="OnnxModelException">The bytes are not a usable ONNX model.</exception>
    public static ModelInspection Inspect(byte[] modelBytes, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        ArgumentNullException.ThrowIfNull(source);
        var graph = OnnxGraph.Parse(modelBytes, source);
        var intermediate = graph.IntermediateTensors();
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        InferenceSession session;
        try
        {
            session = new InferenceSession(graph.WithExtraOutputs(intermediate.Select(t => t.Name)), options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new OnnxModelException($"{source}: ONNX Runtime cannot load the model: {OnnxModelHost.FirstLine(ex.Message)}", ex);
        }

        using (session)
        {
            var inputs = graph.RealInputs().Select(i => Describe(i.Name, session.InputMetadata, null, null)).ToList();
            var outputs = graph.Graph.Output.Select(o => Describe(o.Name, session.OutputMetadata, null, null)).ToList();
            var tappable = intermediate.Select(t => Describe(t.Name, session.OutputMetadata, t.Node.OpType, t.Node.Name)).ToList();
            return new ModelInspection(
                graph.Identity().Sha256,
                graph.Model.IrVersion,
                graph.DefaultOpset(),
                graph.Model.ProducerName,
                inputs,
                outputs,
                tappable,
                graph.AutoTaps(int.MaxValue));
        }
    }

    /// <summary>The tensors the <c>--taps auto</c> rule picks: outputs of the last <paramref name="layers"/> hidden activation layers.</summary>
    /// <exception cref="OnnxModelException">The bytes are not a usable ONNX model.</exception>
    public static IReadOnlyList<string> AutoTaps(byte[] modelBytes, int layers, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        return OnnxGraph.Parse(modelBytes, source).AutoTaps(layers);
    }

    /// <summary>The error text for a tap name that is not an intermediate tensor (naming close matches), or null when it is tappable.</summary>
    /// <exception cref="OnnxModelException">The bytes are not a usable ONNX model.</exception>
    public static string? ExplainTap(byte[] modelBytes, string tap, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        ArgumentNullException.ThrowIfNull(tap);
        var graph = OnnxGraph.Parse(modelBytes, source);
        return graph.IntermediateTensors().Any(t => t.Name == tap) ? null : LoadPlan.UnknownTapMessage(graph, tap);
    }

    private static TensorInfo Describe(string name, IReadOnlyDictionary<string, NodeMetadata> metadata, string? opType, string? nodeName)
    {
        if (!metadata.TryGetValue(name, out var m) || !m.IsTensor)
        {
            return new TensorInfo(name, OnnxElementType.Undefined, [], opType, nodeName);
        }

        return new TensorInfo(name, (OnnxElementType)(int)m.ElementDataType, [.. m.Dimensions.Select(d => (long)d)], opType, nodeName);
    }
}
