using System.Globalization;
using System.Text.Json;

namespace EdgeSentinel.Runtime.Configuration;

/// <summary>Reads the properties of one JSON object, recording a <see cref="ConfigurationProblem"/> with its JSON path for each bad, missing, repeated or unknown property.</summary>
internal sealed class JsonObjectReader
{
    private readonly Dictionary<string, JsonElement> _properties = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly ConfigurationReadContext _context;

    private JsonObjectReader(ConfigurationReadContext context, JsonElement element, string path)
    {
        _context = context;
        Path = path;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!_properties.TryAdd(property.Name, property.Value))
            {
                context.Add(Child(path, property.Name), "duplicate property (each property may appear once)");
            }
        }
    }

    public string Path { get; }

    public static JsonObjectReader? Create(ConfigurationReadContext context, JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            context.Add(path, $"expected an object, got {Describe(element)}");
            return null;
        }

        return new JsonObjectReader(context, element, path);
    }

    public static string Child(string path, string name) =>
        IsIdentifier(name) ? $"{path}.{name}" : $"{path}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string '{element.GetString()}'",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {element.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => element.ValueKind.ToString(),
    };

    /// <summary>Returns the property's value if present (null counts as absent); reports it missing when required.</summary>
    public bool TryGet(string name, bool required, out JsonElement value, out string path)
    {
        _known.Add(name);
        path = Child(Path, name);
        if (!_properties.TryGetValue(name, out value))
        {
            if (required)
            {
                _context.Add(Path, $"missing required property '{name}'");
            }

            return false;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                _context.Add(path, "must not be null");
            }

            return false;
        }

        return true;
    }

    public bool Has(string name) => _properties.ContainsKey(name);

    public string? String(string name, bool required, Func<string, string?>? check = null)
    {
        if (!TryGet(name, required, out JsonElement value, out string path))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            _context.Add(path, $"expected a string, got {Describe(value)}");
            return null;
        }

        string text = value.GetString()!;
        if (text.Trim().Length == 0)
        {
            _context.Add(path, "must not be blank");
            return null;
        }

        if (check?.Invoke(text) is { } problem)
        {
            _context.Add(path, problem);
            return null;
        }

        return text;
    }

    public string? Choice(string name, bool required, IReadOnlyList<string> allowed)
    {
        if (!TryGet(name, required, out JsonElement value, out string path))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            _context.Add(path, $"expected a string ({string.Join("|", allowed)}), got {Describe(value)}");
            return null;
        }

        string text = value.GetString()!;
        if (!allowed.Contains(text, StringComparer.Ordinal))
        {
            _context.Add(path, $"unknown value '{text}' (expected {string.Join("|", allowed)})");
            return null;
        }

        return text;
    }

    public string? FilePath(string name, bool required)
    {
        string? text = String(name, required);
        return text is null ? null : _context.Resolve(text, Child(Path, name));
    }

    public bool? Bool(string name, bool required = false)
    {
        if (!TryGet(name, required, out JsonElement value, out string path))
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            _context.Add(path, $"expected a boolean, got {Describe(value)}");
            return null;
        }

        return value.GetBoolean();
    }

    public long? Integer(string name, bool required, long minimum, long maximum)
    {
        if (!TryGet(name, required, out JsonElement value, out string path))
        {
            return null;
        }

        return ReadInteger(_context, value, path, minimum, maximum);
    }

    public static long? ReadInteger(ConfigurationReadContext context, JsonElement value, string path, long minimum, long maximum)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            context.Add(path, $"expected an integer, got {Describe(value)}");
            return null;
        }

        if (!value.TryGetInt64(out long number))
        {
            context.Add(path, $"expected an integer, got {value.GetRawText()}");
            return null;
        }

        if (number < minimum || number > maximum)
        {
            context.Add(path, string.Create(CultureInfo.InvariantCulture, $"{number} is out of range (expected {minimum}..{maximum})"));
            return null;
        }

        return number;
    }

    public double? Number(string name, bool required, double minimum, double maximum, bool exclusiveMinimum = false)
    {
        if (!TryGet(name, required, out JsonElement value, out string path))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number) || !double.IsFinite(number))
        {
            _context.Add(path, $"expected a finite number, got {Describe(value)}");
            return null;
        }

        if (number < minimum || number > maximum || (exclusiveMinimum && number == minimum))
        {
            string low = exclusiveMinimum ? $"> {minimum.ToString(CultureInfo.InvariantCulture)}" : $">= {minimum.ToString(CultureInfo.InvariantCulture)}";
            _context.Add(path, string.Create(CultureInfo.InvariantCulture, $"{number} is out of range (expected {low} and <= {maximum})"));
            return null;
        }

        return number;
    }

    /// <summary>Enumerates the elements of an array property with their paths; reports a non-array.</summary>
    public IEnumerable<(JsonElement Element, string Path)> Array(string name, bool required)
    {
        if (!TryGet(name, required, out JsonElement value, out string path))
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            _context.Add(path, $"expected an array, got {Describe(value)}");
            return [];
        }

        var items = new List<(JsonElement, string)>();
        int index = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            items.Add((item, string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]")));
            index++;
        }

        return items;
    }

    public JsonObjectReader? Object(string name, bool required)
    {
        if (!TryGet(name, required, out JsonElement value, out string path))
        {
            return null;
        }

        return Create(_context, value, path);
    }

    /// <summary>Reports every property that was never asked for, suggesting a known name that differs only in case or by a small edit.</summary>
    public void ReportUnknown()
    {
        foreach (string name in _properties.Keys)
        {
            if (_known.Contains(name))
            {
                continue;
            }

            string? suggestion = Closest(name, _known);
            _context.Add(
                Child(Path, name),
                suggestion is null
                    ? $"unknown property (allowed: {string.Join(", ", _known.Order(StringComparer.Ordinal))})"
                    : $"unknown property (did you mean '{suggestion}'?)");
        }
    }

    private static string? Closest(string name, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in known)
        {
            int distance = string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase)
                ? 0
                : Levenshtein(candidate.ToLowerInvariant(), name.ToLowerInvariant());
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }

        return bestDistance <= Math.Max(1, name.Length / 4) ? best : null;
    }

    private static int Levenshtein(string a, string b)
    {
        int[] previous = new int[b.Length + 1];
        int[] current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Collects problems and resolves paths for one configuration file.</summary>
internal sealed class ConfigurationReadContext(string baseDirectory, bool checkFilesExist)
{
    public List<ConfigurationProblem> Problems { get; } = [];

    public void Add(string path, string message) => Problems.Add(new ConfigurationProblem(path, message));

    /// <summary>Resolves a path against the configuration file's folder; reports a missing file when asked to check.</summary>
    public string? Resolve(string value, string path)
    {
        if (value.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
        {
            Add(path, $"'{value}' is not a valid path");
            return null;
        }

        string full = System.IO.Path.GetFullPath(System.IO.Path.IsPathRooted(value) ? value : System.IO.Path.Combine(baseDirectory, value));
        if (checkFilesExist && !File.Exists(full))
        {
            Add(path, Directory.Exists(full) ? $"'{full}' is a folder, not a file" : $"file not found: '{full}' (relative paths are resolved against '{baseDirectory}')");
        }

        return full;
    }
}
