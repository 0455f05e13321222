using System.Buffers.Binary;
using System.Text;
using EdgeSentinel.Protocol.Envelopes;

namespace EdgeSentinel.Cloud.Ingest;

/// <summary>A PUBLISH the connection read itself (<see cref="WindowedChannel"/>), handed to the ingest instead of to MQTTnet.</summary>
/// <param name="Topic">Topic name.</param>
/// <param name="Payload">Application payload (an array of its own or a slice of the packet's: never reused).</param>
/// <param name="QualityOfService">0 or 1 (a QoS 2 PUBLISH is left to MQTTnet).</param>
/// <param name="Retain">The RETAIN flag (a retained message the broker keeps for new subscribers).</param>
/// <param name="PacketIdentifier">The identifier to acknowledge (QoS 1), else 0.</param>
/// <param name="Properties">Content type and the version and encoding user properties the envelope is checked against.</param>
/// <param name="WireBytes">The packet's size on the wire, as counted in the receive window.</param>
/// <param name="Channel">The connection it came on (its PUBACK goes there).</param>
internal readonly record struct ReceivedPublish(string Topic, ReadOnlyMemory<byte> Payload, int QualityOfService, bool Retain, ushort PacketIdentifier, MessageProperties Properties, int WireBytes, WindowedChannel Channel);

/// <summary>Takes the PUBLISH packets a <see cref="WindowedChannel"/> reads itself; called on the connection's reader, in arrival order.</summary>
internal interface IPublishReceiver
{
    /// <summary>Takes one PUBLISH (counted in the receive window already); must not block.</summary>
    void OnPublish(in ReceivedPublish publish);
}

/// <summary>
/// Reads a whole MQTT 5 PUBLISH packet the way a subscriber needs it (topic, packet identifier, content type, user
/// properties, payload), without MQTTnet's packet, message and event objects. What it cannot take — QoS 2, a topic
/// alias, an unknown property, anything malformed — it declines, and the packet goes to MQTTnet, which handles it or
/// drops the connection as before.
/// </summary>
/// <remarks>
/// Not thread-safe (one per connection reader). Recurring texts — the topics of the devices, the content type, the
/// values of the user properties — become one string each, kept in a small cache keyed by their bytes.
/// </remarks>
internal sealed class PublishPacket
{
    private const byte PropertyPayloadFormat = 0x01;
    private const byte PropertyMessageExpiry = 0x02;
    private const byte PropertyContentType = 0x03;
    private const byte PropertyResponseTopic = 0x08;
    private const byte PropertyCorrelationData = 0x09;
    private const byte PropertySubscriptionIdentifier = 0x0B;
    private const byte PropertyTopicAlias = 0x23;
    private const byte PropertyUserProperty = 0x26;

    private static readonly byte[] VersionName = Encoding.UTF8.GetBytes(WireFormat.VersionProperty);
    private static readonly byte[] EncodingName = Encoding.UTF8.GetBytes(WireFormat.EncodingProperty);

    private readonly Utf8Strings _strings = new();

    /// <summary>
    /// Reads <paramref name="packet"/> (the whole packet: fixed header of <paramref name="headerBytes"/> bytes, then the
    /// body); false when it is declined. The payload is copied into an array of its own unless <paramref name="owned"/>
    /// (the packet's array belongs to this message alone), when it is a slice of it.
    /// </summary>
    public bool TryRead(ReadOnlyMemory<byte> packet, int headerBytes, bool owned, WindowedChannel channel, out ReceivedPublish publish)
    {
        publish = default;
        var span = packet.Span;
        var flags = span[0] & 0x0F;
        var qos = (flags >> 1) & 0x03;
        if (span[0] >> 4 != 3 || qos > 1)
        {
            return false; // QoS 2 (never granted to the ingest) or 3 (malformed): MQTTnet's
        }

        var body = span[headerBytes..];
        if (body.Length < 2)
        {
            return false;
        }

        var topicLength = BinaryPrimitives.ReadUInt16BigEndian(body);
        var at = 2;
        if (topicLength == 0 || body.Length < at + topicLength)
        {
            return false; // an empty topic needs a topic alias, which the ingest does not allow
        }

        var topicBytes = body.Slice(at, topicLength);
        at += topicLength;
        ushort packetIdentifier = 0;
        if (qos == 1)
        {
            if (body.Length < at + 2)
            {
                return false;
            }

            packetIdentifier = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
            at += 2;
            if (packetIdentifier == 0)
            {
                return false;
            }
        }

        if (!TryReadVariableInteger(body, ref at, out var propertiesLength) || body.Length - at < propertiesLength)
        {
            return false;
        }

        var properties = body.Slice(at, propertiesLength);
        at += propertiesLength;
        string? contentType = null;
        string? version = null;
        string? encoding = null;
        bool contentTypeSeen = false, versionSeen = false, encodingSeen = false;
        var p = 0;
        while (p < properties.Length)
        {
            var id = properties[p++];
            switch (id)
            {
                case PropertyPayloadFormat:
                    if (!Skip(properties, ref p, 1))
                    {
                        return false;
                    }

                    break;
                case PropertyMessageExpiry:
                    if (!Skip(properties, ref p, 4))
                    {
                        return false;
                    }

                    break;
                case PropertyContentType:
                    if (contentTypeSeen || !TryReadString(properties, ref p, out var contentTypeBytes))
                    {
                        return false; // twice is a protocol error
                    }

                    (contentType, contentTypeSeen) = (_strings.Get(contentTypeBytes), true);
                    break;
                case PropertyResponseTopic:
                case PropertyCorrelationData:
                    if (!TryReadString(properties, ref p, out _))
                    {
                        return false;
                    }

                    break;
                case PropertySubscriptionIdentifier:
                    if (!TryReadVariableInteger(properties, ref p, out _))
                    {
                        return false;
                    }

                    break;
                case PropertyUserProperty:
                    if (!TryReadString(properties, ref p, out var name) || !TryReadString(properties, ref p, out var value))
                    {
                        return false;
                    }

                    // The first of each name counts, as MQTTnet's user property list is searched.
                    if (!versionSeen && name.SequenceEqual(VersionName))
                    {
                        (version, versionSeen) = (_strings.Get(value), true);
                    }
                    else if (!encodingSeen && name.SequenceEqual(EncodingName))
                    {
                        (encoding, encodingSeen) = (_strings.Get(value), true);
                    }

                    break;
                default:
                    return false; // a topic alias (the ingest allows none) or a property a PUBLISH cannot carry
            }
        }

        var topic = _strings.Get(topicBytes);
        if (topic is null)
        {
            return false; // not UTF-8
        }

        if ((contentTypeSeen && contentType is null) || (versionSeen && version is null) || (encodingSeen && encoding is null))
        {
            return false; // a text that is not UTF-8: MQTTnet's
        }

        var payloadStart = headerBytes + at;
        var payload = owned ? packet[payloadStart..] : packet[payloadStart..].ToArray();
        publish = new ReceivedPublish(topic, payload, qos, (flags & 0x01) != 0, packetIdentifier, new MessageProperties(contentType, version, encoding), packet.Length, channel);
        return true;
    }

    /// <summary>Reads an MQTT variable byte integer (1–4 bytes); false when truncated or longer than four bytes.</summary>
    public static bool TryReadVariableInteger(ReadOnlySpan<byte> bytes, ref int at, out int value)
    {
        value = 0;
        var multiplier = 1;
        for (var i = 0; i < 4; i++)
        {
            if (at >= bytes.Length)
            {
                return false;
            }

            var b = bytes[at++];
            value += (b & 0x7F) * multiplier;
            if ((b & 0x80) == 0)
            {
                return true;
            }

            multiplier *= 128;
        }

        return false;
    }

    private static bool Skip(ReadOnlySpan<byte> bytes, ref int at, int count)
    {
        if (bytes.Length - at < count)
        {
            return false;
        }

        at += count;
        return true;
    }

    /// <summary>A two-byte length and that many bytes (a UTF-8 string or binary data).</summary>
    private static bool TryReadString(ReadOnlySpan<byte> bytes, ref int at, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (bytes.Length - at < 2)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(bytes[at..]);
        at += 2;
        if (bytes.Length - at < length)
        {
            return false;
        }

        value = bytes.Slice(at, length);
        at += length;
        return true;
    }

    /// <summary>
    /// Strings for recurring UTF-8 texts: a direct-mapped cache of 64 entries keyed by their bytes (texts up to 256 bytes;
    /// longer ones are decoded each time). Null for bytes that are not UTF-8.
    /// </summary>
    private sealed class Utf8Strings
    {
        private const int Slots = 64;
        private const int MaxCachedBytes = 256;
        private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        private readonly byte[]?[] _keys = new byte[]?[Slots];
        private readonly string?[] _values = new string?[Slots];

        public string? Get(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > MaxCachedBytes)
            {
                return Decode(bytes);
            }

            var hash = 2166136261u; // FNV-1a
            foreach (var b in bytes)
            {
                hash = (hash ^ b) * 16777619u;
            }

            var slot = (int)(hash % Slots);
            if (_keys[slot] is { } key && bytes.SequenceEqual(key))
            {
                return _values[slot];
            }

            var value = Decode(bytes);
            if (value is not null)
            {
                (_keys[slot], _values[slot]) = (bytes.ToArray(), value);
            }

            return value;
        }

        private static string? Decode(ReadOnlySpan<byte> bytes)
        {
            try
            {
                return Strict.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }
    }
}
