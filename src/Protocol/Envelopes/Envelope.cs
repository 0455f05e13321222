using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Envelopes;

/// <summary>A signed message: schema version, fleet, device, kind, per-device sequence number, timestamp, payload and HMAC-SHA256 signature.</summary>
/// <remarks>
/// Immutable and thread-safe (payload and signature are private copies — or, for a received message, the received bytes, which the receiver never changes). Make one with
/// <see cref="Seal"/> (sender) or <c>EnvelopeCodec.TryDecode</c> (receiver; not yet verified —
/// call <see cref="VerifySignature"/>). Timestamps have millisecond precision. The signed bytes are
/// described on <see cref="EnvelopeSignature"/>.
/// </remarks>
public sealed class Envelope
{
    /// <summary>Smallest valid sequence number (0 is never used).</summary>
    public const long MinSequence = 1;

    /// <summary>Largest valid timestamp in milliseconds since the Unix epoch (9999-12-31T23:59:59.999Z).</summary>
    public const long MaxTimestampMilliseconds = 253_402_300_799_999;

    private readonly ReadOnlyMemory<byte> _payload;
    private readonly byte[] _signature;
    private string? _topic; // built once, when first asked for (the signature check asks for it), or the received one

    internal Envelope(int schemaVersion, TopicAddress address, long sequence, long timestampMilliseconds, ReadOnlyMemory<byte> payload, byte[] signature, string? topic = null)
    {
        _topic = topic;
        SchemaVersion = schemaVersion;
        Address = address;
        Sequence = sequence;
        TimestampMilliseconds = timestampMilliseconds;
        _payload = payload;
        _signature = signature;
    }

    /// <summary>The schema version (<see cref="WireFormat.SchemaVersion"/>).</summary>
    public int SchemaVersion { get; }

    /// <summary>Fleet, device and kind.</summary>
    public TopicAddress Address { get; }

    /// <summary>The fleet id.</summary>
    public string Fleet => Address.Fleet;

    /// <summary>The device id.</summary>
    public string Device => Address.Device;

    /// <summary>What the message is.</summary>
    public TopicKind Kind => Address.Kind;

    /// <summary>The topic the message is published on.</summary>
    public string Topic => _topic ??= Address.Topic;

    /// <summary>The per-device sequence number (≥ 1; strictly increasing per device, gaps allowed).</summary>
    public long Sequence { get; }

    /// <summary>The timestamp in milliseconds since the Unix epoch (UTC).</summary>
    public long TimestampMilliseconds { get; }

    /// <summary>The timestamp.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(TimestampMilliseconds);

    /// <summary>The payload: the JSON body bytes exactly as signed, or the binary body.</summary>
    public ReadOnlySpan<byte> Payload => _payload.Span;

    /// <summary>The payload as memory (the same bytes as <see cref="Payload"/>), for a receiver that keeps a part of it without copying.</summary>
    public ReadOnlyMemory<byte> PayloadMemory => _payload;

    /// <summary>The 32-byte HMAC-SHA256 signature.</summary>
    public ReadOnlySpan<byte> Signature => _signature;

    /// <summary>Signs <paramref name="payload"/> for <paramref name="address"/> with <paramref name="key"/>; the timestamp is truncated to milliseconds.</summary>
    /// <remarks>For JSON kinds the payload must be one JSON value (the body); <see cref="EnvelopeCodec.Encode"/> checks it.</remarks>
    public static Envelope Seal(SigningKey key, TopicAddress address, long sequence, DateTimeOffset timestamp, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (address.Fleet is null)
        {
            throw new ArgumentException("The address is default; build one with EdgeTopics.Address.", nameof(address));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, MinSequence);
        var ms = timestamp.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(ms, nameof(timestamp));
        var signature = EnvelopeSignature.Compute(key, WireFormat.SchemaVersion, address.Topic, sequence, ms, payload);
        return new Envelope(WireFormat.SchemaVersion, address, sequence, ms, payload.ToArray(), signature);
    }

    /// <summary>True when the signature matches the fields under <paramref name="key"/> (constant-time).</summary>
    public bool VerifySignature(SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return EnvelopeSignature.Verify(key, SchemaVersion, Topic, Sequence, TimestampMilliseconds, _payload.Span, _signature);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Topic} #{Sequence} @{Timestamp:O} ({_payload.Length} bytes)";
}
