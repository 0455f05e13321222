using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Baselines;

/// <summary>
/// The fingerprint of a model's training/evaluation data with the model's identity, calibrated
/// detector thresholds, reference samples for exact window tests and a canary set.
/// </summary>
/// <remarks>
/// Immutable and thread-safe. Stored as a versioned binary file (<see cref="ToBytes"/>): magic
/// bytes, format version, length, payload, SHA-256 checksum. <see cref="FromBytes"/> either
/// returns a whole baseline or throws; it never yields a half-read one.
/// </remarks>
public sealed class Baseline
{
    /// <summary>Binary format version this build writes (3: adds the activation episode gap and extremal indices; 4: the input channels' support limits); it also reads versions 2 and 3 (no support limits).</summary>
    public const ushort FormatVersion = 4;

    /// <summary>Oldest binary format version this build reads (version 2 alarms on every activation exceedance).</summary>
    public const ushort OldestReadableFormatVersion = 2;

    /// <summary>File magic: <c>ESBASE</c> CR LF.</summary>
    internal static readonly byte[] Magic = "ESBASE\r\n"u8.ToArray();

    private readonly float[][] _referenceSamples;

    internal Baseline(
        ModelIdentity model,
        Fingerprint fingerprint,
        float[][] referenceSamples,
        ScoringModel scoring,
        BaselineCalibration calibration,
        CanarySet canaries,
        DateTimeOffset createdAt,
        string description)
    {
        Model = model;
        Fingerprint = fingerprint;
        _referenceSamples = referenceSamples;
        Scoring = scoring;
        Calibration = calibration;
        Canaries = canaries;
        CreatedAt = createdAt;
        Description = description;
    }

    /// <summary>The model this baseline was built for.</summary>
    public ModelIdentity Model { get; }

    /// <summary>Fingerprint of the training data.</summary>
    public Fingerprint Fingerprint { get; }

    /// <summary>The channel schema.</summary>
    public FingerprintSchema Schema => Fingerprint.Schema;

    /// <summary>Calibrated thresholds.</summary>
    public BaselineCalibration Calibration { get; }

    /// <summary>Canary inputs with expected outputs.</summary>
    public CanarySet Canaries { get; }

    /// <summary>When the baseline was built.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Free text given when building.</summary>
    public string Description { get; }

    internal ScoringModel Scoring { get; }

    /// <summary>Training values kept for channel <paramref name="channel"/> (empty for a categorical channel).</summary>
    public ReadOnlySpan<float> ReferenceSample(int channel) => _referenceSamples[channel];

    /// <summary>Throws <see cref="ModelIdentityMismatchException"/> unless <paramref name="loadedModel"/> is the model this baseline was built for.</summary>
    public void EnsureBuiltFor(ModelIdentity loadedModel) => Model.EnsureMatches(loadedModel);

    /// <summary>Serializes to the binary file format.</summary>
    public byte[] ToBytes()
    {
        var writer = new BinaryBufferWriter(64 * 1024);
        writer.WriteString(Description);
        writer.WriteInt64(CreatedAt.ToUnixTimeMilliseconds());
        Model.WriteTo(writer);
        Fingerprint.WriteTo(writer);
        foreach (var sample in _referenceSamples)
        {
            writer.WriteSingleArray(sample);
        }

        Scoring.WriteTo(writer);
        Calibration.WriteTo(writer);
        Canaries.WriteTo(writer);
        return ChecksummedContainer.Wrap(Magic, FormatVersion, writer.WrittenSpan);
    }

    /// <summary>
    /// Reads a baseline file. With <paramref name="expectedModel"/>, also refuses a baseline built
    /// for another model.
    /// </summary>
    /// <exception cref="MonitorFormatException">Truncated, corrupted, foreign or wrong-version file.</exception>
    /// <exception cref="ModelIdentityMismatchException">The baseline belongs to another model.</exception>
    public static Baseline FromBytes(ReadOnlySpan<byte> bytes, ModelIdentity? expectedModel = null)
    {
        if (bytes.Length >= 10 && bytes[..8].SequenceEqual(Magic) && System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]) is var version && version < OldestReadableFormatVersion)
        {
            throw new MonitorFormatException("baseline file", 8,
                $"unsupported format version {version} (this build reads versions {OldestReadableFormatVersion}..{FormatVersion}): the file was written by an older build, before the window tests' null was calibrated; rebuild it with 'edgesentinel baseline'");
        }

        var formatVersion = bytes.Length >= 10 && bytes[..8].SequenceEqual(Magic) && System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]) is var written
            && written is >= OldestReadableFormatVersion and < FormatVersion
            ? written
            : FormatVersion;
        var payload = ChecksummedContainer.Unwrap(bytes, Magic, formatVersion, "baseline file", FingerprintLimits.MaxFileBytes);
        var reader = new BinaryBufferReader(payload, "baseline");
        var description = reader.ReadString("description", 4096 * 4);
        var createdOffset = reader.Position;
        var createdMs = reader.ReadInt64("created-at");
        if (createdMs < -62_135_596_800_000 || createdMs > 253_402_300_799_999)
        {
            throw reader.Fail(createdOffset, $"created-at {createdMs} ms is not a valid time");
        }

        reader.Section = "baseline model identity";
        var model = ModelIdentity.ReadFrom(ref reader);
        reader.Section = "baseline fingerprint";
        var fingerprint = Fingerprint.ReadFrom(ref reader);
        var schema = fingerprint.Schema;
        reader.Section = "baseline reference samples";
        var samples = new float[schema.Channels.Count][];
        for (var i = 0; i < samples.Length; i++)
        {
            var at = reader.Position;
            samples[i] = reader.ReadSingleArray("reference sample", 1_000_000);
            var continuous = schema.Channels[i].ValueKind == ChannelValueKind.Continuous;
            if (samples[i].Any(v => !float.IsFinite(v)) || (!continuous && samples[i].Length != 0))
            {
                throw reader.Fail(at, $"reference sample of channel '{schema.Channels[i].Name}' holds non-finite values or belongs to a categorical channel");
            }
        }

        reader.Section = "baseline scoring model";
        var scoring = ScoringModel.ReadFrom(ref reader, schema);
        reader.Section = "baseline calibration";
        var calibration = BaselineCalibration.ReadFrom(ref reader, schema.Taps.Count, schema.Channels.Count, formatVersion);
        if (calibration.Sequential.StreamCount != scoring.StreamCount)
        {
            throw reader.Fail($"the sequential calibration covers {calibration.Sequential.StreamCount} streams, the scoring model has {scoring.StreamCount}");
        }

        reader.Section = "baseline canaries";
        var canaries = CanarySet.ReadFrom(ref reader);
        reader.EnsureEnd();

        var baseline = new Baseline(model, fingerprint, samples, scoring, calibration, canaries,
            DateTimeOffset.FromUnixTimeMilliseconds(createdMs), description);
        if (expectedModel is not null)
        {
            baseline.EnsureBuiltFor(expectedModel);
        }

        return baseline;
    }

    /// <summary>An indented JSON view for people (summaries, thresholds, identity; not the raw reference samples).</summary>
    public string ToJson() => BaselineJsonView.Write(this);
}
