using System.Text;
using System.Text.Json;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Envelopes;

/// <summary>One pass over untrusted JSON before it is parsed: syntax, nesting depth, string lengths, item counts and duplicate property names.</summary>
internal static class JsonGuard
{
    /// <summary>Longest number token accepted, in characters.</summary>
    public const int MaxNumberLength = 40;

    public static bool TryCheck(ReadOnlySpan<byte> json, ProtocolLimits limits, string what, out Rejection rejection)
    {
        if (json.IsEmpty)
        {
            rejection = new(RejectionReason.Malformed, $"{what}: empty");
            return false;
        }

        // The reader's own depth cap is one above ours, so that our check (with its specific reason) fires first.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth + 1, CommentHandling = JsonCommentHandling.Disallow });
        var levels = limits.MaxJsonDepth + 1;
        var isObject = new bool[levels];
        var counts = new int[levels];
        var names = new HashSet<string>?[levels];
        try
        {
            while (reader.Read())
            {
                var depth = reader.CurrentDepth;
                var token = reader.TokenType;
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray or JsonTokenType.Comment or JsonTokenType.None)
                {
                    continue;
                }

                if (token == JsonTokenType.PropertyName)
                {
                    if (!CheckLength(ref reader, limits, what, "property name", out rejection)
                        || !Count(ref reader, counts, depth - 1, limits, what, "object", out rejection))
                    {
                        return false;
                    }

                    var name = reader.GetString()!;
                    if (!names[depth - 1]!.Add(name))
                    {
                        rejection = new(RejectionReason.Malformed, $"{what}: property '{Identifiers.Sanitize(name)}' appears twice in one object (at byte {reader.TokenStartIndex})");
                        return false;
                    }

                    continue;
                }

                // A value: counted in its array (inside an object it was counted with its property name).
                if (depth > 0 && !isObject[depth - 1] && !Count(ref reader, counts, depth - 1, limits, what, "array", out rejection))
                {
                    return false;
                }

                switch (token)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        if (depth + 1 > limits.MaxJsonDepth)
                        {
                            rejection = new(RejectionReason.TooDeep, $"{what}: JSON nests deeper than {limits.MaxJsonDepth} levels (at byte {reader.TokenStartIndex})");
                            return false;
                        }

                        isObject[depth] = token == JsonTokenType.StartObject;
                        counts[depth] = 0;
                        if (isObject[depth])
                        {
                            (names[depth] ??= new HashSet<string>(StringComparer.Ordinal)).Clear();
                        }

                        break;
                    case JsonTokenType.String:
                        if (!CheckLength(ref reader, limits, what, "string", out rejection))
                        {
                            return false;
                        }

                        // Unescaping validates escapes and UTF-8.
                        _ = reader.GetString();
                        break;
                    case JsonTokenType.Number:
                        if (reader.ValueSpan.Length > MaxNumberLength)
                        {
                            rejection = new(RejectionReason.FieldTooLong, $"{what}: number of {reader.ValueSpan.Length} characters (at most {MaxNumberLength}; at byte {reader.TokenStartIndex})");
                            return false;
                        }

                        break;
                    default:
                        break;
                }
            }

            if (reader.BytesConsumed != json.Length || reader.CurrentDepth != 0)
            {
                rejection = new(RejectionReason.Malformed, $"{what}: JSON is incomplete or has trailing bytes (read {reader.BytesConsumed} of {json.Length})");
                return false;
            }
        }
        catch (JsonException ex)
        {
            rejection = new(RejectionReason.Malformed, $"{what}: invalid JSON: {ex.Message}");
            return false;
        }
        catch (InvalidOperationException ex)
        {
            rejection = new(RejectionReason.Malformed, $"{what}: invalid JSON string: {ex.Message}");
            return false;
        }

        rejection = default;
        return true;
    }

    private static bool CheckLength(ref Utf8JsonReader reader, ProtocolLimits limits, string what, string item, out Rejection rejection)
    {
        // The limit is on the text (UTF-8 bytes once unescaped), not on how it is escaped: our writers escape
        // characters (DEL, non-ASCII) that may arrive raw, and what a receiver accepts must re-encode within limits.
        var length = reader.ValueIsEscaped ? Encoding.UTF8.GetByteCount(reader.GetString()!) : reader.ValueSpan.Length;
        if (length > limits.MaxStringBytes)
        {
            rejection = new(RejectionReason.FieldTooLong, $"{what}: {item} of {length} bytes is longer than {limits.MaxStringBytes} (at byte {reader.TokenStartIndex})");
            return false;
        }

        rejection = default;
        return true;
    }

    private static bool Count(ref Utf8JsonReader reader, int[] counts, int container, ProtocolLimits limits, string what, string kind, out Rejection rejection)
    {
        if (++counts[container] > limits.MaxArrayItems)
        {
            rejection = new(RejectionReason.TooManyItems, $"{what}: more than {limits.MaxArrayItems} items in one {kind} (at byte {reader.TokenStartIndex})");
            return false;
        }

        rejection = default;
        return true;
    }
}
