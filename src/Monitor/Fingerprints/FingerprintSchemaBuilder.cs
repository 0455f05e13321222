namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>Collects the parts of a <see cref="FingerprintSchema"/>; validates all of them at once.</summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class FingerprintSchemaBuilder
{
    /// <summary>Projected dimension used when a tap does not name one (or the tap width, if smaller).</summary>
    public const int DefaultProjectedDimension = 16;

    private readonly List<string> _inputs = [];
    private readonly List<string> _outputs = [];
    private readonly List<TapDefinition> _taps = [];
    private OutputKind _outputKind = OutputKind.Regression;
    private bool _latency;

    internal FingerprintSchemaBuilder()
    {
    }

    /// <summary>Adds input features, in model order.</summary>
    public FingerprintSchemaBuilder AddInputs(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _inputs.AddRange(names);
        return this;
    }

    /// <summary>Adds <paramref name="count"/> input features named <c>x0..x{count-1}</c>.</summary>
    public FingerprintSchemaBuilder AddInputs(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < count; i++)
        {
            _inputs.Add("x" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return this;
    }

    /// <summary>Adds output features, in model order, and says how to read them.</summary>
    public FingerprintSchemaBuilder AddOutputs(IEnumerable<string> names, OutputKind kind)
    {
        ArgumentNullException.ThrowIfNull(names);
        _outputs.AddRange(names);
        _outputKind = kind;
        return this;
    }

    /// <summary>Adds <paramref name="count"/> outputs named <c>y0..y{count-1}</c>.</summary>
    public FingerprintSchemaBuilder AddOutputs(int count, OutputKind kind)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < count; i++)
        {
            _outputs.Add("y" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        _outputKind = kind;
        return this;
    }

    /// <summary>Adds an activation tap of <paramref name="width"/> elements projected to <paramref name="projectedDimension"/>.</summary>
    public FingerprintSchemaBuilder AddTap(string name, int width, int projectedDimension = DefaultProjectedDimension, ulong projectionSeed = 0x5EED_0F_7A95UL)
    {
        ArgumentNullException.ThrowIfNull(name);
        _taps.Add(new TapDefinition(name, width, Math.Min(projectedDimension, Math.Max(width, 1)), projectionSeed));
        return this;
    }

    /// <summary>Adds the latency channel (milliseconds).</summary>
    public FingerprintSchemaBuilder WithLatency(bool enabled = true)
    {
        _latency = enabled;
        return this;
    }

    /// <summary>Every problem with the collected parts; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        CheckNames(_inputs, "inputs", problems);
        CheckNames(_outputs, "outputs", problems);
        if (_inputs.Count == 0)
        {
            problems.Add("inputs: at least one input feature is required");
        }

        if (_outputs.Count == 0)
        {
            problems.Add("outputs: at least one output feature is required");
        }

        if (_outputKind != OutputKind.Regression && _outputs.Count < 2)
        {
            problems.Add($"outputs: {_outputKind} outputs need at least two classes, found {_outputs.Count}");
        }

        if (!Enum.IsDefined(_outputKind))
        {
            problems.Add($"outputs: unknown output kind {(int)_outputKind}");
        }

        if (_taps.Count > FingerprintSchema.MaxTaps)
        {
            problems.Add($"taps: {_taps.Count} taps, at most {FingerprintSchema.MaxTaps} allowed");
        }

        CheckNames(_taps.Select(t => t.Name).ToList(), "taps", problems);
        for (var i = 0; i < _taps.Count; i++)
        {
            var t = _taps[i];
            if (t.Width < 1 || t.Width > FingerprintSchema.MaxTapWidth)
            {
                problems.Add($"taps[{i}] '{t.Name}': width {t.Width} outside 1..{FingerprintSchema.MaxTapWidth}");
            }

            if (t.ProjectedDimension < 1 || t.ProjectedDimension > FingerprintSchema.MaxProjectedDimension)
            {
                problems.Add($"taps[{i}] '{t.Name}': projected dimension {t.ProjectedDimension} outside 1..{FingerprintSchema.MaxProjectedDimension}");
            }
        }

        var channels = (long)_inputs.Count + _outputs.Count + _taps.Sum(t => (long)t.ProjectedDimension) + 4;
        if (channels > FingerprintSchema.MaxChannels)
        {
            problems.Add($"schema: {channels} channels, at most {FingerprintSchema.MaxChannels} allowed");
        }

        return problems;
    }

    /// <summary>Builds the schema; throws <see cref="ArgumentException"/> listing every problem.</summary>
    public FingerprintSchema Build()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid fingerprint schema:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", problems));
        }

        return new FingerprintSchema(_inputs, _outputs, _outputKind, _taps, _latency);
    }

    private static void CheckNames(List<string> names, string where, List<string> problems)
    {
        if (names.Count > FingerprintSchema.MaxFeatures)
        {
            problems.Add($"{where}: {names.Count} names, at most {FingerprintSchema.MaxFeatures} allowed");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            var n = names[i];
            if (string.IsNullOrWhiteSpace(n))
            {
                problems.Add($"{where}[{i}]: name is empty");
            }
            else if (n.Length > FingerprintSchema.MaxNameLength)
            {
                problems.Add($"{where}[{i}]: name longer than {FingerprintSchema.MaxNameLength} characters");
            }
            else if (n.Any(char.IsControl))
            {
                problems.Add($"{where}[{i}] '{n}': name contains control characters");
            }
            else if (!seen.Add(n))
            {
                problems.Add($"{where}[{i}] '{n}': duplicate name");
            }
        }
    }
}
