using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Payloads;

/// <summary>
/// The aggregator's end-to-end acknowledgement to one device: "these messages of yours are settled" —
/// durably stored, or refused for good with the refusal recorded — as ranges of sequence numbers, published
/// retained on <c>edgesentinel/v1/{fleet}/{device}/ack</c> and signed with the device's own key (only the
/// aggregator, which holds that key, and the device can make it).
/// </summary>
/// <remarks>
/// <para>Body: <c>{"v":1,"stored":[[from,to],...],"sig":"base64"}</c>: 1..<see cref="MaxRanges"/> inclusive
/// ranges, ascending, neither overlapping nor touching; the signature is <see cref="EnvelopeSignature"/> over
/// (schema version, the ack topic, sequence 0, timestamp 0, the ranges written as <c>from-to,from-to</c>), so it
/// binds fleet, device and every range and cannot be taken for a device message's signature.</para>
/// <para>Explicit ranges, not a "stored through N" mark: several aggregators of a shared subscription each
/// store a different part of one device's stream, so a member that stored N cannot know that another member
/// stored everything below N (it may still hold some, or lose it with a broker crash). Each member names only
/// what it settled; the device lets an alert go only when named. A replayed old ack names only messages that
/// were settled then. A lost or overwritten ack only makes the device resend, and the store keeps each message
/// once. A broker acknowledgement (PUBACK) only says the broker took the message; a broker that crashes before
/// delivering it loses it, so a device keeps its alerts until an acknowledgement names them. Thread-safe
/// (stateless).</para>
/// </remarks>
public static class StoredAck
{
    /// <summary>The last topic level of an acknowledgement.</summary>
    public const string Level = "ack";

    /// <summary>Most ranges in one acknowledgement; an aggregator splits larger sets over several.</summary>
    public const int MaxRanges = 64;

    /// <summary>Largest acknowledgement body accepted, in bytes (<see cref="MaxRanges"/> ranges of 19-digit numbers fit).</summary>
    public const int MaxBodyBytes = 3072;

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
        // The last level first: every message the ingest receives is asked, and almost none is an acknowledgement.
        if (topic is null || topic.Length > EdgeTopics.MaxTopicLength || !topic.EndsWith("/" + Level, StringComparison.Ordinal) || !topic.StartsWith(EdgeTopics.Prefix + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var levels = topic.Split('/');
        return levels.Length == 5 && levels[4] == Level && Identifiers.IsValid(levels[2]) && Identifiers.IsValid(levels[3]);
    }

    /// <summary>The signed body naming <paramref name="ranges"/> (1..<see cref="MaxRanges"/>, ascending, neither overlapping nor touching) as settled.</summary>
    /// <exception cref="ArgumentException">The ranges break one of those rules (named).</exception>
    public static byte[] Encode(SigningKey key, string fleet, string device, IReadOnlyList<SequenceRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(ranges);
        if (Check(ranges) is { } problem)
        {
            throw new ArgumentException(problem, nameof(ranges));
        }

        var canonical = Canonical(ranges);
        var signature = EnvelopeSignature.Compute(key, WireFormat.SchemaVersion, Topic(fleet, device), 0, 0, Encoding.UTF8.GetBytes(canonical));
        var json = new StringBuilder(32 + canonical.Length * 2);
        json.Append(CultureInfo.InvariantCulture, $"{{\"v\":{WireFormat.SchemaVersion},\"stored\":[");
        for (var i = 0; i < ranges.Count; i++)
        {
            json.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ",")}[{ranges[i].From},{ranges[i].To}]");
        }

        json.Append(CultureInfo.InvariantCulture, $"],\"sig\":\"{Convert.ToBase64String(signature)}\"}}");
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    /// <summary>
    /// Groups sequence numbers (any order, repeats allowed) into ascending ranges, split into lists of at most
    /// <see cref="MaxRanges"/> — one acknowledgement each.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<SequenceRange>> Group(IEnumerable<long> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var sorted = sequences.Distinct().Order().ToList();
        var all = new List<SequenceRange>();
        foreach (var s in sorted)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(s, nameof(sequences));
            if (all.Count > 0 && all[^1].To == s - 1)
            {
                all[^1] = all[^1] with { To = s };
            }
            else
            {
                all.Add(new SequenceRange(s, s));
            }
        }

        return all.Chunk(MaxRanges).Select(c => (IReadOnlyList<SequenceRange>)c).ToList();
    }

    /// <summary>Reads and verifies an acknowledgement for (<paramref name="fleet"/>, <paramref name="device"/>) with the device's key; never throws on bad input.</summary>
    public static bool TryDecode(SigningKey key, string fleet, string device, ReadOnlySpan<byte> body, [NotNullWhen(true)] out IReadOnlyList<SequenceRange>? ranges, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(key);
        ranges = null;
        if (body.Length > MaxBodyBytes)
        {
            rejection = new(RejectionReason.Oversized, $"ack body of {body.Length} bytes is larger than {MaxBodyBytes}");
            return false;
        }

        long version = -1;
        List<SequenceRange>? read = null;
        byte[]? signature = null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 3 });
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
                    case "stored" when reader.TokenType == JsonTokenType.StartArray && read is null:
                        read = [];
                        if (!TryReadRanges(ref reader, read, out rejection))
                        {
                            return false;
                        }

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

        if (read is null || signature is null)
        {
            rejection = new(RejectionReason.InvalidField, $"ack body: '{(read is null ? "stored" : "sig")}' is missing");
            return false;
        }

        if (Check(read) is { } problem)
        {
            rejection = new(RejectionReason.InvalidField, "ack body: " + problem);
            return false;
        }

        if (!EnvelopeSignature.Verify(key, WireFormat.SchemaVersion, Topic(fleet, device), 0, 0, Encoding.UTF8.GetBytes(Canonical(read)), signature))
        {
            rejection = new(RejectionReason.BadSignature, $"ack for {fleet}/{device} naming {Canonical(read)}: signature does not match the device key");
            return false;
        }

        ranges = read;
        rejection = default;
        return true;
    }

    /// <summary>Reads <c>[[from,to],...]</c> after its opening bracket, up to and including the closing one.</summary>
    private static bool TryReadRanges(ref Utf8JsonReader reader, List<SequenceRange> ranges, out Rejection rejection)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
        {
            if (ranges.Count == MaxRanges)
            {
                rejection = new(RejectionReason.InvalidField, $"ack body: more than {MaxRanges} ranges");
                return false;
            }

            if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var from)
                || !reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var to)
                || !reader.Read() || reader.TokenType != JsonTokenType.EndArray)
            {
                rejection = new(RejectionReason.InvalidField, $"ack body: range {ranges.Count} is not [from,to] of two integers");
                return false;
            }

            ranges.Add(new SequenceRange(from, to));
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            rejection = new(RejectionReason.InvalidField, "ack body: 'stored' must be an array of [from,to] ranges");
            return false;
        }

        rejection = default;
        return true;
    }

    /// <summary>Null when the ranges are valid, else what is wrong.</summary>
    private static string? Check(IReadOnlyList<SequenceRange> ranges)
    {
        if (ranges.Count is 0 or > MaxRanges)
        {
            return $"{ranges.Count} ranges (1..{MaxRanges} allowed)";
        }

        for (var i = 0; i < ranges.Count; i++)
        {
            var (from, to) = ranges[i];
            if (from < 0 || to < from)
            {
                return $"range {i} [{from},{to}] is not 0 <= from <= to";
            }

            if (i > 0 && from <= ranges[i - 1].To + 1)
            {
                return $"range {i} [{from},{to}] does not start above range {i - 1} [{ranges[i - 1].From},{ranges[i - 1].To}] with a gap";
            }
        }

        return null;
    }

    private static string Canonical(IReadOnlyList<SequenceRange> ranges) =>
        string.Join(',', ranges.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.From}-{r.To}")));
}

/// <summary>An inclusive range of one device's sequence numbers.</summary>
/// <param name="From">First sequence number.</param>
/// <param name="To">Last sequence number (at least <paramref name="From"/>).</param>
public readonly record struct SequenceRange(long From, long To)
{
    /// <summary>Whether <paramref name="sequence"/> lies in the range.</summary>
    public bool Contains(long sequence) => sequence >= From && sequence <= To;
}
