using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Envelopes;

/// <summary>Writes envelopes to MQTT payload bytes and reads them back under strict limits; reading never throws on bad input.</summary>
/// <remarks>
/// <para>JSON envelope (alert, status, cmd), properties in this order when written, any order when read,
/// no others allowed:</para>
/// <code>{"v":1,"fleet":"f1","device":"d7","kind":"alert","seq":42,"ts":1764000000000,"body":{...},"sig":"64 lower-case hex digits"}</code>
/// <para><c>ts</c> is milliseconds since the Unix epoch; <c>body</c> is the payload, embedded verbatim
/// (its bytes as transmitted are what is signed).</para>
/// <para>Binary envelope (fingerprint), integers big-endian:</para>
/// <code>
/// 4   magic "ESB1"
/// u8  schema version (1)
/// u8  kind (TopicKind numeric value)
/// u8  fleet length, fleet (ASCII)
/// u8  device length, device (ASCII)
/// u64 sequence
/// i64 timestamp (ms since the Unix epoch)
/// u32 payload length, payload
/// 32  signature
/// </code>
/// <para>Thread-safe (stateless).</para>
/// </remarks>
public static class EnvelopeCodec
{
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private static ReadOnlySpan<byte> BinaryMagic => "ESB1"u8;

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = false };

    /// <summary>Encodes <paramref name="envelope"/> as a JSON or binary envelope, as its kind requires.</summary>
    /// <exception cref="ArgumentException">A JSON kind's payload is not a single valid JSON value.</exception>
    public static byte[] Encode(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return WireFormat.IsBinary(envelope.Kind) ? EncodeBinary(envelope) : EncodeJson(envelope);
    }

    /// <summary>Reads an envelope that arrived on <paramref name="topic"/>; checks topic, MQTT 5 properties, limits, version and topic agreement — but not the signature (see <see cref="Envelope.VerifySignature"/>).</summary>
    public static bool TryDecode(
        string? topic,
        ReadOnlySpan<byte> message,
        MessageProperties properties,
        ProtocolLimits limits,
        [NotNullWhen(true)] out Envelope? envelope,
        out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return TryDecode(topic, message, default, properties, limits, out envelope, out rejection);
    }

    /// <summary>
    /// <see cref="TryDecode(string?, ReadOnlySpan{byte}, MessageProperties, ProtocolLimits, out Envelope?, out Rejection)"/> for a message
    /// that never changes afterwards: the payload of a binary envelope refers to <paramref name="message"/> rather than a copy.
    /// </summary>
    public static bool TryDecode(
        string? topic,
        ReadOnlyMemory<byte> message,
        MessageProperties properties,
        ProtocolLimits limits,
        [NotNullWhen(true)] out Envelope? envelope,
        out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return TryDecode(topic, message.Span, message, properties, limits, out envelope, out rejection);
    }

    /// <summary>Decodes <paramref name="message"/>; a binary payload refers to <paramref name="kept"/> (the same bytes) unless that is empty.</summary>
    internal static bool TryDecode(
        string? topic,
        ReadOnlySpan<byte> message,
        ReadOnlyMemory<byte> kept,
        MessageProperties properties,
        ProtocolLimits limits,
        [NotNullWhen(true)] out Envelope? envelope,
        out Rejection rejection)
    {
        envelope = null;
        if (!EdgeTopics.TryParse(topic, out var address, out rejection))
        {
            return false;
        }

        var binary = WireFormat.IsBinary(address.Kind);
        if (!CheckProperties(properties, binary, address.Kind, out rejection))
        {
            return false;
        }

        var max = binary ? limits.MaxBinaryMessageBytes : limits.MaxJsonMessageBytes;
        if (message.Length > max)
        {
            rejection = new(RejectionReason.Oversized, $"{address.Kind} message of {message.Length} bytes is larger than {max}");
            return false;
        }

        if (message.IsEmpty)
        {
            rejection = new(RejectionReason.Malformed, $"{address.Kind} message is empty");
            return false;
        }

        return binary
            ? TryDecodeBinary(address, message, kept, out envelope, out rejection)
            : TryDecodeJson(address, message, limits, out envelope, out rejection);
    }

    /// <summary>
    /// The receive path's fast path for alerts: the checks of <see cref="TryDecode(string?, ReadOnlySpan{byte}, MessageProperties, ProtocolLimits, out Envelope?, out Rejection)"/>
    /// and of <see cref="Payloads.AlertCodec.TryDecode(Envelope, ProtocolLimits, out Monitor.Alerts.Alert?, out Rejection)"/> in one pass
    /// (<see cref="Payloads.AlertWireReader"/>). True only when both would accept, with the same envelope and alert; false
    /// when they must decide (any other kind, or anything unusual) — it never rejects by itself.
    /// </summary>
    internal static bool TryDecodeAlert(
        string? topic,
        ReadOnlySpan<byte> message,
        MessageProperties properties,
        ProtocolLimits limits,
        [NotNullWhen(true)] out Envelope? envelope,
        [NotNullWhen(true)] out Monitor.Alerts.Alert? alert) =>
        TryDecodeAlert(topic, message, default, properties, limits, out envelope, out alert);

    /// <summary>The fast path for a message that never changes afterwards: the envelope's payload (the body) refers to <paramref name="kept"/> (the same bytes as <paramref name="message"/>) unless that is empty.</summary>
    internal static bool TryDecodeAlert(
        string? topic,
        ReadOnlySpan<byte> message,
        ReadOnlyMemory<byte> kept,
        MessageProperties properties,
        ProtocolLimits limits,
        [NotNullWhen(true)] out Envelope? envelope,
        [NotNullWhen(true)] out Monitor.Alerts.Alert? alert)
    {
        envelope = null;
        alert = null;
        return EdgeTopics.TryParse(topic, out var address, out _)
            && address.Kind == TopicKind.Alert
            && CheckProperties(properties, binary: false, address.Kind, out _)
            && Payloads.AlertWireReader.TryRead(address, topic, message, kept, limits, out envelope, out alert);
    }

    /// <summary>Reads an envelope with <see cref="ProtocolLimits.Default"/>.</summary>
    public static bool TryDecode(string? topic, ReadOnlySpan<byte> message, MessageProperties properties, [NotNullWhen(true)] out Envelope? envelope, out Rejection rejection) =>
        TryDecode(topic, message, properties, ProtocolLimits.Default, out envelope, out rejection);

    private static bool CheckProperties(MessageProperties properties, bool binary, TopicKind kind, out Rejection rejection)
    {
        rejection = default;
        if (properties.SchemaVersion is { } version && version != "1")
        {
            rejection = new(RejectionReason.UnsupportedVersion, $"user property {WireFormat.VersionProperty} is '{Identifiers.Sanitize(version, 16)}' (this code reads '1')");
            return false;
        }

        var expectedType = binary ? WireFormat.ContentTypeBinary : WireFormat.ContentTypeJson;
        if (properties.ContentType is { } type && type != expectedType)
        {
            rejection = new(RejectionReason.UnsupportedEncoding, $"content type '{Identifiers.Sanitize(type, 64)}' on a {EdgeTopics.KindLevel(kind)} topic (expected '{expectedType}')");
            return false;
        }

        var expectedEncoding = binary ? WireFormat.EncodingBinary : WireFormat.EncodingJson;
        if (properties.Encoding is { } encoding && encoding != expectedEncoding)
        {
            rejection = new(RejectionReason.UnsupportedEncoding, $"user property {WireFormat.EncodingProperty} is '{Identifiers.Sanitize(encoding, 16)}' on a {EdgeTopics.KindLevel(kind)} topic (expected '{expectedEncoding}')");
            return false;
        }

        return true;
    }

    private static byte[] EncodeJson(Envelope envelope)
    {
        var buffer = new ArrayBufferWriter<byte>(envelope.Payload.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", envelope.SchemaVersion);
            writer.WriteString("fleet", envelope.Fleet);
            writer.WriteString("device", envelope.Device);
            writer.WriteString("kind", EdgeTopics.KindLevel(envelope.Kind));
            writer.WriteNumber("seq", envelope.Sequence);
            writer.WriteNumber("ts", envelope.TimestampMilliseconds);
            writer.WritePropertyName("body");
            try
            {
                writer.WriteRawValue(envelope.Payload, skipInputValidation: false);
            }
            catch (JsonException ex)
            {
                throw new ArgumentException($"The payload of a {envelope.Kind} envelope must be one JSON value: {ex.Message}", nameof(envelope), ex);
            }

            writer.WriteString("sig", Convert.ToHexStringLower(envelope.Signature));
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] EncodeBinary(Envelope envelope)
    {
        var fleet = Encoding.ASCII.GetBytes(envelope.Fleet);
        var device = Encoding.ASCII.GetBytes(envelope.Device);
        var payload = envelope.Payload;
        var bytes = new byte[4 + 1 + 1 + 1 + fleet.Length + 1 + device.Length + 8 + 8 + 4 + payload.Length + EnvelopeSignature.Length];
        var span = bytes.AsSpan();
        BinaryMagic.CopyTo(span);
        var at = 4;
        span[at++] = (byte)envelope.SchemaVersion;
        span[at++] = (byte)envelope.Kind;
        span[at++] = (byte)fleet.Length;
        fleet.CopyTo(span[at..]);
        at += fleet.Length;
        span[at++] = (byte)device.Length;
        device.CopyTo(span[at..]);
        at += device.Length;
        BinaryPrimitives.WriteInt64BigEndian(span[at..], envelope.Sequence);
        at += 8;
        BinaryPrimitives.WriteInt64BigEndian(span[at..], envelope.TimestampMilliseconds);
        at += 8;
        BinaryPrimitives.WriteUInt32BigEndian(span[at..], (uint)payload.Length);
        at += 4;
        payload.CopyTo(span[at..]);
        at += payload.Length;
        envelope.Signature.CopyTo(span[at..]);
        return bytes;
    }

    private static bool TryDecodeBinary(TopicAddress address, ReadOnlySpan<byte> message, ReadOnlyMemory<byte> kept, [NotNullWhen(true)] out Envelope? envelope, out Rejection rejection)
    {
        envelope = null;
        const string what = "binary envelope";
        var at = 0;
        if (message.Length < 4 || !message[..4].SequenceEqual(BinaryMagic))
        {
            rejection = new(RejectionReason.Malformed, $"{what}: does not start with the magic 'ESB1'");
            return false;
        }

        at = 4;
        if (!Need(message, at, 2, "version and kind", out rejection))
        {
            return false;
        }

        int version = message[at++];
        if (version != WireFormat.SchemaVersion)
        {
            rejection = new(RejectionReason.UnsupportedVersion, $"{what}: schema version {version} (this code reads {WireFormat.SchemaVersion})");
            return false;
        }

        int kind = message[at++];
        if (!TryReadId(message, ref at, "fleet", out var fleet, out rejection) || !TryReadId(message, ref at, "device", out var device, out rejection))
        {
            return false;
        }

        if (!Need(message, at, 8 + 8 + 4, "sequence, timestamp and payload length", out rejection))
        {
            return false;
        }

        var sequence = BinaryPrimitives.ReadInt64BigEndian(message[at..]);
        at += 8;
        var timestamp = BinaryPrimitives.ReadInt64BigEndian(message[at..]);
        at += 8;
        var payloadLength = BinaryPrimitives.ReadUInt32BigEndian(message[at..]);
        at += 4;
        if (payloadLength > (uint)(message.Length - at))
        {
            rejection = new(RejectionReason.Malformed, $"{what}: payload length {payloadLength} runs past the end ({message.Length - at} bytes left at byte {at - 4})");
            return false;
        }

        var payloadStart = at;
        var payload = message.Slice(at, (int)payloadLength);
        at += (int)payloadLength;
        if (message.Length - at != EnvelopeSignature.Length)
        {
            rejection = new(RejectionReason.Malformed, $"{what}: {message.Length - at} bytes after the payload (expected the {EnvelopeSignature.Length}-byte signature)");
            return false;
        }

        var signature = message[at..];
        return TryFinish(address, version, kind == (int)address.Kind, EdgeTopicsKindName(kind), fleet, device, sequence, timestamp, payload, signature, out envelope, out rejection,
            kept.IsEmpty ? default : kept.Slice(payloadStart, (int)payloadLength));

        static string EdgeTopicsKindName(int k) => Enum.IsDefined((TopicKind)k) ? EdgeTopics.KindLevel((TopicKind)k) : $"#{k}";
    }

    private static bool Need(ReadOnlySpan<byte> message, int at, int count, string field, out Rejection rejection)
    {
        if (message.Length - at < count)
        {
            rejection = new(RejectionReason.Malformed, $"binary envelope: truncated in {field} (at byte {at}, {message.Length} bytes in all)");
            return false;
        }

        rejection = default;
        return true;
    }

    private static bool TryReadId(ReadOnlySpan<byte> message, ref int at, string field, [NotNullWhen(true)] out string? id, out Rejection rejection)
    {
        id = null;
        if (!Need(message, at, 1, field + " length", out rejection))
        {
            return false;
        }

        int length = message[at++];
        if (!Need(message, at, length, field, out rejection))
        {
            return false;
        }

        var bytes = message.Slice(at, length);
        at += length;
        if (bytes.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E))
        {
            rejection = new(RejectionReason.TopicMismatch, $"binary envelope: {field} id is not printable ASCII");
            return false;
        }

        id = Encoding.ASCII.GetString(bytes);
        return true;
    }

    private static bool TryDecodeJson(TopicAddress address, ReadOnlySpan<byte> message, ProtocolLimits limits, [NotNullWhen(true)] out Envelope? envelope, out Rejection rejection)
    {
        envelope = null;
        const string what = "JSON envelope";
        if (!JsonGuard.TryCheck(message, limits, what, out rejection))
        {
            return false;
        }

        // JsonGuard accepted the bytes, so parsing cannot fail on syntax, depth or size.
        using var document = JsonDocument.Parse(message.ToArray(), new JsonDocumentOptions { MaxDepth = limits.MaxJsonDepth + 1 });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            rejection = new(RejectionReason.Malformed, $"{what}: is a JSON {root.ValueKind}, not an object");
            return false;
        }

        // The version decides how to read the rest, so it comes first.
        if (!root.TryGetProperty("v", out var v))
        {
            rejection = new(RejectionReason.Malformed, $"{what}: no 'v' (schema version)");
            return false;
        }

        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version))
        {
            rejection = new(RejectionReason.Malformed, $"{what}: 'v' is not an integer");
            return false;
        }

        if (version != WireFormat.SchemaVersion)
        {
            rejection = new(RejectionReason.UnsupportedVersion, $"{what}: schema version {version} (this code reads {WireFormat.SchemaVersion})");
            return false;
        }

        string? fleet = null, device = null, kind = null, sig = null;
        long sequence = 0, timestamp = 0;
        bool haveBody = false, haveSequence = false, haveTimestamp = false;
        ReadOnlySpan<byte> body = default;
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "v":
                    break;
                case "fleet":
                case "device":
                case "kind":
                case "sig":
                    if (value.ValueKind != JsonValueKind.String)
                    {
                        rejection = new(RejectionReason.Malformed, $"{what}: '{property.Name}' is a {value.ValueKind}, not a string");
                        return false;
                    }

                    var text = value.GetString()!;
                    switch (property.Name)
                    {
                        case "fleet": fleet = text; break;
                        case "device": device = text; break;
                        case "kind": kind = text; break;
                        default: sig = text; break;
                    }

                    break;
                case "seq":
                case "ts":
                    if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
                    {
                        rejection = new(RejectionReason.Malformed, $"{what}: '{property.Name}' is not a 64-bit integer");
                        return false;
                    }

                    if (property.Name == "seq")
                    {
                        sequence = number;
                        haveSequence = true;
                    }
                    else
                    {
                        timestamp = number;
                        haveTimestamp = true;
                    }

                    break;
                case "body":
                    if (value.ValueKind != JsonValueKind.Object)
                    {
                        rejection = new(RejectionReason.Malformed, $"{what}: 'body' is a {value.ValueKind}, not an object");
                        return false;
                    }

                    haveBody = true;
                    body = JsonMarshal.GetRawUtf8Value(value);
                    break;
                default:
                    rejection = new(RejectionReason.Malformed, $"{what}: unknown property '{Identifiers.Sanitize(property.Name)}'");
                    return false;
            }
        }

        var missing = fleet is null ? "fleet" : device is null ? "device" : kind is null ? "kind" : !haveSequence ? "seq"
            : !haveTimestamp ? "ts" : !haveBody ? "body" : sig is null ? "sig" : null;
        if (missing is not null)
        {
            rejection = new(RejectionReason.Malformed, $"{what}: no '{missing}'");
            return false;
        }

        if (sig!.Length != EnvelopeSignature.Length * 2 || sig.AsSpan().ContainsAnyExcept(HexDigits))
        {
            rejection = new(RejectionReason.Malformed, $"{what}: 'sig' is not {EnvelopeSignature.Length * 2} hex digits");
            return false;
        }

        var kindMatches = EdgeTopics.TryParseKind(kind, out var parsedKind) && parsedKind == address.Kind;
        return TryFinish(address, version, kindMatches, kind!, fleet!, device!, sequence, timestamp, body, Convert.FromHexString(sig), out envelope, out rejection);
    }

    private static bool TryFinish(
        TopicAddress address,
        int version,
        bool kindMatches,
        string kindName,
        string fleet,
        string device,
        long sequence,
        long timestamp,
        ReadOnlySpan<byte> payload,
        ReadOnlySpan<byte> signature,
        [NotNullWhen(true)] out Envelope? envelope,
        out Rejection rejection,
        ReadOnlyMemory<byte> keptPayload = default)
    {
        envelope = null;
        if (!string.Equals(fleet, address.Fleet, StringComparison.Ordinal))
        {
            rejection = new(RejectionReason.TopicMismatch, $"envelope fleet '{Identifiers.Sanitize(fleet)}' arrived on a topic of fleet '{address.Fleet}'");
            return false;
        }

        if (!string.Equals(device, address.Device, StringComparison.Ordinal))
        {
            rejection = new(RejectionReason.TopicMismatch, $"envelope device '{Identifiers.Sanitize(device)}' arrived on a topic of device '{address.Device}'");
            return false;
        }

        if (!kindMatches)
        {
            rejection = new(RejectionReason.TopicMismatch, $"envelope kind '{Identifiers.Sanitize(kindName)}' arrived on a '{EdgeTopics.KindLevel(address.Kind)}' topic");
            return false;
        }

        if (sequence < Envelope.MinSequence)
        {
            rejection = new(RejectionReason.InvalidField, $"envelope sequence {sequence} is below {Envelope.MinSequence}");
            return false;
        }

        if (timestamp is < 0 or > Envelope.MaxTimestampMilliseconds)
        {
            rejection = new(RejectionReason.InvalidField, $"envelope timestamp {timestamp} ms is outside 0..{Envelope.MaxTimestampMilliseconds}");
            return false;
        }

        envelope = new Envelope(version, address, sequence, timestamp, keptPayload.IsEmpty ? payload.ToArray() : keptPayload, signature.ToArray());
        rejection = default;
        return true;
    }
}
