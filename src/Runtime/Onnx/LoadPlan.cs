using System.Globalization;

namespace EdgeSentinel.Runtime.Onnx;

/// <summary>What the host binds for a model and options: input shapes with dynamic dimensions fixed, taps, state mappings; all problems reported together.</summary>
internal sealed class LoadPlan
{
    private LoadPlan(IReadOnlyList<PlannedInput> inputs, IReadOnlyList<string> taps, IReadOnlyDictionary<string, string> stateMappings)
    {
        Inputs = inputs;
        Taps = taps;
        StateMappings = stateMappings;
        StateByInput = stateMappings.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);
    }

    public IReadOnlyList<PlannedInput> Inputs { get; }

    public IReadOnlyList<string> Taps { get; }

    /// <summary>State output → state input, in the options' order.</summary>
    public IReadOnlyDictionary<string, string> StateMappings { get; }

    public IReadOnlyDictionary<string, string> StateByInput { get; }

    public static LoadPlan Create(OnnxGraph graph, OnnxModelHostOptions options, string source)
    {
        var problems = new List<string>();
        var inputs = PlanInputs(graph, options, problems);
        var taps = PlanTaps(graph, options, problems);
        var state = PlanState(graph, options, problems);
        if (problems.Count > 0)
        {
            throw new OnnxModelException($"{source}: the model does not fit the host options:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems));
        }

        return new LoadPlan(inputs, taps, state);
    }

    /// <summary>The error text for a tap name that is not an intermediate tensor of the graph.</summary>
    public static string UnknownTapMessage(OnnxGraph graph, string tap)
    {
        if (graph.Graph.Output.Any(o => o.Name == tap))
        {
            return $"tap '{tap}' is a model output (outputs are monitored already); taps are intermediate tensors";
        }

        if (graph.Graph.Input.Any(i => i.Name == tap) || graph.Graph.Initializer.Any(i => i.Name == tap))
        {
            return $"tap '{tap}' is a model input or initializer, not an intermediate tensor";
        }

        var names = graph.IntermediateTensors().Select(t => t.Name).ToList();
        var close = NameSuggestions.Closest(tap, names);
        return close.Count > 0
            ? $"tap '{tap}' is not a tensor of the model; close matches: {string.Join(", ", close.Select(c => "'" + c + "'"))}"
            : $"tap '{tap}' is not a tensor of the model and nothing is close; it has {names.Count.ToString(CultureInfo.InvariantCulture)} tappable tensors (see inspect-model){(names.Count > 0 ? ", e.g. " + string.Join(", ", names.Take(5).Select(c => "'" + c + "'")) : string.Empty)}";
    }

    private static List<PlannedInput> PlanInputs(OnnxGraph graph, OnnxModelHostOptions options, List<string> problems)
    {
        var realInputs = graph.RealInputs();
        var planned = new List<PlannedInput>();
        var knownParams = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in realInputs.Concat(graph.Graph.Output))
        {
            foreach (var p in OnnxGraph.DimensionParameters(value))
            {
                if (p is not null)
                {
                    knownParams.Add(p);
                }
            }
        }

        foreach (var name in options.DimensionValues.Keys.Where(k => !knownParams.Contains(k)))
        {
            var close = NameSuggestions.Closest(name, knownParams);
            problems.Add($"DimensionValues['{name}'] names no dynamic dimension of the model's inputs or outputs" +
                (knownParams.Count > 0 ? $"; they are: {string.Join(", ", knownParams.Order(StringComparer.Ordinal))}" : "; it has none") +
                (close.Count > 0 ? $" (did you mean '{close[0]}'?)" : string.Empty));
        }

        foreach (var name in options.InputShapes.Keys.Where(k => realInputs.All(i => i.Name != k)))
        {
            var close = NameSuggestions.Closest(name, realInputs.Select(i => i.Name));
            problems.Add($"InputShapes['{name}'] names no model input" + (close.Count > 0 ? $"; close matches: {string.Join(", ", close)}" : string.Empty));
        }

        foreach (var input in realInputs)
        {
            var type = OnnxGraph.DeclaredType(input);
            if (!OnnxElementTypes.IsSupportedByHost(type))
            {
                problems.Add($"input '{input.Name}' has element type {OnnxElementTypes.ToName(type)}; the host binds float32, float64, int64 and bool");
                continue;
            }

            var declared = OnnxGraph.DeclaredShape(input);
            var parameters = OnnxGraph.DimensionParameters(input);
            var hasShape = input.Type?.TensorType?.Shape is not null;
            if (options.InputShapes.TryGetValue(input.Name, out var given))
            {
                if (hasShape && given.Length != declared.Length)
                {
                    problems.Add($"InputShapes['{input.Name}'] has {given.Length.ToString(CultureInfo.InvariantCulture)} dimensions, the input declares {declared.Length.ToString(CultureInfo.InvariantCulture)}");
                    continue;
                }

                for (var d = 0; d < declared.Length; d++)
                {
                    if (declared[d] >= 0 && declared[d] != given[d])
                    {
                        problems.Add($"InputShapes['{input.Name}'] dimension {d.ToString(CultureInfo.InvariantCulture)} is {given[d].ToString(CultureInfo.InvariantCulture)}, the input fixes it at {declared[d].ToString(CultureInfo.InvariantCulture)}");
                    }
                }

                planned.Add(new PlannedInput(input.Name, type, [.. given]));
                continue;
            }

            if (!hasShape)
            {
                problems.Add($"input '{input.Name}' declares no shape; set InputShapes['{input.Name}']");
                continue;
            }

            var shape = (long[])declared.Clone();
            for (var d = 0; d < shape.Length; d++)
            {
                if (shape[d] >= 0)
                {
                    continue;
                }

                if (parameters[d] is { } p && options.DimensionValues.TryGetValue(p, out var size))
                {
                    shape[d] = size;
                }
                else
                {
                    problems.Add(parameters[d] is { } named
                        ? $"input '{input.Name}' dimension {d.ToString(CultureInfo.InvariantCulture)} is dynamic ('{named}'); set DimensionValues['{named}'] (or InputShapes['{input.Name}'])"
                        : $"input '{input.Name}' dimension {d.ToString(CultureInfo.InvariantCulture)} is dynamic without a name; set InputShapes['{input.Name}']");
                }
            }

            planned.Add(new PlannedInput(input.Name, type, shape));
        }

        return planned;
    }

    private static List<string> PlanTaps(OnnxGraph graph, OnnxModelHostOptions options, List<string> problems)
    {
        var intermediate = new HashSet<string>(graph.IntermediateTensors().Select(t => t.Name), StringComparer.Ordinal);
        var taps = new List<string>();
        foreach (var tap in options.Taps)
        {
            if (intermediate.Contains(tap))
            {
                taps.Add(tap);
            }
            else
            {
                problems.Add(UnknownTapMessage(graph, tap));
            }
        }

        if (options.AutoTapLayers > 0)
        {
            var auto = graph.AutoTaps(options.AutoTapLayers);
            if (auto.Count == 0)
            {
                problems.Add($"AutoTapLayers = {options.AutoTapLayers.ToString(CultureInfo.InvariantCulture)}, but the model has no hidden activation layer ({string.Join(", ", OnnxGraph.ActivationOps.Order(StringComparer.Ordinal))}) whose output is not a model output; name the taps instead");
            }

            taps.AddRange(auto.Where(a => !taps.Contains(a)));
        }

        return taps;
    }

    private static Dictionary<string, string> PlanState(OnnxGraph graph, OnnxModelHostOptions options, List<string> problems)
    {
        var outputs = graph.Graph.Output.Select(o => o.Name).ToList();
        var inputs = graph.RealInputs().Select(i => i.Name).ToList();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (output, input) in options.StateMappings)
        {
            var ok = true;
            if (!outputs.Contains(output))
            {
                var close = NameSuggestions.Closest(output, outputs);
                problems.Add($"StateMappings: '{output}' is not a model output" + (close.Count > 0 ? $"; close matches: {string.Join(", ", close)}" : $"; outputs: {string.Join(", ", outputs)}"));
                ok = false;
            }

            if (!inputs.Contains(input))
            {
                var close = NameSuggestions.Closest(input, inputs);
                problems.Add($"StateMappings['{output}']: '{input}' is not a model input" + (close.Count > 0 ? $"; close matches: {string.Join(", ", close)}" : $"; inputs: {string.Join(", ", inputs)}"));
                ok = false;
            }

            if (ok)
            {
                map[output] = input;
            }
        }

        if (inputs.Count > 0 && map.Count == inputs.Count)
        {
            problems.Add("StateMappings: every model input is a state input; at least one input must come from the caller");
        }

        return map;
    }

    internal sealed record PlannedInput(string Name, OnnxElementType ElementType, long[] Shape);
}
