using System.Globalization;
using System.Runtime.CompilerServices;
using EdgeSentinel.Monitor.Baselines;
using Microsoft.ML.OnnxRuntime;

namespace EdgeSentinel.Runtime.Onnx;

/// <summary>Runs any ONNX model over ONNX Runtime with buffers bound once: write inputs, <see cref="Run"/>, read outputs and activation taps.</summary>
/// <remarks>
/// <para>Loading parses the file with our ONNX schema, computes its <see cref="Identity"/>, adds the requested taps as
/// extra graph outputs in memory (the file is not changed; a tap's type comes from value_info when declared, otherwise
/// ONNX Runtime infers it), fixes dynamic dimensions from the options, runs once with zero inputs to learn every output
/// shape, and binds one managed buffer per tensor with <see cref="OrtIoBinding"/>. Output shapes must not depend on
/// input values.</para>
/// <para><see cref="Run"/> allocates nothing. Not thread-safe: one inference thread owns the host.</para>
/// </remarks>
public sealed class OnnxModelHost : IDisposable
{
    private readonly SessionOptions _sessionOptions;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly OrtIoBinding _binding;
    private readonly ModelTensor[] _inputs;
    private readonly ModelTensor[] _stateInputs;
    private readonly ModelTensor[] _outputs;
    private readonly ModelTensor[] _stateOutputs;
    private readonly ModelTensor[] _taps;
    private readonly ModelTensor[] _stateSources;
    private readonly ModelTensor[] _stateTargets;
    private readonly float[] _inputFloats;
    private readonly float[] _outputFloats;
    private readonly float[] _tapFloats;
    private readonly TimeProvider _timeProvider;
    private long _frameIndex;
    private bool _disposed;

    private OnnxModelHost(
        ModelIdentity identity,
        SessionOptions sessionOptions,
        InferenceSession session,
        RunOptions runOptions,
        IReadOnlyList<ModelTensor> tensors,
        IReadOnlyDictionary<string, string> stateMappings,
        TimeProvider timeProvider)
    {
        Identity = identity;
        _sessionOptions = sessionOptions;
        _session = session;
        _runOptions = runOptions;
        _timeProvider = timeProvider;
        _inputs = [.. tensors.Where(t => t.Role == ModelTensorRole.Input)];
        _stateInputs = [.. tensors.Where(t => t.Role == ModelTensorRole.StateInput)];
        _outputs = [.. tensors.Where(t => t.Role == ModelTensorRole.Output)];
        _stateOutputs = [.. tensors.Where(t => t.Role == ModelTensorRole.StateOutput)];
        _taps = [.. tensors.Where(t => t.Role == ModelTensorRole.Tap)];
        _stateSources = [.. stateMappings.Keys.Select(o => tensors.First(t => t.Name == o && t.Role == ModelTensorRole.StateOutput))];
        _stateTargets = [.. stateMappings.Values.Select(i => tensors.First(t => t.Name == i && t.Role == ModelTensorRole.StateInput))];
        _inputFloats = new float[_inputs.Sum(t => t.ElementCount)];
        _outputFloats = new float[_outputs.Sum(t => t.ElementCount)];
        _tapFloats = new float[_taps.Sum(t => t.ElementCount)];
        _binding = session.CreateIoBinding();
        foreach (var t in tensors)
        {
            if (t.Role is ModelTensorRole.Input or ModelTensorRole.StateInput)
            {
                _binding.BindInput(t.Name, t.Value);
            }
            else
            {
                _binding.BindOutput(t.Name, t.Value);
            }
        }
    }

    /// <summary>SHA-256 of the model file and its declared input/output signature (taps excluded).</summary>
    public ModelIdentity Identity { get; }

    /// <summary>Monitored inputs, in model order; write them before each <see cref="Run"/>.</summary>
    public IReadOnlyList<ModelTensor> Inputs => _inputs;

    /// <summary>Inputs fed from state outputs of the previous frame (zero on the first frame and after <see cref="ResetState"/>).</summary>
    public IReadOnlyList<ModelTensor> StateInputs => _stateInputs;

    /// <summary>Monitored outputs, in model order.</summary>
    public IReadOnlyList<ModelTensor> Outputs => _outputs;

    /// <summary>Outputs fed back into <see cref="StateInputs"/>.</summary>
    public IReadOnlyList<ModelTensor> StateOutputs => _stateOutputs;

    /// <summary>Tapped intermediate tensors, in tap order (named taps first, then the auto rule's).</summary>
    public IReadOnlyList<ModelTensor> Taps => _taps;

    /// <summary>Total elements of <see cref="Inputs"/> (the width of <see cref="ModelFrame.Inputs"/>).</summary>
    public int InputWidth => _inputFloats.Length;

    /// <summary>Total elements of <see cref="Outputs"/>.</summary>
    public int OutputWidth => _outputFloats.Length;

    /// <summary>Total elements of <see cref="Taps"/>.</summary>
    public int TapWidth => _tapFloats.Length;

    /// <summary>Names of the flattened monitored inputs (<c>name</c> for a one-element tensor, else <c>name.k</c>), in <see cref="ModelFrame.Inputs"/> order.</summary>
    public IReadOnlyList<string> InputElementNames() => [.. _inputs.SelectMany(t => t.FlattenedNames())];

    /// <summary>Names of the flattened monitored outputs, in <see cref="ModelFrame.Outputs"/> order.</summary>
    public IReadOnlyList<string> OutputElementNames() => [.. _outputs.SelectMany(t => t.FlattenedNames())];

    /// <summary>Frames run so far.</summary>
    public long FrameCount => _frameIndex;

    /// <summary>Loads a model file.</summary>
    /// <exception cref="OnnxModelException">The file is missing, unreadable, not ONNX, or does not fit the options.</exception>
    public static OnnxModelHost Load(string path, OnnxModelHostOptions? options = null)
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

        return Load(bytes, options, path);
    }

    /// <summary>Loads a model from its file bytes; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    /// <exception cref="OnnxModelException">The bytes are not a usable ONNX model, or taps, state mappings or dimensions do not fit it (every problem listed).</exception>
    public static OnnxModelHost Load(byte[] modelBytes, OnnxModelHostOptions? options = null, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        ArgumentNullException.ThrowIfNull(source);
        options ??= new OnnxModelHostOptions();
        var optionProblems = options.Validate();
        if (optionProblems.Count > 0)
        {
            throw new ArgumentException("Invalid model host options:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", optionProblems), nameof(options));
        }

        var graph = OnnxGraph.Parse(modelBytes, source);
        var plan = LoadPlan.Create(graph, options, source);
        var sessionOptions = CreateSessionOptions(options);
        InferenceSession? session = null;
        RunOptions? runOptions = null;
        var tensors = new List<ModelTensor>();
        OnnxModelHost? host = null;
        try
        {
            try
            {
                session = new InferenceSession(graph.WithExtraOutputs(plan.Taps), sessionOptions);
            }
            catch (OnnxRuntimeException ex)
            {
                throw new OnnxModelException($"{source}: ONNX Runtime cannot load the model: {FirstLine(ex.Message)}", ex);
            }

            runOptions = new RunOptions();
            foreach (var input in plan.Inputs)
            {
                tensors.Add(new ModelTensor(input.Name, plan.StateByInput.ContainsKey(input.Name) ? ModelTensorRole.StateInput : ModelTensorRole.Input, input.ElementType, input.Shape));
            }

            DiscoverOutputs(session, runOptions, graph, plan, tensors, source);
            host = new OnnxModelHost(graph.Identity(), sessionOptions, session, runOptions, tensors, plan.StateMappings, options.TimeProvider);
            host.WarmUp(source);
            return host;
        }
        catch
        {
            if (host is not null)
            {
                host.Dispose();
                throw;
            }

            foreach (var t in tensors)
            {
                t.Value.Dispose();
            }

            runOptions?.Dispose();
            session?.Dispose();
            sessionOptions.Dispose();
            throw;
        }
    }

    /// <summary>Checks that a baseline was built for this model.</summary>
    /// <param name="expected">The baseline's model identity.</param>
    /// <param name="allowMismatch">The operator's explicit override: differences are returned instead of thrown.</param>
    /// <returns>Every difference (empty when the model matches); non-empty only with <paramref name="allowMismatch"/>.</returns>
    /// <exception cref="ModelIdentityMismatchException">The model differs and no override is set (the message starts with <c>model-identity:</c>).</exception>
    public IReadOnlyList<string> VerifyBaseline(ModelIdentity expected, bool allowMismatch = false)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var differences = expected.DifferencesFrom(Identity);
        if (differences.Count > 0 && !allowMismatch)
        {
            expected.EnsureMatches(Identity);
        }

        return differences;
    }

    /// <summary>The bound tensor named <paramref name="name"/> (input, output, state or tap).</summary>
    /// <exception cref="KeyNotFoundException">No bound tensor has that name; the message lists close matches.</exception>
    public ModelTensor GetTensor(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var list in new[] { _inputs, _stateInputs, _outputs, _stateOutputs, _taps })
        {
            foreach (var t in list)
            {
                if (t.Name == name)
                {
                    return t;
                }
            }
        }

        var all = _inputs.Concat(_stateInputs).Concat(_outputs).Concat(_stateOutputs).Concat(_taps).Select(t => t.Name);
        var close = NameSuggestions.Closest(name, all);
        throw new KeyNotFoundException($"No bound tensor named '{name}'" + (close.Count > 0 ? $"; close matches: {string.Join(", ", close)}." : "."));
    }

    /// <summary>Writes all monitored inputs from one flattened row (input order, <see cref="InputWidth"/> values), converting to each input's type.</summary>
    public void SetInputs(ReadOnlySpan<float> values)
    {
        if (values.Length != _inputFloats.Length)
        {
            ThrowInputWidth(values.Length);
        }

        var offset = 0;
        foreach (var t in _inputs)
        {
            t.CopyFrom(values.Slice(offset, t.ElementCount));
            offset += t.ElementCount;
        }
    }

    /// <summary>Runs one frame over the bound buffers; returns float views of inputs, outputs and taps, and the latency. Allocates nothing.</summary>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime failed during the run.</exception>
    public ModelFrame Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var start = _timeProvider.GetTimestamp();
        _session.RunWithBinding(_runOptions, _binding);
        var end = _timeProvider.GetTimestamp();
        Gather(_inputs, _inputFloats);
        Gather(_outputs, _outputFloats);
        Gather(_taps, _tapFloats);
        for (var i = 0; i < _stateSources.Length; i++)
        {
            _stateTargets[i].CopyFrom(_stateSources[i]);
        }

        return new ModelFrame(_frameIndex++, _inputFloats, _outputFloats, _tapFloats, _timeProvider.GetElapsedTime(start, end).TotalMilliseconds);
    }

    /// <summary>Sets every state input back to zero (the state of the first frame).</summary>
    public void ResetState()
    {
        foreach (var t in _stateInputs)
        {
            t.Clear();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _binding.Dispose();
        foreach (var t in _inputs.Concat(_stateInputs).Concat(_outputs).Concat(_stateOutputs).Concat(_taps))
        {
            t.Value.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
        _sessionOptions.Dispose();
    }

    internal static SessionOptions CreateSessionOptions(OnnxModelHostOptions options)
    {
        var so = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        var spin = options.AllowSpinning ? "1" : "0";
        so.AddSessionConfigEntry("session.intra_op.allow_spinning", spin);
        so.AddSessionConfigEntry("session.inter_op.allow_spinning", spin);
        foreach (var (name, value) in options.DimensionValues)
        {
            so.AddFreeDimensionOverrideByName(name, value);
        }

        return so;
    }

    internal static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 400 ? line[..400] + "…" : line;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gather(ModelTensor[] tensors, float[] destination)
    {
        var offset = 0;
        foreach (var t in tensors)
        {
            t.CopyTo(destination.AsSpan(offset, t.ElementCount));
            offset += t.ElementCount;
        }
    }

    private static void DiscoverOutputs(InferenceSession session, RunOptions runOptions, OnnxGraph graph, LoadPlan plan, List<ModelTensor> tensors, string source)
    {
        var outputNames = graph.Graph.Output.Select(o => o.Name).Concat(plan.Taps).ToArray();
        var inputs = tensors.ToArray();
        IDisposableReadOnlyCollection<OrtValue> results;
        try
        {
            results = session.Run(runOptions, [.. inputs.Select(t => t.Name)], [.. inputs.Select(t => t.Value)], outputNames);
        }
        catch (OnnxRuntimeException ex)
        {
            var shapes = string.Join(", ", inputs.Select(t => t.ToString()));
            throw new OnnxModelException($"{source}: the model fails on a first run with zero-filled inputs ({shapes}): {FirstLine(ex.Message)}", ex);
        }

        using (results)
        {
            var problems = new List<string>();
            for (var i = 0; i < outputNames.Length; i++)
            {
                var name = outputNames[i];
                var value = results[i];
                var isTap = i >= graph.Graph.Output.Count;
                var what = isTap ? "tap" : "output";
                if (!value.IsTensor)
                {
                    problems.Add($"{what} '{name}' is a {value.OnnxType}, not a tensor");
                    continue;
                }

                var info = value.GetTensorTypeAndShape();
                var type = (OnnxElementType)(int)info.ElementDataType;
                if (!OnnxElementTypes.IsSupportedByHost(type))
                {
                    problems.Add($"{what} '{name}' has element type {OnnxElementTypes.ToName(type)}; the host binds float32, float64, int64 and bool");
                    continue;
                }

                var role = isTap ? ModelTensorRole.Tap : plan.StateMappings.ContainsKey(name) ? ModelTensorRole.StateOutput : ModelTensorRole.Output;
                if (role == ModelTensorRole.StateOutput)
                {
                    var target = tensors.First(t => t.Name == plan.StateMappings[name]);
                    if (target.ElementType != type || !target.Shape.SequenceEqual(info.Shape))
                    {
                        problems.Add($"state output '{name}' is {OnnxElementTypes.ToName(type)}[{string.Join(",", info.Shape)}] but the input it feeds, '{target.Name}', is {OnnxElementTypes.ToName(target.ElementType)}[{string.Join(",", target.Shape)}]");
                        continue;
                    }
                }

                tensors.Add(new ModelTensor(name, role, type, info.Shape));
            }

            if (problems.Count > 0)
            {
                throw new OnnxModelException($"{source}: the model's outputs cannot be bound:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems));
            }
        }
    }

    private void WarmUp(string source)
    {
        try
        {
            _session.RunWithBinding(_runOptions, _binding);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new OnnxModelException($"{source}: the model fails when run over bound buffers (do its output shapes depend on input values?): {FirstLine(ex.Message)}", ex);
        }

        foreach (var t in _outputs.Concat(_stateOutputs).Concat(_taps))
        {
            t.Clear();
        }

        ResetState();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowInputWidth(int actual) =>
        throw new ArgumentException(
            $"The row has {actual.ToString(CultureInfo.InvariantCulture)} values but the model's inputs have {_inputFloats.Length.ToString(CultureInfo.InvariantCulture)} elements ({string.Join(", ", _inputs.Select(t => t.ToString()))}).");
}
