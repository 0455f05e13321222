using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Payloads;

/// <summary>
/// The aggregator's end-to-end acknowledgement to one device: "every message of yours up to sequence N is
/// durably stored", published retained on <c>edgesentinel/v1/{fleet}/{device}/ack</c> and signed with the
/// device's own key (only the aggregator, which holds that key, and the device can make it).
/// </summary>
/// <remarks>
/// <para>Body: <c>{"v":1,"through":N,"sig":"base64"}</c>; the signature is
/// <see cref="EnvelopeSignature"/> over (schema version, the ack topic, N, timestamp 0, empty payload), so
/// it binds fleet and device and cannot be taken for a device message's signature. A replayed old ack
/// carries a lower N and only delays the device's clean-up; it can never cover a message that was not
/// stored. A broker acknowledgement (PUBACK) only says the broker took the message; a broker that
/// crashes before delivering it loses it, so a device keeps its alerts until this acknowledgement covers
/// them. Thread-safe (stateless).</para>
/// </remarks>
public static class StoredAck
{
    /// <summary>The last topic level of an acknowledgement.</summary>
    public const string Level = "ack";

    /// <summary>Largest acknowledgement body accepted, in bytes.</summary>
    public const int MaxBodyBytes = 256;

    /// <summary>Returns <c>edgesentinel/v1/{fleet}/{device}/ack</c>; throws <see cref="ArgumentException"/> for invalid ids.</summary>
    public static string Topic(string fleet, string device)
    {
        Identifiers.EnsureValid(fleet, nameof(fleet));
        Identifiers.EnsureValid(device, nameof(device));
        return $"{EdgeTopics.Prefix}/{fleet}/{device}/{Level}";
    }

    /// <summary>True when <paramref name="topic"/> is an acknowledgement topic <c>edgesentinel/v1/{fleet}/{device}/ack</c> with valid ids.</summary>
    public static bool IsTopic([NotNullWhen(true)] string? topic)
    {
        if (topic is null || topic.Length > EdgeTopics.MaxTopicLength || !topic.StartsWith(EdgeTopics.Prefix + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var levels = topic.Split('/');
        return levels.Length == 5 && levels[4] == Level && Identifiers.IsValid(levels[2]) && Identifiers.IsValid(levels[3]);
    }

    /// <summary>The signed body acknowledging every message of the device up to <paramref name="through"/>.</summary>
    public static byte[] Encode(SigningKey key, string fleet, string device, long through)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegative(through);
        var signature = EnvelopeSignature.Compute(key, WireFormat.SchemaVersion, Topic(fleet, device), through, 0, []);
        return Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"v\":{WireFormat.SchemaVersion},\"through\":{through},\"sig\":\"{Convert.ToBase64String(signature)}\"}}"));
    }

    /// <summary>Reads and verifies an acknowledgement for (<paramref name="fleet"/>, <paramref name="device"/>) with the device's key; never throws on bad input.</summary>
    public static bool TryDecode(SigningKey key, string fleet, string device, ReadOnlySpan<byte> body, out long through, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(key);
        through = 0;
        if (body.Length > MaxBodyBytes)
        {
            rejection = new(RejectionReason.Oversized, $"ack body of {body.Length} bytes is larger than {MaxBodyBytes}");
            return false;
        }

        long version = -1, n = -1;
        byte[]? signature = null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                rejection = new(RejectionReason.Malformed, "ack body is not a JSON object");
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "v" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var v):
                        version = v;
                        break;
                    case "through" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var t) && t >= 0:
                        n = t;
                        break;
                    case "sig" when reader.TokenType == JsonTokenType.String && reader.TryGetBytesFromBase64(out var s):
                        signature = s;
                        break;
                    default:
                        rejection = new(RejectionReason.InvalidField, $"ack body: field '{Identifiers.Sanitize(name, 40)}' is unknown or has a wrong value");
                        return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                rejection = new(RejectionReason.Malformed, "ack body: trailing data after the object");
                return false;
            }
        }
        catch (JsonException ex)
        {
            rejection = new(RejectionReason.Malformed, $"ack body is not valid JSON: {ex.Message}");
            return false;
        }

        if (version != WireFormat.SchemaVersion)
        {
            rejection = new(version < 0 ? RejectionReason.InvalidField : RejectionReason.UnsupportedVersion, $"ack body: version is {(version < 0 ? "missing" : version.ToString(CultureInfo.InvariantCulture))} (this code reads {WireFormat.SchemaVersion})");
            return false;
        }

        if (n < 0 || signature is null)
        {
            rejection = new(RejectionReason.InvalidField, $"ack body: '{(n < 0 ? "through" : "sig")}' is missing");
            return false;
        }

        if (!EnvelopeSignature.Verify(key, WireFormat.SchemaVersion, Topic(fleet, device), n, 0, [], signature))
        {
            rejection = new(RejectionReason.BadSignature, $"ack for {fleet}/{device} through {n}: signature does not match the device key");
            return false;
        }

        through = n;
        rejection = default;
        return true;
    }
}
