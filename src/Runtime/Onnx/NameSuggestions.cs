namespace EdgeSentinel.Runtime.Onnx;

/// <summary>Close matches for a misspelled name (Levenshtein distance, case-insensitive).</summary>
internal static class NameSuggestions
{
    /// <summary>Up to <paramref name="max"/> candidates within distance max(2, length/3) of <paramref name="name"/> or containing it, closest first.</summary>
    public static IReadOnlyList<string> Closest(string name, IEnumerable<string> candidates, int max = 5)
    {
        var limit = Math.Max(2, name.Length / 3);
        return [.. candidates
            .Select(c => (Name: c, Distance: Distance(name, c)))
            .Where(c => c.Distance <= limit
                || c.Name.Contains(name, StringComparison.OrdinalIgnoreCase)
                || (name.Length > 0 && name.Contains(c.Name, StringComparison.OrdinalIgnoreCase) && c.Name.Length >= 3))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(max)
            .Select(c => c.Name)];
    }

    /// <summary>Levenshtein distance, ignoring case.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
