using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Runtime.Onnx.Protos;
using Google.Protobuf;

namespace EdgeSentinel.Runtime.Onnx;

/// <summary>A parsed model file: the protobuf, its hash, and the graph queries the host and the inspector need.</summary>
internal sealed class OnnxGraph
{
    /// <summary>Op types whose outputs count as hidden-layer activations for the <c>--taps auto</c> rule.</summary>
    internal static readonly IReadOnlySet<string> ActivationOps = new HashSet<string>(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Gelu", "Tanh", "Sigmoid", "HardSigmoid",
        "HardSwish", "Softplus", "Softsign", "Mish", "ThresholdedRelu", "Clip", "Softmax", "LogSoftmax",
    };

    private OnnxGraph(byte[] bytes, ModelProto model)
    {
        Bytes = bytes;
        Model = model;
        Graph = model.Graph;
    }

    public byte[] Bytes { get; }

    public ModelProto Model { get; }

    public GraphProto Graph { get; }

    /// <summary>Parses model bytes, turning every parse failure into an <see cref="OnnxModelException"/>.</summary>
    public static OnnxGraph Parse(byte[] bytes, string source)
    {
        if (bytes.Length == 0)
        {
            throw new OnnxModelException($"{source}: the model file is empty.");
        }

        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new OnnxModelException($"{source}: not an ONNX model (the protobuf does not parse: {ex.Message}).", ex);
        }

        var problems = new List<string>();
        if (model.Graph is null)
        {
            problems.Add("it has no graph");
        }
        else
        {
            if (model.Graph.Output.Count == 0)
            {
                problems.Add("its graph has no outputs");
            }

            if (model.Graph.Node.Count == 0 && model.Graph.Input.Count == 0)
            {
                problems.Add("its graph has no nodes and no inputs");
            }

            // The identity and the load plan read these declarations; refuse what no valid model declares.
            CheckDeclarations(model.Graph.Input, "input", problems);
            CheckDeclarations(model.Graph.Output, "output", problems);
        }

        if (model.IrVersion <= 0)
        {
            problems.Add("it declares no IR version");
        }

        if (model.OpsetImport.Count == 0)
        {
            problems.Add("it imports no operator set");
        }

        if (problems.Count > 0)
        {
            throw new OnnxModelException($"{source}: not a usable ONNX model: {string.Join("; ", problems)}.");
        }

        return new OnnxGraph(bytes, model);
    }

    /// <summary>Graph inputs that are real inputs (older files also list initializers as inputs).</summary>
    public IReadOnlyList<ValueInfoProto> RealInputs()
    {
        var initializers = new HashSet<string>(Graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        return [.. Graph.Input.Where(i => !initializers.Contains(i.Name))];
    }

    /// <summary>Opset of the default domain, or 0.</summary>
    public long DefaultOpset() =>
        Model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0;

    /// <summary>Node outputs that are neither graph inputs nor graph outputs, in graph order, with their node.</summary>
    public IReadOnlyList<(string Name, NodeProto Node)> IntermediateTensors()
    {
        var outputs = new HashSet<string>(Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<(string, NodeProto)>();
        foreach (var node in Graph.Node)
        {
            foreach (var output in node.Output)
            {
                if (output.Length > 0 && !outputs.Contains(output) && seen.Add(output))
                {
                    list.Add((output, node));
                }
            }
        }

        return list;
    }

    /// <summary>The <c>--taps auto</c> rule: first outputs of the last <paramref name="count"/> activation nodes that do not produce a graph output, in graph order.</summary>
    public IReadOnlyList<string> AutoTaps(int count)
    {
        var outputs = new HashSet<string>(Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var candidates = Graph.Node
            .Where(n => n.Domain is "" or "ai.onnx" && ActivationOps.Contains(n.OpType) && n.Output.Count > 0 && n.Output[0].Length > 0 && !outputs.Contains(n.Output[0]))
            .Select(n => n.Output[0])
            .ToList();
        return candidates.Count <= count ? candidates : candidates.GetRange(candidates.Count - count, count);
    }

    /// <summary>Declared type of a tensor from the graph's inputs, outputs or value_info, or null.</summary>
    public ValueInfoProto? DeclaredValueInfo(string name) =>
        Graph.ValueInfo.FirstOrDefault(v => v.Name == name && v.Type?.TensorType is { ElemType: > 0 });

    /// <summary>A copy of the model whose graph also outputs <paramref name="extraOutputs"/> (typed from value_info when declared, else left for ONNX Runtime to infer).</summary>
    public byte[] WithExtraOutputs(IEnumerable<string> extraOutputs)
    {
        var copy = Model.Clone();
        foreach (var name in extraOutputs)
        {
            copy.Graph.Output.Add(DeclaredValueInfo(name)?.Clone() ?? new ValueInfoProto { Name = name });
        }

        return copy.ToByteArray();
    }

    /// <summary>The model identity: SHA-256 of the file bytes and the declared input/output signatures.</summary>
    public ModelIdentity Identity() =>
        ModelIdentity.FromModelBytes(Bytes, RealInputs().Select(Signature), Graph.Output.Select(Signature));

    /// <summary>Declared element type of a value, or <see cref="OnnxElementType.Undefined"/>.</summary>
    public static OnnxElementType DeclaredType(ValueInfoProto value) =>
        value.Type?.TensorType is { } t ? (OnnxElementType)t.ElemType : OnnxElementType.Undefined;

    /// <summary>Declared shape with -1 for dynamic dimensions; empty when the file declares no shape.</summary>
    public static long[] DeclaredShape(ValueInfoProto value) =>
        value.Type?.TensorType?.Shape is { } shape
            ? [.. shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1)]
            : [];

    /// <summary>Names of the dynamic dimensions of a declared shape (null for an unnamed one).</summary>
    public static string?[] DimensionParameters(ValueInfoProto value) =>
        value.Type?.TensorType?.Shape is { } shape
            ? [.. shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? d.DimParam : null)]
            : [];

    private static void CheckDeclarations(IEnumerable<ValueInfoProto> values, string what, List<string> problems)
    {
        var index = 0;
        foreach (var value in values)
        {
            if (string.IsNullOrWhiteSpace(value.Name))
            {
                problems.Add($"graph {what} {index} has no name");
            }

            var shape = DeclaredShape(value);
            for (var d = 0; d < shape.Length; d++)
            {
                if (value.Type.TensorType.Shape.Dim[d].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && shape[d] < 0)
                {
                    problems.Add($"{what} '{value.Name}' dimension {d} is {shape[d]} (a fixed dimension must be >= 0)");
                }
            }

            index++;
        }
    }

    private static TensorSignature Signature(ValueInfoProto value) =>
        new(value.Name, OnnxElementTypes.ToName(DeclaredType(value)), DeclaredShape(value));
}
