using System.Collections.ObjectModel;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Sketches;

namespace EdgeSentinel.Monitor.Fingerprints;

/// <summary>
/// A behavior fingerprint: one <see cref="ChannelSummary"/> per schema channel plus a
/// mean/covariance summary per activation tap. Fingerprints of the same schema merge
/// (window into hour, device into fleet); different schemas refuse to.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class Fingerprint
{
    private static readonly byte[] Magic = "ESFPRT\r\n"u8.ToArray();

    /// <summary>Binary format version written by <see cref="ToBytes"/>.</summary>
    public const ushort FormatVersion = 1;

    private readonly ChannelSummary[] _channels;
    private readonly CovarianceSummary[] _taps;

    internal Fingerprint(FingerprintSchema schema, ChannelSummary[] channels, CovarianceSummary[] taps, long observationCount)
    {
        Schema = schema;
        _channels = channels;
        _taps = taps;
        ObservationCount = observationCount;
        Channels = new ReadOnlyCollection<ChannelSummary>(_channels);
    }

    /// <summary>The schema.</summary>
    public FingerprintSchema Schema { get; }

    /// <summary>Number of observations summarized.</summary>
    public long ObservationCount { get; }

    /// <summary>Channel summaries in schema order.</summary>
    public IReadOnlyList<ChannelSummary> Channels { get; }

    internal IReadOnlyList<CovarianceSummary> TapSummaries => _taps;

    /// <summary>The summary of the named channel.</summary>
    public ChannelSummary this[string channelName]
    {
        get
        {
            var i = Schema.IndexOf(channelName);
            if (i < 0)
            {
                throw new KeyNotFoundException($"No channel '{channelName}' in schema {Schema.Id[..12]}.");
            }

            return _channels[i];
        }
    }

    /// <summary>Mean vector of tap <paramref name="tapIndex"/>'s projected activations.</summary>
    public ReadOnlySpan<double> TapMean(int tapIndex) => _taps[tapIndex].Mean;

    /// <summary>Merges two fingerprints of the same schema into a new one.</summary>
    /// <exception cref="SchemaMismatchException">The schemas or histogram bins differ.</exception>
    public static Fingerprint Merge(Fingerprint a, Fingerprint b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        a.Schema.EnsureSameAs(b.Schema, "cannot merge fingerprints");
        var channels = new ChannelSummary[a._channels.Length];
        for (var i = 0; i < channels.Length; i++)
        {
            channels[i] = ChannelSummary.Merge(a._channels[i], b._channels[i]);
        }

        var taps = new CovarianceSummary[a._taps.Length];
        for (var t = 0; t < taps.Length; t++)
        {
            taps[t] = a._taps[t].Clone();
            taps[t].Merge(b._taps[t]);
        }

        return new Fingerprint(a.Schema, channels, taps, a.ObservationCount + b.ObservationCount);
    }

    /// <summary>Merges this fingerprint with another of the same schema.</summary>
    public Fingerprint Merge(Fingerprint other) => Merge(this, other);

    /// <summary>Serializes to the compact, checksummed binary form.</summary>
    public byte[] ToBytes()
    {
        var writer = new BinaryBufferWriter(4096);
        WriteTo(writer);
        return ChecksummedContainer.Wrap(Magic, FormatVersion, writer.WrittenSpan);
    }

    /// <summary>Reads the binary form; throws <see cref="MonitorFormatException"/> naming what is wrong.</summary>
    public static Fingerprint FromBytes(ReadOnlySpan<byte> bytes)
    {
        var payload = ChecksummedContainer.Unwrap(bytes, Magic, FormatVersion, "fingerprint", FingerprintLimitsMaxBytes);
        var reader = new BinaryBufferReader(payload, "fingerprint");
        var fingerprint = ReadFrom(ref reader);
        reader.EnsureEnd();
        return fingerprint;
    }

    /// <summary>
    /// Makes every check of <see cref="FromBytes"/> (frame, checksum, schema, each summary's counts, lengths, ranges
    /// and invariants) without building the summaries, and returns the schema and observation count.
    /// </summary>
    /// <exception cref="MonitorFormatException">The bytes are not a valid fingerprint; the same message <see cref="FromBytes"/> gives.</exception>
    public static FingerprintOutline Validate(ReadOnlySpan<byte> bytes)
    {
        var payload = ChecksummedContainer.Unwrap(bytes, Magic, FormatVersion, "fingerprint", FingerprintLimitsMaxBytes);
        var reader = new BinaryBufferReader(payload, "fingerprint");
        var outline = Read(ref reader, build: false, out _);
        reader.EnsureEnd();
        return outline;
    }

    private const long FingerprintLimitsMaxBytes = 1L << 28;

    internal void WriteTo(BinaryBufferWriter writer)
    {
        Schema.WriteTo(writer);
        writer.WriteInt64(ObservationCount);
        foreach (var c in _channels)
        {
            c.WriteTo(writer);
        }

        foreach (var t in _taps)
        {
            t.WriteTo(writer);
        }
    }

    internal static Fingerprint ReadFrom(ref BinaryBufferReader reader)
    {
        Read(ref reader, build: true, out var fingerprint);
        return fingerprint!;
    }

    /// <summary>Reads with every check; builds the fingerprint only when <paramref name="build"/>.</summary>
    private static FingerprintOutline Read(ref BinaryBufferReader reader, bool build, out Fingerprint? fingerprint)
    {
        var section = reader.Section;
        reader.Section = section + " schema";
        var schema = ReadSchema(ref reader);
        reader.Section = section;
        var countOffset = reader.Position;
        var count = reader.ReadInt64("observation count");
        if (count < 0)
        {
            throw reader.Fail(countOffset, $"observation count {count} is negative");
        }

        var channels = build ? new ChannelSummary[schema.Channels.Count] : null;
        for (var i = 0; i < schema.Channels.Count; i++)
        {
            var channel = ChannelSummary.ReadFrom(ref reader, schema.Channels[i], build);
            if (channels is not null)
            {
                channels[i] = channel!;
            }
        }

        var taps = build ? new CovarianceSummary[schema.Taps.Count] : null;
        for (var t = 0; t < schema.Taps.Count; t++)
        {
            reader.Section = $"{section}, tap '{schema.Taps[t].Name}' covariance";
            var at = reader.Position;
            var tap = CovarianceSummary.ReadFrom(ref reader, build, out var dimension);
            if (dimension != schema.Taps[t].ProjectedDimension)
            {
                throw reader.Fail(at, $"covariance dimension {dimension} differs from the tap's projected dimension {schema.Taps[t].ProjectedDimension}");
            }

            if (taps is not null)
            {
                taps[t] = tap!;
            }
        }

        reader.Section = section;
        fingerprint = build ? new Fingerprint(schema, channels!, taps!, count) : null;
        return new FingerprintOutline(schema, count);
    }

    /// <summary>
    /// Reads the schema, reusing the last one read when the bytes start with the same schema bytes (a fleet's
    /// fingerprints share a schema; the schema format is self-delimiting, so equal bytes read to an equal schema).
    /// </summary>
    private static FingerprintSchema ReadSchema(ref BinaryBufferReader reader)
    {
        var last = _lastSchema;
        if (last is not null && reader.RemainingBytes.StartsWith(last.Bytes))
        {
            reader.ReadRaw("schema", last.Bytes.Length);
            return last.Schema;
        }

        var remaining = reader.RemainingBytes;
        var start = reader.Position;
        var schema = FingerprintSchema.ReadFrom(ref reader);
        _lastSchema = new SchemaBytes(remaining[..(reader.Position - start)].ToArray(), schema);
        return schema;
    }

    private static volatile SchemaBytes? _lastSchema;

    private sealed record SchemaBytes(byte[] Bytes, FingerprintSchema Schema);
}
