using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Payloads;

/// <summary>
/// One forward pass over an alert's JSON envelope and body (no <see cref="JsonDocument"/>, no second parse of the body):
/// the receive path's fast path. It only ever accepts; anything it is not sure of makes it answer false, and the caller
/// then runs the full path (<see cref="EnvelopeCodec.TryDecode(string?, ReadOnlySpan{byte}, MessageProperties, ProtocolLimits, out Envelope?, out Rejection)"/>
/// and <see cref="AlertCodec.TryDecode(Envelope, ProtocolLimits, out Alert?, out Rejection)"/>), which says why it refuses.
/// </summary>
/// <remarks>
/// <para>What it accepts, the full path accepts with the same envelope and alert: the same limits (<see cref="JsonGuard"/>:
/// depth, string and number lengths, item counts, no duplicate property names, valid escapes and UTF-8, nothing after
/// the value), the same envelope rules (version 1, only the known properties, all present, 64 hex digits of signature,
/// kind, fleet and device of the topic, sequence ≥ 1, timestamp in range) and the same body rules (only the known
/// properties, non-blank strings, the alert's device the envelope's, non-negative samples, exact timestamps, finite
/// numbers or "Infinity"/"-Infinity", the alert record's own checks). It is stricter in a few places where the full
/// path would also accept (escaped identifiers, signature or infinity strings; whitespace after the envelope): those
/// messages take the full path. Tests check the agreement on valid and on mutated messages.</para>
/// <para>Thread-safe (stateless).</para>
/// </remarks>
internal static class AlertWireReader
{
    private const int V = 1, Fleet = 2, Device = 4, Kind = 8, Seq = 16, Ts = 32, Body = 64, Sig = 128, AllEnvelope = 255;

    /// <summary>
    /// Reads an alert envelope that arrived on <paramref name="topic"/> (parsed: <paramref name="address"/>); false when the full path must
    /// decide. The envelope's payload refers to <paramref name="kept"/> (the same bytes as <paramref name="message"/>, never changed
    /// afterwards) when it is not empty, else to a copy.
    /// </summary>
    public static bool TryRead(TopicAddress address, string topic, ReadOnlySpan<byte> message, ReadOnlyMemory<byte> kept, ProtocolLimits limits, [NotNullWhen(true)] out Envelope? envelope, [NotNullWhen(true)] out Alert? alert)
    {
        envelope = null;
        alert = null;
        if (address.Kind != TopicKind.Alert || message.IsEmpty || message.Length > limits.MaxJsonMessageBytes)
        {
            return false;
        }

        try
        {
            return TryReadEnvelope(address, topic, message, kept, limits, out envelope, out alert);
        }
        catch (JsonException)
        {
            return false; // malformed JSON or too deep: the full path names it
        }
        catch (InvalidOperationException)
        {
            return false; // a string with invalid UTF-8 or escapes
        }
        catch (ArgumentException)
        {
            return false; // the alert record refused a value
        }
    }

    private static bool TryReadEnvelope(TopicAddress address, string topic, ReadOnlySpan<byte> message, ReadOnlyMemory<byte> kept, ProtocolLimits limits, out Envelope? envelope, out Alert? alert)
    {
        envelope = null;
        alert = null;
        var reader = new Utf8JsonReader(message, new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth + 1, CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        Span<byte> signature = stackalloc byte[EnvelopeSignature.Length];
        var seen = 0;
        var count = 0;
        long sequence = 0, timestamp = 0;
        int bodyStart = 0, bodyEnd = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.ValueTextEquals("v"u8) ? V
                : reader.ValueTextEquals("fleet"u8) ? Fleet
                : reader.ValueTextEquals("device"u8) ? Device
                : reader.ValueTextEquals("kind"u8) ? Kind
                : reader.ValueTextEquals("seq"u8) ? Seq
                : reader.ValueTextEquals("ts"u8) ? Ts
                : reader.ValueTextEquals("body"u8) ? Body
                : reader.ValueTextEquals("sig"u8) ? Sig
                : 0;
            if (property == 0 || (seen & property) != 0 || ++count > limits.MaxArrayItems || !reader.Read())
            {
                return false;
            }

            seen |= property;
            var ok = property switch
            {
                V => Int32(ref reader, out var version) && version == WireFormat.SchemaVersion,
                Fleet => IsText(ref reader, address.Fleet),
                Device => IsText(ref reader, address.Device),
                Kind => IsText(ref reader, EdgeTopics.KindLevel(TopicKind.Alert)),
                Seq => Integer(ref reader, out sequence) && sequence >= Envelope.MinSequence,
                Ts => Integer(ref reader, out timestamp) && timestamp is >= 0 and <= Envelope.MaxTimestampMilliseconds,
                Body => ReadBody(ref reader, address, limits, out bodyStart, out bodyEnd, out alert),
                _ => Hex(ref reader, signature),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || seen != AllEnvelope || reader.BytesConsumed != message.Length || alert is null)
        {
            return false; // whitespace after the envelope too: the full path reads past it
        }

        var body = kept.IsEmpty ? message[bodyStart..bodyEnd].ToArray() : kept[bodyStart..bodyEnd];
        envelope = new Envelope(WireFormat.SchemaVersion, address, sequence, timestamp, body, signature.ToArray(), topic);
        return true;
    }

    private const int Id = 1, BodyDevice = 2, ModelHash = 4, AlertKindBit = 8, Subject = 16, Severity = 32, State = 64, FirstSample = 128,
        LastSample = 256, RaisedAt = 512, UpdatedAt = 1024, Evidence = 2048, AllBody = 4095;

    /// <summary>The body object, the reader on its start: read to its end, its bytes' range in the message.</summary>
    private static bool ReadBody(ref Utf8JsonReader reader, TopicAddress address, ProtocolLimits limits, out int start, out int end, out Alert? alert)
    {
        start = (int)reader.TokenStartIndex;
        end = 0;
        alert = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? id = null, modelHash = null, subject = null;
        AlertKind kind = default;
        AlertSeverity severity = default;
        AlertState state = default;
        long firstSample = 0, lastSample = 0;
        DateTimeOffset raisedAt = default, updatedAt = default;
        AlertEvidence? evidence = null;
        var seen = 0;
        var count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.ValueTextEquals("id"u8) ? Id
                : reader.ValueTextEquals("device"u8) ? BodyDevice
                : reader.ValueTextEquals("modelHash"u8) ? ModelHash
                : reader.ValueTextEquals("kind"u8) ? AlertKindBit
                : reader.ValueTextEquals("subject"u8) ? Subject
                : reader.ValueTextEquals("severity"u8) ? Severity
                : reader.ValueTextEquals("state"u8) ? State
                : reader.ValueTextEquals("firstSample"u8) ? FirstSample
                : reader.ValueTextEquals("lastSample"u8) ? LastSample
                : reader.ValueTextEquals("raisedAt"u8) ? RaisedAt
                : reader.ValueTextEquals("updatedAt"u8) ? UpdatedAt
                : reader.ValueTextEquals("evidence"u8) ? Evidence
                : 0;
            if (property == 0 || (seen & property) != 0 || ++count > limits.MaxArrayItems || !reader.Read())
            {
                return false;
            }

            seen |= property;
            var ok = property switch
            {
                Id => Text(ref reader, limits, out id),
                BodyDevice => IsText(ref reader, address.Device),
                ModelHash => Recurring(ref reader, limits, out modelHash),
                AlertKindBit => Named(ref reader, limits, KindNames, out kind),
                Subject => Recurring(ref reader, limits, out subject),
                Severity => Named(ref reader, limits, SeverityNames, out severity),
                State => Named(ref reader, limits, StateNames, out state),
                FirstSample => Integer(ref reader, out firstSample) && firstSample >= 0,
                LastSample => Integer(ref reader, out lastSample) && lastSample >= 0,
                RaisedAt => Time(ref reader, limits, out raisedAt),
                UpdatedAt => Time(ref reader, limits, out updatedAt),
                _ => ReadEvidence(ref reader, limits, out evidence),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || seen != AllBody)
        {
            return false;
        }

        end = (int)reader.BytesConsumed;
        alert = new Alert(id!, address.Device, modelHash!, kind, subject!, severity, state, firstSample, lastSample, raisedAt, updatedAt, evidence!);
        return true;
    }

    private const int Statistic = 1, Value = 2, Threshold = 4, FalseAlarmRate = 8, FalseAlarmUnit = 16, TopChannels = 32, AllEvidence = 63;

    private static bool ReadEvidence(ref Utf8JsonReader reader, ProtocolLimits limits, out AlertEvidence? evidence)
    {
        evidence = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? statistic = null, unit = null;
        double value = 0, threshold = 0, falseAlarmRate = 0;
        List<ChannelContribution>? channels = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.ValueTextEquals("statistic"u8) ? Statistic
                : reader.ValueTextEquals("value"u8) ? Value
                : reader.ValueTextEquals("threshold"u8) ? Threshold
                : reader.ValueTextEquals("falseAlarmRate"u8) ? FalseAlarmRate
                : reader.ValueTextEquals("falseAlarmUnit"u8) ? FalseAlarmUnit
                : reader.ValueTextEquals("topChannels"u8) ? TopChannels
                : 0;
            if (property == 0 || (seen & property) != 0 || !reader.Read())
            {
                return false; // at most 6 properties: within any MaxArrayItems (≥ 16)
            }

            seen |= property;
            var ok = property switch
            {
                Statistic => Recurring(ref reader, limits, out statistic),
                Value => Number(ref reader, out value),
                Threshold => Number(ref reader, out threshold),
                FalseAlarmRate => Number(ref reader, out falseAlarmRate),
                FalseAlarmUnit => Recurring(ref reader, limits, out unit),
                _ => ReadChannels(ref reader, limits, out channels),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || seen != AllEvidence)
        {
            return false;
        }

        evidence = new AlertEvidence(statistic!, value, threshold, falseAlarmRate, unit!, channels!);
        return true;
    }

    private const int Channel = 1, ChannelStatistic = 2, ChannelValue = 4, EffectSize = 8, AllChannel = 15;

    private static bool ReadChannels(ref Utf8JsonReader reader, ProtocolLimits limits, out List<ChannelContribution>? channels)
    {
        channels = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var list = new List<ChannelContribution>();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            if (list.Count == limits.MaxArrayItems)
            {
                return false;
            }

            string? channel = null, statistic = null;
            double value = 0, effectSize = 0;
            var seen = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.ValueTextEquals("channel"u8) ? Channel
                    : reader.ValueTextEquals("statistic"u8) ? ChannelStatistic
                    : reader.ValueTextEquals("value"u8) ? ChannelValue
                    : reader.ValueTextEquals("effectSize"u8) ? EffectSize
                    : 0;
                if (property == 0 || (seen & property) != 0 || !reader.Read())
                {
                    return false;
                }

                seen |= property;
                var ok = property switch
                {
                    Channel => Recurring(ref reader, limits, out channel),
                    ChannelStatistic => Recurring(ref reader, limits, out statistic),
                    ChannelValue => Number(ref reader, out value),
                    _ => Number(ref reader, out effectSize),
                };
                if (!ok)
                {
                    return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || seen != AllChannel)
            {
                return false;
            }

            list.Add(new ChannelContribution(channel!, statistic!, value, effectSize));
        }

        channels = list;
        return reader.TokenType == JsonTokenType.EndArray;
    }

    private static readonly WireNames<AlertKind> KindNames = new(AlertKinds.ToWireName, AlertKinds.TryParse);
    private static readonly WireNames<AlertSeverity> SeverityNames = new(AlertSeverities.ToWireName, AlertSeverities.TryParse);
    private static readonly WireNames<AlertState> StateNames = new(AlertStates.ToWireName, AlertStates.TryParse);

    /// <summary>An enumeration's wire name: compared as transmitted with each name's UTF-8 (no string); otherwise read as <see cref="Text"/> reads it and parsed.</summary>
    private static bool Named<T>(ref Utf8JsonReader reader, ProtocolLimits limits, WireNames<T> names, out T value)
        where T : struct, Enum
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
        {
            var span = reader.ValueSpan;
            foreach (var (name, named) in names.Utf8)
            {
                if (span.SequenceEqual(name))
                {
                    value = named;
                    return true;
                }
            }
        }

        value = default;
        return Text(ref reader, limits, out var text) && names.Parse(text, out value);
    }

    private delegate bool WireNameParser<T>(string? name, out T value);

    /// <summary>Every defined value of <typeparamref name="T"/> with its wire name's UTF-8 bytes, and the parser of a name.</summary>
    private sealed class WireNames<T>(Func<T, string> toWireName, WireNameParser<T> parse)
        where T : struct, Enum
    {
        public (byte[] Name, T Value)[] Utf8 { get; } = [.. Enum.GetValues<T>().Select(v => (Encoding.UTF8.GetBytes(toWireName(v)), v))];

        public WireNameParser<T> Parse { get; } = parse;
    }

    /// <summary>A string token equal to <paramref name="expected"/> as transmitted (not escaped: escaped ones take the full path).</summary>
    private static bool IsText(ref Utf8JsonReader reader, string expected) =>
        reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueTextEquals(expected);

    /// <summary>
    /// <see cref="Text"/> for a value that recurs from message to message (model hash, subject, statistics, units, channel
    /// names): plain ASCII as transmitted is looked up among the strings this thread read last and shared with the message
    /// that had it (strings are immutable); anything else is read as <see cref="Text"/> reads it.
    /// </summary>
    private static bool Recurring(ref Utf8JsonReader reader, ProtocolLimits limits, [NotNullWhen(true)] out string? text)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.ValueSpan.Length > RecurringMaxLength)
        {
            return Text(ref reader, limits, out text);
        }

        var utf8 = reader.ValueSpan;
        var recent = t_recent ??= new string?[RecurringSlots];
        var slot = RecurringSlot(utf8);
        text = recent[slot];
        if (text is null || text.Length != utf8.Length || !Ascii.Equals(utf8, text))
        {
            if (!Ascii.IsValid(utf8))
            {
                return Text(ref reader, limits, out text);
            }

            text = Encoding.ASCII.GetString(utf8);
            recent[slot] = text;
        }

        return text.Length <= limits.MaxStringBytes && !string.IsNullOrWhiteSpace(text); // ASCII: as many bytes as characters
    }

    /// <summary>Strings <see cref="Recurring"/> keeps per thread (a direct-mapped cache: a collision only costs a new string).</summary>
    private const int RecurringSlots = 64;

    /// <summary>Longer values are not kept (at most 64 strings of at most 128 characters per thread).</summary>
    private const int RecurringMaxLength = 128;

    [ThreadStatic]
    private static string?[]? t_recent;

    /// <summary>The cache slot of a value: its length and three of its bytes, mixed (6 bits).</summary>
    private static int RecurringSlot(ReadOnlySpan<byte> utf8)
    {
        var hash = (uint)utf8.Length * 0x9E3779B1u;
        if (!utf8.IsEmpty)
        {
            hash ^= (uint)(utf8[0] | (utf8[^1] << 8) | (utf8[utf8.Length / 2] << 16));
            hash *= 0x85EBCA6Bu;
        }

        return (int)(hash >> 26);
    }

    /// <summary>A non-blank string within the length limit (counted as <see cref="JsonGuard"/> counts it); unescaping validates it.</summary>
    private static bool Text(ref Utf8JsonReader reader, ProtocolLimits limits, [NotNullWhen(true)] out string? text)
    {
        text = null;
        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        text = reader.GetString()!;
        var length = reader.ValueIsEscaped ? Encoding.UTF8.GetByteCount(text) : reader.ValueSpan.Length;
        return length <= limits.MaxStringBytes && !string.IsNullOrWhiteSpace(text);
    }

    private static bool Time(ref Utf8JsonReader reader, ProtocolLimits limits, out DateTimeOffset value)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && TryReadTimestamp(reader.ValueSpan, out value))
        {
            return true; // the shape every sender writes, read from its bytes (no string; 28 bytes: within any MaxStringBytes ≥ 128)
        }

        value = default;
        return Text(ref reader, limits, out var text)
            && DateTimeOffset.TryParseExact(text, DoubleText.TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    /// <summary>
    /// <see cref="DoubleText.TimestampFormat"/> ("yyyy-MM-ddTHH:mm:ss.fffffffZ") read from its UTF-8 bytes: ASCII digits in
    /// every place, a real date and time of day; false for anything else, which <see cref="DateTimeOffset.TryParseExact(string?, string?[], IFormatProvider?, DateTimeStyles, out DateTimeOffset)"/> then decides.
    /// </summary>
    internal static bool TryReadTimestamp(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length != 28 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != '.' || text[27] != 'Z'
            || !Digits(text, 0, 4, out var year) || !Digits(text, 5, 2, out var month) || !Digits(text, 8, 2, out var day)
            || !Digits(text, 11, 2, out var hour) || !Digits(text, 14, 2, out var minute) || !Digits(text, 17, 2, out var second) || !Digits(text, 20, 7, out var fraction)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + fraction;
        value = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;

        static bool Digits(ReadOnlySpan<byte> text, int start, int count, out int number)
        {
            number = 0;
            foreach (var b in text.Slice(start, count))
            {
                var digit = b - (byte)'0';
                if ((uint)digit > 9)
                {
                    return false;
                }

                number = (number * 10) + digit;
            }

            return true;
        }
    }

    private static bool Integer(ref Utf8JsonReader reader, out long value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.ValueSpan.Length <= JsonGuard.MaxNumberLength && reader.TryGetInt64(out value);
    }

    private static bool Int32(ref Utf8JsonReader reader, out int value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.ValueSpan.Length <= JsonGuard.MaxNumberLength && reader.TryGetInt32(out value);
    }

    /// <summary>A finite JSON number, or the strings "Infinity" / "-Infinity" as transmitted.</summary>
    private static bool Number(ref Utf8JsonReader reader, out double value)
    {
        value = 0;
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
        {
            value = reader.ValueTextEquals("Infinity"u8) ? double.PositiveInfinity : reader.ValueTextEquals("-Infinity"u8) ? double.NegativeInfinity : 0;
            return value != 0;
        }

        return reader.TokenType == JsonTokenType.Number && reader.ValueSpan.Length <= JsonGuard.MaxNumberLength && reader.TryGetDouble(out value) && double.IsFinite(value);
    }

    /// <summary>The signature: exactly 64 hex digits as transmitted, decoded into <paramref name="signature"/>.</summary>
    private static bool Hex(ref Utf8JsonReader reader, scoped Span<byte> signature) =>
        reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.Length == signature.Length * 2
        && Convert.FromHexString(reader.ValueSpan, signature, out _, out var written) == System.Buffers.OperationStatus.Done && written == signature.Length;
}
