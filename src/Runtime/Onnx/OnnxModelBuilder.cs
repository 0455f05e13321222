using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using EdgeSentinel.Runtime.Onnx.Protos;
using Google.Protobuf;

namespace EdgeSentinel.Runtime.Onnx;

/// <summary>Builds an ONNX model in code (default: IR version 8, opset 17) and writes its bytes.</summary>
/// <remarks>
/// Not thread-safe. The same sequence of calls always produces the same bytes (no time stamps, no
/// random names). <see cref="ToBytes"/> checks the graph first: unique names, every node input
/// defined before use, every graph output produced; all problems are reported together.
/// </remarks>
/// <example><code>
/// var bytes = OnnxModelBuilder.CreateMlp("x", [new DenseLayer(w1, b1, OnnxActivation.Relu, "hidden"), new DenseLayer(w2, b2)], "y").ToBytes();
/// </code></example>
public sealed class OnnxModelBuilder
{
    private readonly GraphProto _graph;
    private readonly ModelProto _model;

    /// <summary>Creates an empty model.</summary>
    public OnnxModelBuilder(string graphName = "main", long opsetVersion = 17, long irVersion = 8)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        ArgumentOutOfRangeException.ThrowIfLessThan(opsetVersion, 7);
        ArgumentOutOfRangeException.ThrowIfLessThan(irVersion, 3);
        _graph = new GraphProto { Name = graphName };
        _model = new ModelProto { IrVersion = irVersion, ProducerName = "EdgeSentinel", Graph = _graph };
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opsetVersion });
    }

    /// <summary>Creates an MLP: input <paramref name="inputName"/> of shape [batch, inputs], one Gemm (+ activation) per layer, output <paramref name="outputName"/>.</summary>
    /// <remarks>
    /// Hidden layer outputs are named by <see cref="DenseLayer.Name"/> (default <c>hidden{i}</c>) and declared in
    /// value_info, so they can be tapped by name. The batch dimension is 1 unless <paramref name="batch"/> is given
    /// (e.g. <c>OnnxDimension.Dynamic("batch")</c>). The returned builder can take more nodes or metadata.
    /// </remarks>
    public static OnnxModelBuilder CreateMlp(string inputName, IReadOnlyList<DenseLayer> layers, string outputName = "output", OnnxDimension? batch = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(inputName);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputName);
        if (layers.Count == 0)
        {
            throw new ArgumentException("An MLP needs at least one layer.", nameof(layers));
        }

        for (var i = 0; i < layers.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(layers[i], nameof(layers));
            if (i > 0 && layers[i].Inputs != layers[i - 1].Outputs)
            {
                throw new ArgumentException($"Layer {i} takes {layers[i].Inputs} inputs but layer {i - 1} produces {layers[i - 1].Outputs}.", nameof(layers));
            }
        }

        var b = batch ?? OnnxDimension.Fixed(1);
        var builder = new OnnxModelBuilder("mlp");
        builder.AddInput(inputName, OnnxElementType.Float32, b, layers[0].Inputs);
        var current = inputName;
        for (var i = 0; i < layers.Count; i++)
        {
            var last = i == layers.Count - 1;
            var name = last ? outputName : layers[i].Name ?? "hidden" + i.ToString(CultureInfo.InvariantCulture);
            builder.AddDenseLayer(current, layers[i], name);
            if (!last)
            {
                builder.AddValueInfo(name, OnnxElementType.Float32, b, layers[i].Outputs);
            }

            current = name;
        }

        builder.AddOutput(outputName, OnnxElementType.Float32, b, layers[^1].Outputs);
        return builder;
    }

    /// <summary>Sets the producer name and version recorded in the model.</summary>
    public OnnxModelBuilder WithProducer(string name, string version)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(version);
        _model.ProducerName = name;
        _model.ProducerVersion = version;
        return this;
    }

    /// <summary>Adds a <c>metadata_props</c> entry.</summary>
    public OnnxModelBuilder AddMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(value);
        _model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return this;
    }

    /// <summary>Declares a graph input.</summary>
    public OnnxModelBuilder AddInput(string name, OnnxElementType type, params OnnxDimension[] shape)
    {
        _graph.Input.Add(ValueInfo(name, type, shape));
        return this;
    }

    /// <summary>Declares a graph output.</summary>
    public OnnxModelBuilder AddOutput(string name, OnnxElementType type, params OnnxDimension[] shape)
    {
        _graph.Output.Add(ValueInfo(name, type, shape));
        return this;
    }

    /// <summary>Declares a graph output without type or shape (ONNX Runtime infers them).</summary>
    public OnnxModelBuilder AddUntypedOutput(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _graph.Output.Add(new ValueInfoProto { Name = name });
        return this;
    }

    /// <summary>Declares the type and shape of an intermediate tensor (<c>value_info</c>).</summary>
    public OnnxModelBuilder AddValueInfo(string name, OnnxElementType type, params OnnxDimension[] shape)
    {
        _graph.ValueInfo.Add(ValueInfo(name, type, shape));
        return this;
    }

    /// <summary>Adds a float32 initializer (constant tensor).</summary>
    public OnnxModelBuilder AddInitializer(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> values, OnnxTensorEncoding encoding = OnnxTensorEncoding.RawData)
    {
        var tensor = Tensor(name, OnnxElementType.Float32, dims, values.Length, encoding);
        if (encoding == OnnxTensorEncoding.RawData)
        {
            tensor.RawData = LittleEndian(values, static (d, v) => BinaryPrimitives.WriteSingleLittleEndian(d, v), sizeof(float));
        }
        else
        {
            foreach (var v in values)
            {
                tensor.FloatData.Add(v);
            }
        }

        _graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds a float64 initializer.</summary>
    public OnnxModelBuilder AddInitializer(string name, ReadOnlySpan<long> dims, ReadOnlySpan<double> values, OnnxTensorEncoding encoding = OnnxTensorEncoding.RawData)
    {
        var tensor = Tensor(name, OnnxElementType.Float64, dims, values.Length, encoding);
        if (encoding == OnnxTensorEncoding.RawData)
        {
            tensor.RawData = LittleEndian(values, static (d, v) => BinaryPrimitives.WriteDoubleLittleEndian(d, v), sizeof(double));
        }
        else
        {
            foreach (var v in values)
            {
                tensor.DoubleData.Add(v);
            }
        }

        _graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds an int64 initializer.</summary>
    public OnnxModelBuilder AddInitializer(string name, ReadOnlySpan<long> dims, ReadOnlySpan<long> values, OnnxTensorEncoding encoding = OnnxTensorEncoding.RawData)
    {
        var tensor = Tensor(name, OnnxElementType.Int64, dims, values.Length, encoding);
        if (encoding == OnnxTensorEncoding.RawData)
        {
            tensor.RawData = LittleEndian(values, static (d, v) => BinaryPrimitives.WriteInt64LittleEndian(d, v), sizeof(long));
        }
        else
        {
            foreach (var v in values)
            {
                tensor.Int64Data.Add(v);
            }
        }

        _graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds a bool initializer (typed fields store bools in <c>int32_data</c>, as ONNX specifies).</summary>
    public OnnxModelBuilder AddInitializer(string name, ReadOnlySpan<long> dims, ReadOnlySpan<bool> values, OnnxTensorEncoding encoding = OnnxTensorEncoding.RawData)
    {
        var tensor = Tensor(name, OnnxElementType.Bool, dims, values.Length, encoding);
        if (encoding == OnnxTensorEncoding.RawData)
        {
            var bytes = new byte[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                bytes[i] = values[i] ? (byte)1 : (byte)0;
            }

            tensor.RawData = ByteString.CopyFrom(bytes);
        }
        else
        {
            foreach (var v in values)
            {
                tensor.Int32Data.Add(v ? 1 : 0);
            }
        }

        _graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds a node (operator of the default ONNX domain) in graph order; nodes must come after the nodes producing their inputs.</summary>
    /// <param name="opType">Operator, e.g. <c>Gemm</c>, <c>MatMul</c>, <c>Add</c>, <c>Relu</c>, <c>Concat</c>, <c>Cast</c>.</param>
    /// <param name="inputs">Input tensor names (an empty string marks an omitted optional input).</param>
    /// <param name="outputs">Output tensor names.</param>
    /// <param name="name">Node name; defaults to <c>{opType}_{index}</c>.</param>
    /// <param name="attributes">Attributes.</param>
    public OnnxModelBuilder AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, string? name = null, params OnnxAttribute[] attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(attributes);
        if (outputs.Count == 0)
        {
            throw new ArgumentException($"Node {opType} needs at least one output.", nameof(outputs));
        }

        var node = new NodeProto
        {
            OpType = opType,
            Name = name ?? opType + "_" + _graph.Node.Count.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var input in inputs)
        {
            ArgumentNullException.ThrowIfNull(input, nameof(inputs));
            node.Input.Add(input);
        }

        foreach (var output in outputs)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(output, nameof(outputs));
            node.Output.Add(output);
        }

        foreach (var attribute in attributes)
        {
            ArgumentNullException.ThrowIfNull(attribute, nameof(attributes));
            node.Attribute.Add(attribute.ToProto());
        }

        _graph.Node.Add(node);
        return this;
    }

    /// <summary>Adds a fully connected layer reading 2-D <paramref name="input"/> ([batch, inputs]) and producing <paramref name="output"/>.</summary>
    /// <remarks>
    /// Writes initializers <c>{output}.weight</c> and <c>{output}.bias</c>, a Gemm node, and, when the layer has an
    /// activation, the activation node (the Gemm result is then named <c>{output}.linear</c>).
    /// </remarks>
    public OnnxModelBuilder AddDenseLayer(string input, DenseLayer layer, string output)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(input);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        var weight = output + ".weight";
        var bias = output + ".bias";
        AddInitializer(weight, [layer.Inputs, layer.Outputs], layer.Weights);
        AddInitializer(bias, [layer.Outputs], layer.Bias);
        var linear = layer.Activation == OnnxActivation.None ? output : output + ".linear";
        AddNode("Gemm", [input, weight, bias], [linear], output + ".gemm");
        switch (layer.Activation)
        {
            case OnnxActivation.None:
                break;
            case OnnxActivation.Softmax:
                AddNode("Softmax", [linear], [output], output + ".softmax", OnnxAttribute.Int("axis", -1));
                break;
            default:
                AddNode(layer.Activation.ToString(), [linear], [output], output + "." + layer.Activation.ToString().ToLowerInvariant());
                break;
        }

        return this;
    }

    /// <summary>Checks the graph and returns the model bytes (deterministic).</summary>
    /// <exception cref="InvalidOperationException">The graph is inconsistent; the message lists every problem.</exception>
    public byte[] ToBytes()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The ONNX model is inconsistent:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems));
        }

        return _model.ToByteArray();
    }

    /// <summary>Writes the model bytes to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        File.WriteAllBytes(path, ToBytes());
    }

    private List<string> Validate()
    {
        var problems = new List<string>();
        var defined = new HashSet<string>(StringComparer.Ordinal);
        void Define(string name, string what)
        {
            if (!defined.Add(name))
            {
                problems.Add($"{what} '{name}' reuses a name that is already defined");
            }
        }

        foreach (var input in _graph.Input)
        {
            Define(input.Name, "input");
        }

        foreach (var initializer in _graph.Initializer)
        {
            Define(initializer.Name, "initializer");
        }

        foreach (var node in _graph.Node)
        {
            foreach (var input in node.Input)
            {
                if (input.Length > 0 && !defined.Contains(input))
                {
                    problems.Add($"node '{node.Name}' ({node.OpType}) reads '{input}', which is not an input, an initializer or the output of an earlier node");
                }
            }

            foreach (var output in node.Output)
            {
                Define(output, $"output of node '{node.Name}'");
            }
        }

        foreach (var output in _graph.Output)
        {
            if (!defined.Contains(output.Name))
            {
                problems.Add($"graph output '{output.Name}' is not produced by any node, input or initializer");
            }
        }

        if (_graph.Output.Count == 0)
        {
            problems.Add("the graph has no outputs");
        }

        return problems;
    }

    private static ValueInfoProto ValueInfo(string name, OnnxElementType type, OnnxDimension[] shape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (type == OnnxElementType.Undefined || !Enum.IsDefined(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "A declared tensor needs a defined element type.");
        }

        var tensorShape = new TensorShapeProto();
        foreach (var d in shape)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d.Value is { } v)
            {
                dim.DimValue = v;
            }
            else if (d.Parameter is { } p)
            {
                dim.DimParam = p;
            }

            tensorShape.Dim.Add(dim);
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
        };
    }

    private static TensorProto Tensor(string name, OnnxElementType type, ReadOnlySpan<long> dims, int count, OnnxTensorEncoding encoding)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!Enum.IsDefined(encoding))
        {
            throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown encoding.");
        }

        long product = 1;
        foreach (var d in dims)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(dims));
            product *= d;
        }

        if (product != count)
        {
            throw new ArgumentException($"Initializer '{name}' has dims [{string.Join(",", dims.ToArray())}] ({product} elements) but {count} values.", nameof(dims));
        }

        var tensor = new TensorProto { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(dims.ToArray());
        return tensor;
    }

    private static ByteString LittleEndian<T>(ReadOnlySpan<T> values, SpanWriter<T> write, int size)
        where T : unmanaged
    {
        var bytes = new byte[values.Length * size];
        for (var i = 0; i < values.Length; i++)
        {
            write(bytes.AsSpan(i * size, size), values[i]);
        }

        return ByteString.CopyFrom(bytes);
    }

    private delegate void SpanWriter<T>(Span<byte> destination, T value);
}
