using System.Collections.ObjectModel;
using System.Security.Cryptography;
using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>
/// The named channels of a fingerprint, in a fixed order: inputs, outputs, derived outputs,
/// projected activation taps, latency. Immutable and thread-safe.
/// </summary>
public sealed class FingerprintSchema : IEquatable<FingerprintSchema>
{
    /// <summary>Largest number of input or output features a schema accepts.</summary>
    public const int MaxFeatures = 65_536;

    /// <summary>Largest number of channels a schema accepts.</summary>
    public const int MaxChannels = 200_000;

    /// <summary>Largest number of taps a schema accepts.</summary>
    public const int MaxTaps = 64;

    /// <summary>Largest projected dimension of one tap.</summary>
    public const int MaxProjectedDimension = 256;

    /// <summary>Largest width of one tapped tensor.</summary>
    public const int MaxTapWidth = 16_777_216;

    /// <summary>Longest channel or feature name, in characters.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Name of the derived argmax channel.</summary>
    public const string ArgMaxChannel = "derived.argmax";

    /// <summary>Name of the derived max-probability channel.</summary>
    public const string MaxProbabilityChannel = "derived.max_probability";

    /// <summary>Name of the derived entropy channel (nats).</summary>
    public const string EntropyChannel = "derived.entropy";

    /// <summary>Name of the latency channel (milliseconds).</summary>
    public const string LatencyChannel = "latency_ms";

    private readonly Dictionary<string, int> _byName;

    internal FingerprintSchema(
        IReadOnlyList<string> inputNames,
        IReadOnlyList<string> outputNames,
        OutputKind outputKind,
        IReadOnlyList<TapDefinition> taps,
        bool hasLatency)
    {
        InputNames = new ReadOnlyCollection<string>([.. inputNames]);
        OutputNames = new ReadOnlyCollection<string>([.. outputNames]);
        OutputKind = outputKind;
        Taps = new ReadOnlyCollection<TapDefinition>([.. taps]);
        HasLatency = hasLatency;

        var channels = new List<ChannelDefinition>();
        void Add(string name, ChannelRole role, ChannelValueKind kind = ChannelValueKind.Continuous, int categories = 0) =>
            channels.Add(new ChannelDefinition(name, role, kind, categories, channels.Count));

        foreach (var n in inputNames)
        {
            Add("input." + n, ChannelRole.Input);
        }

        foreach (var n in outputNames)
        {
            Add("output." + n, ChannelRole.Output);
        }

        if (HasDerivedOutputs)
        {
            DerivedStart = channels.Count;
            Add(ArgMaxChannel, ChannelRole.Derived, ChannelValueKind.Categorical, outputNames.Count);
            Add(MaxProbabilityChannel, ChannelRole.Derived);
            Add(EntropyChannel, ChannelRole.Derived);
        }
        else
        {
            DerivedStart = -1;
        }

        var tapStarts = new int[taps.Count];
        for (var t = 0; t < taps.Count; t++)
        {
            tapStarts[t] = channels.Count;
            for (var j = 0; j < taps[t].ProjectedDimension; j++)
            {
                Add($"tap.{taps[t].Name}.p{j}", ChannelRole.Activation);
            }
        }

        TapStarts = tapStarts;
        LatencyIndex = hasLatency ? channels.Count : -1;
        if (hasLatency)
        {
            Add(LatencyChannel, ChannelRole.Latency);
        }

        Channels = new ReadOnlyCollection<ChannelDefinition>(channels);
        _byName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in channels)
        {
            if (!_byName.TryAdd(c.Name, c.Index))
            {
                throw new ArgumentException($"Channel name '{c.Name}' occurs twice in the schema.");
            }
        }

        var writer = new BinaryBufferWriter();
        WriteTo(writer);
        Id = Convert.ToHexStringLower(SHA256.HashData(writer.WrittenSpan));
    }

    /// <summary>Starts a schema.</summary>
    public static FingerprintSchemaBuilder CreateBuilder() => new();

    /// <summary>Input feature names, in model order (without the <c>input.</c> prefix).</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>Output feature names, in model order (without the <c>output.</c> prefix).</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>How outputs are read.</summary>
    public OutputKind OutputKind { get; }

    /// <summary>Activation taps.</summary>
    public IReadOnlyList<TapDefinition> Taps { get; }

    /// <summary>Whether the latency channel exists.</summary>
    public bool HasLatency { get; }

    /// <summary>All channels in order.</summary>
    public IReadOnlyList<ChannelDefinition> Channels { get; }

    /// <summary>SHA-256 (hex) of the canonical schema bytes: equal schemas have equal ids.</summary>
    public string Id { get; }

    /// <summary>Whether argmax, max probability and entropy are derived from the outputs.</summary>
    public bool HasDerivedOutputs => OutputKind != OutputKind.Regression;

    /// <summary>Number of input features.</summary>
    public int InputCount => InputNames.Count;

    /// <summary>Number of output features.</summary>
    public int OutputCount => OutputNames.Count;

    /// <summary>Total width of all tapped tensors (the length of the taps span given to Observe).</summary>
    public int TotalTapWidth
    {
        get
        {
            var total = 0;
            foreach (var t in Taps)
            {
                total += t.Width;
            }

            return total;
        }
    }

    internal int DerivedStart { get; }

    internal IReadOnlyList<int> TapStarts { get; }

    internal int LatencyIndex { get; }

    /// <summary>Index of a channel by name, or -1.</summary>
    public int IndexOf(string channelName)
    {
        ArgumentNullException.ThrowIfNull(channelName);
        return _byName.TryGetValue(channelName, out var i) ? i : -1;
    }

    /// <inheritdoc />
    public bool Equals(FingerprintSchema? other) => other is not null && other.Id == Id;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as FingerprintSchema);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Id);

    /// <summary>Throws a clear error unless <paramref name="other"/> has the same schema.</summary>
    public void EnsureSameAs(FingerprintSchema other, string what)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Equals(other))
        {
            return;
        }

        throw new SchemaMismatchException(Describe(this, other, what));
    }

    internal static string Describe(FingerprintSchema a, FingerprintSchema b, string what)
    {
        var differences = new List<string>();
        if (a.InputCount != b.InputCount || !a.InputNames.SequenceEqual(b.InputNames, StringComparer.Ordinal))
        {
            differences.Add($"inputs [{Abbreviate(a.InputNames)}] vs [{Abbreviate(b.InputNames)}]");
        }

        if (!a.OutputNames.SequenceEqual(b.OutputNames, StringComparer.Ordinal) || a.OutputKind != b.OutputKind)
        {
            differences.Add($"outputs {a.OutputKind} [{Abbreviate(a.OutputNames)}] vs {b.OutputKind} [{Abbreviate(b.OutputNames)}]");
        }

        if (!a.Taps.SequenceEqual(b.Taps))
        {
            differences.Add($"taps [{string.Join(", ", a.Taps.Select(FormatTap))}] vs [{string.Join(", ", b.Taps.Select(FormatTap))}]");
        }

        if (a.HasLatency != b.HasLatency)
        {
            differences.Add($"latency channel {(a.HasLatency ? "present" : "absent")} vs {(b.HasLatency ? "present" : "absent")}");
        }

        return $"{what}: schemas differ ({a.Id[..12]} vs {b.Id[..12]}): {string.Join("; ", differences)}";

        static string FormatTap(TapDefinition t) => $"{t.Name} {t.Width}->{t.ProjectedDimension} seed {t.ProjectionSeed}";

        static string Abbreviate(IReadOnlyList<string> names) =>
            names.Count <= 6 ? string.Join(", ", names) : string.Join(", ", names.Take(5)) + $", ... ({names.Count} in all)";
    }

    internal void WriteTo(BinaryBufferWriter writer)
    {
        writer.WriteInt32(InputNames.Count);
        foreach (var n in InputNames)
        {
            writer.WriteString(n);
        }

        writer.WriteInt32(OutputNames.Count);
        foreach (var n in OutputNames)
        {
            writer.WriteString(n);
        }

        writer.WriteByte((byte)OutputKind);
        writer.WriteInt32(Taps.Count);
        foreach (var t in Taps)
        {
            writer.WriteString(t.Name);
            writer.WriteInt32(t.Width);
            writer.WriteInt32(t.ProjectedDimension);
            writer.WriteUInt64(t.ProjectionSeed);
        }

        writer.WriteBoolean(HasLatency);
    }

    internal static FingerprintSchema ReadFrom(ref BinaryBufferReader reader)
    {
        var builder = CreateBuilder();
        var inputs = new string[reader.ReadCount("input count", MaxFeatures)];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = reader.ReadString("input name", MaxNameLength * 4);
        }

        var outputs = new string[reader.ReadCount("output count", MaxFeatures)];
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i] = reader.ReadString("output name", MaxNameLength * 4);
        }

        var kindOffset = reader.Position;
        var kind = reader.ReadByte("output kind");
        if (kind > (byte)OutputKind.Logits)
        {
            throw reader.Fail(kindOffset, $"unknown output kind {kind}");
        }

        builder.AddInputs(inputs).AddOutputs(outputs, (OutputKind)kind);
        var tapCount = reader.ReadCount("tap count", MaxTaps);
        for (var t = 0; t < tapCount; t++)
        {
            var name = reader.ReadString("tap name", MaxNameLength * 4);
            var width = reader.ReadCount("tap width", MaxTapWidth);
            var projected = reader.ReadCount("tap projected dimension", MaxProjectedDimension);
            var seed = reader.ReadUInt64("tap projection seed");
            builder.AddTap(name, width, projected, seed);
        }

        if (reader.ReadBoolean("latency flag"))
        {
            builder.WithLatency();
        }

        var problems = builder.Validate();
        if (problems.Count > 0)
        {
            throw reader.Fail("invalid schema: " + string.Join("; ", problems));
        }

        return builder.Build();
    }
}
