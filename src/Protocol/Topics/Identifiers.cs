using System.Diagnostics.CodeAnalysis;

namespace EdgeSentinel.Protocol.Topics;

/// <summary>Rules for fleet and device ids: 1–64 characters of ASCII letters, digits, '-', '_' and '.', starting with a letter or digit.</summary>
/// <remarks>
/// The rules keep ids safe as MQTT topic levels and client ids: no '/', '+', '#', '$', white space,
/// control characters or non-ASCII, and no "." or ".." levels. Ids are case-sensitive.
/// </remarks>
public static class Identifiers
{
    /// <summary>Longest allowed id, in characters.</summary>
    public const int MaxLength = 64;

    /// <summary>Returns true when <paramref name="id"/> is a valid fleet or device id; otherwise explains why in <paramref name="problem"/>.</summary>
    public static bool IsValid([NotNullWhen(true)] string? id, [NotNullWhen(false)] out string? problem)
    {
        if (id is null)
        {
            problem = "is missing";
            return false;
        }

        if (id.Length == 0)
        {
            problem = "is empty";
            return false;
        }

        if (id.Length > MaxLength)
        {
            problem = $"is {id.Length} characters long (at most {MaxLength})";
            return false;
        }

        if (!IsLetterOrDigit(id[0]))
        {
            problem = $"must start with an ASCII letter or digit, not {Describe(id[0])}";
            return false;
        }

        for (var i = 1; i < id.Length; i++)
        {
            var c = id[i];
            if (!IsLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                problem = $"contains {Describe(c)} at index {i} (allowed: A-Z a-z 0-9 - _ .)";
                return false;
            }
        }

        problem = null;
        return true;
    }

    /// <summary>Returns true when <paramref name="id"/> is a valid fleet or device id.</summary>
    public static bool IsValid([NotNullWhen(true)] string? id) => IsValid(id, out _);

    /// <summary>Throws <see cref="ArgumentException"/> naming the problem when <paramref name="id"/> is not a valid id.</summary>
    public static string EnsureValid(string? id, string paramName)
    {
        if (!IsValid(id, out var problem))
        {
            throw new ArgumentException($"{paramName} '{Sanitize(id)}' {problem}.", paramName);
        }

        return id;
    }

    internal static string Describe(char c) => c switch
    {
        '/' => "'/' (a topic level separator)",
        '+' or '#' => $"'{c}' (an MQTT wildcard)",
        '$' => "'$' (reserved by MQTT)",
        _ when c < 0x20 || c == 0x7F => $"control character U+{(int)c:X4}",
        _ when c > 0x7E => $"non-ASCII character U+{(int)c:X4}",
        ' ' => "a space",
        _ => $"'{c}'",
    };

    /// <summary>Shortens and escapes an untrusted string for use in an error message.</summary>
    internal static string Sanitize(string? value, int max = 80)
    {
        if (value is null)
        {
            return "(null)";
        }

        var s = value.Length > max ? value[..max] + "…" : value;
        return string.Create(s.Length, s, static (span, src) =>
        {
            for (var i = 0; i < src.Length; i++)
            {
                span[i] = src[i] < 0x20 || src[i] == 0x7F ? '?' : src[i];
            }
        });
    }

    /// <summary><see cref="IsValid(string?)"/> for characters not yet copied into a string.</summary>
    internal static bool IsValidId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxLength || !IsLetterOrDigit(id[0]))
        {
            return false;
        }

        for (var i = 1; i < id.Length; i++)
        {
            if (!IsLetterOrDigit(id[i]) && id[i] is not ('-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLetterOrDigit(char c) => char.IsAsciiLetterOrDigit(c);
}
