using EdgeSentinel.Monitor.Fingerprints;

namespace EdgeSentinel.Protocol.Payloads;

/// <summary>The body of a fingerprint message: the fingerprint of one or more consecutive windows, the time they span and the model.</summary>
/// <remarks>
/// Immutable and thread-safe. Coalescing two reports merges their fingerprints (<see cref="Fingerprint.Merge(Fingerprint)"/>) and spans both windows.
/// A report received on the ingest path holds the validated fingerprint bytes and decodes them on the first use of <see cref="Fingerprint"/>.
/// </remarks>
public sealed class FingerprintReport
{
    /// <summary>Longest model hash, in characters.</summary>
    public const int MaxModelHashLength = 128;

    private readonly ReadOnlyMemory<byte> _fingerprintBytes;
    private Fingerprint? _fingerprint;

    /// <summary>Creates a report; throws when the window is inverted, <paramref name="windowCount"/> is below 1 or the model hash is blank, too long or not printable ASCII.</summary>
    public FingerprintReport(string modelHash, DateTimeOffset windowStart, DateTimeOffset windowEnd, int windowCount, Fingerprint fingerprint)
        : this(modelHash, windowStart, windowEnd, windowCount, fingerprint?.ObservationCount ?? 0)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        _fingerprint = fingerprint;
    }

    /// <summary>A report whose fingerprint <paramref name="fingerprintBytes"/> (<see cref="Fingerprint.ToBytes"/> form, never changed afterwards) passed <see cref="Fingerprint.Validate"/>.</summary>
    internal FingerprintReport(string modelHash, DateTimeOffset windowStart, DateTimeOffset windowEnd, int windowCount, FingerprintOutline outline, ReadOnlyMemory<byte> fingerprintBytes)
        : this(modelHash, windowStart, windowEnd, windowCount, outline.ObservationCount)
    {
        _fingerprintBytes = fingerprintBytes;
    }

    private FingerprintReport(string modelHash, DateTimeOffset windowStart, DateTimeOffset windowEnd, int windowCount, long observationCount)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelHash);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(modelHash.Length, MaxModelHashLength, nameof(modelHash));
        if (modelHash.AsSpan().ContainsAnyExceptInRange('!', '~'))
        {
            throw new ArgumentException("The model hash must be printable ASCII without spaces.", nameof(modelHash));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(windowEnd, windowStart);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowCount, 1);
        ModelHash = modelHash;
        WindowStart = windowStart;
        WindowEnd = windowEnd;
        WindowCount = windowCount;
        ObservationCount = observationCount;
    }

    /// <summary>The hash of the model that produced the fingerprint.</summary>
    public string ModelHash { get; }

    /// <summary>Start of the first window (millisecond precision on the wire).</summary>
    public DateTimeOffset WindowStart { get; }

    /// <summary>End of the last window (millisecond precision on the wire).</summary>
    public DateTimeOffset WindowEnd { get; }

    /// <summary>How many windows were merged into this report (1 unless coalesced).</summary>
    public int WindowCount { get; }

    /// <summary>Number of observations the fingerprint summarizes (known without decoding it).</summary>
    public long ObservationCount { get; }

    /// <summary>The fingerprint (a received report decodes its validated bytes on first use).</summary>
    public Fingerprint Fingerprint => _fingerprint ?? Decode();

    /// <summary>The fingerprint bytes as received, for a report that has not decoded them (empty otherwise).</summary>
    internal ReadOnlyMemory<byte> ReceivedBytes => _fingerprintBytes;

    private Fingerprint Decode()
    {
        // The bytes passed the same checks as FromBytes makes, so this cannot fail unless the caller changed them.
        var decoded = Fingerprint.FromBytes(_fingerprintBytes.Span);
        return Interlocked.CompareExchange(ref _fingerprint, decoded, null) ?? decoded;
    }

    /// <summary>Merges two reports of the same model and schema into one spanning both.</summary>
    /// <exception cref="ArgumentException">The model hashes differ.</exception>
    /// <exception cref="SchemaMismatchException">The fingerprint schemas differ.</exception>
    public static FingerprintReport Coalesce(FingerprintReport earlier, FingerprintReport later)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(later);
        if (!string.Equals(earlier.ModelHash, later.ModelHash, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Cannot coalesce fingerprints of different models ({earlier.ModelHash} and {later.ModelHash}).", nameof(later));
        }

        return new FingerprintReport(
            earlier.ModelHash,
            earlier.WindowStart < later.WindowStart ? earlier.WindowStart : later.WindowStart,
            earlier.WindowEnd > later.WindowEnd ? earlier.WindowEnd : later.WindowEnd,
            checked(earlier.WindowCount + later.WindowCount),
            earlier.Fingerprint.Merge(later.Fingerprint));
    }
}
