using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Payloads;

/// <summary>Strict field readers over a parsed JSON body: every miss becomes a specific <see cref="Rejection"/>.</summary>
internal sealed class JsonBody
{
    private readonly string _what;

    public JsonBody(string what) => _what = what;

    public Rejection Rejection { get; private set; }

    public bool Fail(RejectionReason reason, string message)
    {
        Rejection = new(reason, $"{_what}: {message}");
        return false;
    }

    /// <summary>Fails on any property not in <paramref name="allowed"/>.</summary>
    public bool OnlyKnown(JsonElement obj, string path, params ReadOnlySpan<string> allowed)
    {
        foreach (var property in obj.EnumerateObject())
        {
            var known = false;
            foreach (var name in allowed)
            {
                if (property.NameEquals(name)) // ordinal, on the unescaped name, without allocating it
                {
                    known = true;
                    break;
                }
            }

            if (!known)
            {
                return Fail(RejectionReason.Malformed, $"unknown property '{Identifiers.Sanitize(property.Name)}' in {path}");
            }
        }

        return true;
    }

    public bool Object(JsonElement parent, string name, string path, out JsonElement value)
    {
        if (!Get(parent, name, path, out value))
        {
            return false;
        }

        return value.ValueKind == JsonValueKind.Object || Fail(RejectionReason.Malformed, $"'{path}{name}' is a {value.ValueKind}, not an object");
    }

    public bool Array(JsonElement parent, string name, string path, out JsonElement value)
    {
        if (!Get(parent, name, path, out value))
        {
            return false;
        }

        return value.ValueKind == JsonValueKind.Array || Fail(RejectionReason.Malformed, $"'{path}{name}' is a {value.ValueKind}, not an array");
    }

    public bool String(JsonElement parent, string name, string path, [NotNullWhen(true)] out string? value)
    {
        value = null;
        if (!Get(parent, name, path, out var element))
        {
            return false;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return Fail(RejectionReason.Malformed, $"'{path}{name}' is a {element.ValueKind}, not a string");
        }

        value = element.GetString()!;
        if (string.IsNullOrWhiteSpace(value))
        {
            return Fail(RejectionReason.InvalidField, $"'{path}{name}' is blank");
        }

        return true;
    }

    public bool OptionalString(JsonElement parent, string name, string path, out string? value)
    {
        value = null;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return Fail(RejectionReason.Malformed, $"'{path}{name}' is a {element.ValueKind}, not a string");
        }

        value = element.GetString();
        return true;
    }

    public bool Int64(JsonElement parent, string name, string path, long min, out long value)
    {
        value = 0;
        if (!Get(parent, name, path, out var element))
        {
            return false;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out value))
        {
            return Fail(RejectionReason.Malformed, $"'{path}{name}' is not a 64-bit integer");
        }

        return value >= min || Fail(RejectionReason.InvalidField, $"'{path}{name}' is {value}; must be ≥ {min}");
    }

    /// <summary>Reads a double written as a JSON number or as the strings "Infinity" / "-Infinity"; NaN is refused.</summary>
    public bool Double(JsonElement parent, string name, string path, out double value)
    {
        value = 0;
        if (!Get(parent, name, path, out var element))
        {
            return false;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out value) || !double.IsFinite(value))
                {
                    return Fail(RejectionReason.InvalidField, $"'{path}{name}' is out of the double range");
                }

                return true;
            case JsonValueKind.String:
                switch (element.GetString())
                {
                    case DoubleText.PositiveInfinity: value = double.PositiveInfinity; return true;
                    case DoubleText.NegativeInfinity: value = double.NegativeInfinity; return true;
                    default: return Fail(RejectionReason.InvalidField, $"'{path}{name}' is the string '{Identifiers.Sanitize(element.GetString(), 24)}' (only \"Infinity\" and \"-Infinity\" are allowed as strings)");
                }

            default:
                return Fail(RejectionReason.Malformed, $"'{path}{name}' is a {element.ValueKind}, not a number");
        }
    }

    public bool Timestamp(JsonElement parent, string name, string path, out DateTimeOffset value)
    {
        value = default;
        if (!String(parent, name, path, out var text))
        {
            return false;
        }

        if (!DateTimeOffset.TryParseExact(text, DoubleText.TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value))
        {
            return Fail(RejectionReason.InvalidField, $"'{path}{name}' is '{Identifiers.Sanitize(text, 40)}', not an ISO 8601 UTC timestamp like 2026-01-31T12:00:00.0000000Z");
        }

        return true;
    }

    private bool Get(JsonElement parent, string name, string path, out JsonElement value) =>
        parent.TryGetProperty(name, out value) || Fail(RejectionReason.Malformed, $"no '{path}{name}'");
}

/// <summary>How numbers and times are spelled in JSON bodies.</summary>
internal static class DoubleText
{
    public const string PositiveInfinity = "Infinity";
    public const string NegativeInfinity = "-Infinity";
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
    public static readonly string[] TimestampFormats = [TimestampFormat];

    public static void WriteDouble(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            writer.WriteString(name, PositiveInfinity);
        }
        else if (double.IsNegativeInfinity(value))
        {
            writer.WriteString(name, NegativeInfinity);
        }
        else if (double.IsNaN(value))
        {
            throw new ArgumentException($"'{name}' is NaN; the wire format has no NaN.", name);
        }
        else
        {
            writer.WriteNumber(name, value);
        }
    }

    public static void WriteTimestamp(Utf8JsonWriter writer, string name, DateTimeOffset value) =>
        writer.WriteString(name, value.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture));
}
