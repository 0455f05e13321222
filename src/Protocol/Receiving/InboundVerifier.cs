using System.Diagnostics.CodeAnalysis;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Receiving;

/// <summary>The receiving pipeline in one call: topic and envelope decoding, key lookup, signature, body decoding, replay and staleness; never throws on bad input.</summary>
/// <remarks>
/// Order of checks (the first failure is reported): topic → MQTT 5 properties → size → envelope
/// layout and version → topic agreement → key (<see cref="RejectionReason.UnknownDevice"/>) →
/// signature → body → replay/staleness. <see cref="TryVerify(string?, ReadOnlySpan{byte}, MessageProperties, out InboundMessage?, out Rejection)"/> does not record the message in the
/// <see cref="ReplayGuard"/>: call <see cref="Commit"/> after it is durably handled.
/// Thread-safe when the key resolver is.
/// </remarks>
public sealed class InboundVerifier
{
    private readonly Func<TopicAddress, SigningKey?> _keys;
    private readonly ProtocolLimits _limits;

    /// <summary>Creates a verifier; <paramref name="keys"/> returns the key that must have signed a message for the address (device key for alert/fingerprint/status, operator key for cmd), or null when unknown.</summary>
    public InboundVerifier(Func<TopicAddress, SigningKey?> keys, ReplayGuard guard, ProtocolLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(guard);
        limits ??= ProtocolLimits.Default;
        limits.EnsureValid();
        _keys = keys;
        Guard = guard;
        _limits = limits;
    }

    /// <summary>The replay guard this verifier checks against.</summary>
    public ReplayGuard Guard { get; }

    /// <summary>Runs every check on one received message.</summary>
    /// <remarks>When the only failed check is the sequence number (<see cref="RejectionReason.Replayed"/>, not a last
    /// will, timestamp within bounds), <paramref name="result"/> still holds the authentic message.</remarks>
    public bool TryVerify(string? topic, ReadOnlySpan<byte> message, MessageProperties properties, [NotNullWhen(true)] out InboundMessage? result, out Rejection rejection) =>
        TryVerify(topic, message, default, properties, out result, out rejection);

    /// <summary>
    /// <see cref="TryVerify(string?, ReadOnlySpan{byte}, MessageProperties, out InboundMessage?, out Rejection)"/> for a message that
    /// never changes afterwards: a binary envelope's payload (a fingerprint) refers to <paramref name="message"/> rather than a copy.
    /// </summary>
    public bool TryVerify(string? topic, ReadOnlyMemory<byte> message, MessageProperties properties, [NotNullWhen(true)] out InboundMessage? result, out Rejection rejection) =>
        TryVerify(topic, message.Span, message, properties, out result, out rejection);

    /// <summary>
    /// Every check of <see cref="TryVerify(string?, ReadOnlyMemory{byte}, MessageProperties, out InboundMessage?, out Rejection)"/>
    /// but the last, the replay guard's (sequence and staleness): split so that a receiver can authenticate and decode a message
    /// as soon as it arrives and leave only <see cref="TryCheckReplay"/> to the moment it handles it, in order.
    /// </summary>
    /// <remarks>Reads no state but the key resolver's; the same rejection, with the same reason, as <c>TryVerify</c> for a
    /// message that fails before the replay check. A binary envelope's payload refers to <paramref name="message"/>.</remarks>
    public bool TryAuthenticate(string? topic, ReadOnlyMemory<byte> message, MessageProperties properties, [NotNullWhen(true)] out InboundMessage? result, out Rejection rejection) =>
        TryAuthenticate(topic, message.Span, message, properties, out result, out rejection);

    /// <summary>
    /// The replay guard's check of a message that passed <see cref="TryAuthenticate(string?, ReadOnlyMemory{byte}, MessageProperties, out InboundMessage?, out Rejection)"/> (the last check of <c>TryVerify</c>, which
    /// it completes): true when it passes. When only the sequence number fails (<see cref="RejectionReason.Replayed"/>, not a
    /// last will, timestamp within bounds), <paramref name="redelivery"/> is true: an authentic message not above the highest
    /// sequence accepted, which a receiver tells apart from a true replay by what it has stored.
    /// </summary>
    public bool TryCheckReplay(InboundMessage message, out Rejection rejection, out bool redelivery)
    {
        ArgumentNullException.ThrowIfNull(message);
        redelivery = false;
        if (Guard.TryCheck(message.Envelope, message.Status, out rejection))
        {
            return true;
        }

        // Authentic and fresh, only not above the highest sequence accepted: a redelivery of a message already
        // handled, or a first delivery that arrives late (after a later one, e.g. from another aggregator of a
        // shared subscription). The caller tells the two apart by what it has stored.
        redelivery = rejection.Reason == RejectionReason.Replayed && !ReplayGuard.IsWill(message.Envelope, message.Status) && Guard.IsFresh(message.Envelope, out _);
        return false;
    }

    private bool TryVerify(string? topic, ReadOnlySpan<byte> message, ReadOnlyMemory<byte> kept, MessageProperties properties, [NotNullWhen(true)] out InboundMessage? result, out Rejection rejection)
    {
        if (!TryAuthenticate(topic, message, kept, properties, out var authentic, out rejection))
        {
            result = null;
            return false;
        }

        var accepted = TryCheckReplay(authentic, out rejection, out var redelivery);
        result = accepted || redelivery ? authentic : null;
        return accepted;
    }

    private bool TryAuthenticate(string? topic, ReadOnlySpan<byte> message, ReadOnlyMemory<byte> kept, MessageProperties properties, [NotNullWhen(true)] out InboundMessage? result, out Rejection rejection)
    {
        result = null;
        rejection = default;
        // Alerts, the bulk of the traffic, in one pass when nothing about them is unusual; the full path otherwise (it says why it refuses).
        if (!EnvelopeCodec.TryDecodeAlert(topic, message, kept, properties, _limits, out var envelope, out var alert)
            && !EnvelopeCodec.TryDecode(topic, message, kept, properties, _limits, out envelope, out rejection))
        {
            return false;
        }

        var key = _keys(envelope.Address);
        if (key is null)
        {
            rejection = new(RejectionReason.UnknownDevice, $"no key registered for {envelope.Fleet}/{envelope.Device} ({EdgeTopics.KindLevel(envelope.Kind)})");
            return false;
        }

        if (!envelope.VerifySignature(key))
        {
            rejection = new(RejectionReason.BadSignature, $"signature of {envelope.Topic} #{envelope.Sequence} does not match the registered key");
            return false;
        }

        StatusReport? status = null;
        FingerprintReport? fingerprint = null;
        DeviceCommand? command = null;
        var decoded = envelope.Kind switch
        {
            TopicKind.Alert => alert is not null || AlertCodec.TryDecode(envelope, _limits, out alert, out rejection),
            TopicKind.Status => StatusCodec.TryDecode(envelope, _limits, out status, out rejection),
            TopicKind.Fingerprint => FingerprintReportCodec.TryDecode(envelope, _limits, out fingerprint, out rejection),
            _ => CommandCodec.TryDecode(envelope, _limits, out command, out rejection),
        };
        if (!decoded)
        {
            return false;
        }

        result = new InboundMessage(envelope, alert, status, fingerprint, command);
        return true;
    }

    /// <summary>Records an accepted message in the replay guard, once it has been durably handled.</summary>
    public void Commit(InboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Guard.Record(message.Envelope, message.Status);
    }
}
