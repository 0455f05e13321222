using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing;

/// <summary>JSON-aware mutations: delete, duplicate, rename and add keys; change types; huge, tiny and malformed numbers; long strings; deep nesting; escapes and invalid UTF-8; then optionally byte-level noise.</summary>
public static class JsonMutator
{
    private const string Marker = "@@FUZZ@@";

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] RawValues =
    [
        "null", "true", "false", "0", "-0", "1", "-1", "0.5", "1e308", "1e309", "-1e309", "1e-400", "1E+2", "123456789012345678901234567890",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "2147483648", "-2147483649", "4294967296", "1.0000000000000002",
        "\"\"", "\" \"", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"0x68\"", "\"0x\"", "\"auto:0\"", "\"auto:99999999999\"", "\"auto:\"",
        "\"\\ud800\"", "\"\\udc00x\"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\\"\"", "\"°é中\"", "\"../../etc/passwd\"", "\"C:\\\\x\"",
        "\"2026-13-45T99:99:99Z\"", "\"0001-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59.9999999Z\"", "\"2026-11-24T03:00:00+01:00\"",
        "[]", "{}", "[null]", "[1,2,3]", "{\"a\":1}", "[[]]", "\"raised\"", "\"critical\"", "\"input-drift\"", "\"clear-interlock\"",
    ];

    private static readonly string[] Escapes = ["\\ud800", "\\udfff", "\\u0000", "\\ud83d\\ude00", "\\\"", "\\\\", "\\x", "\\u12", "\\n", "\\"];

    private static readonly byte[][] BadUtf8 =
    [
        [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xEF, 0xBB, 0xBF], [0x00],
    ];

    /// <summary>Mutates a JSON document; falls back to byte mutations when it does not parse.</summary>
    public static byte[] Mutate(Random random, byte[] json, IReadOnlyList<byte[]>? corpus = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(json);
        var choice = random.Next(10);
        byte[] result;
        if (choice < 6 && TryStructural(random, json, out var structural))
        {
            result = structural;
            if (random.Next(4) == 0)
            {
                result = ByteMutator.Mutate(random, result, corpus);
            }
        }
        else if (choice < 8)
        {
            result = Textual(random, json);
        }
        else
        {
            result = ByteMutator.Mutate(random, json, corpus);
        }

        return result;
    }

    /// <summary>A structural edit of one randomly chosen node, serialized back (markers become raw text).</summary>
    public static bool TryStructural(Random random, byte[] json, out byte[] result)
    {
        ArgumentNullException.ThrowIfNull(random);
        result = json;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException)
        {
            return false;
        }

        if (root is null)
        {
            return false;
        }

        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var raw = new List<(string Marker, string Raw)>();
        var edits = 1 + random.Next(3);
        for (var e = 0; e < edits; e++)
        {
            var node = nodes[random.Next(nodes.Count)];
            EditOne(random, root, node, raw);
            nodes.Clear();
            Collect(root, nodes);
        }

        var text = root.ToJsonString(Relaxed);
        foreach (var (marker, value) in raw)
        {
            var at = text.IndexOf("\"" + marker + "\"", StringComparison.Ordinal);
            if (at >= 0)
            {
                text = string.Concat(text.AsSpan(0, at), value, text.AsSpan(at + marker.Length + 2));
            }
        }

        result = Encoding.UTF8.GetBytes(text);
        return true;
    }

    private static void EditOne(Random random, JsonNode root, JsonNode node, List<(string, string)> raw)
    {
        string NewMarker(string value)
        {
            var m = Marker + raw.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + "@@";
            raw.Add((m, value));
            return m;
        }

        var parent = node.Parent;
        switch (random.Next(11))
        {
            case 0 when parent is JsonObject o:
                o.Remove(node.GetPropertyName());
                break;
            case 1 when parent is JsonObject o:
                {
                    // Duplicate the key: a marker name replaced by the original name after serialization.
                    var name = node.GetPropertyName();
                    var m = NewMarker(JsonSerializer.Serialize(name, Relaxed));
                    if (!o.ContainsKey(m))
                    {
                        o[m] = node.DeepClone();
                    }

                    break;
                }

            case 2 when parent is JsonObject o:
                {
                    var name = node.GetPropertyName();
                    var renamed = random.Next(5) switch
                    {
                        0 => name.ToUpperInvariant(),
                        1 => name + "x",
                        2 => name.Length > 1 ? name[1..] : "_",
                        3 => string.Empty,
                        _ => name + "\u00e9",
                    };
                    if (!o.ContainsKey(renamed))
                    {
                        o.Remove(name);
                        o[renamed] = node;
                    }

                    break;
                }

            case 3 when node is JsonObject o:
                {
                    var key = random.Next(3) == 0 ? new string('k', 1 << random.Next(4, 12)) : "unknown" + random.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (!o.ContainsKey(key))
                    {
                        o[key] = 1;
                    }

                    break;
                }

            case 4 when node is JsonArray a && a.Count > 0:
                a.RemoveAt(random.Next(a.Count));
                break;
            case 5 when node is JsonArray a && a.Count > 0:
                {
                    var copies = random.Next(3) == 0 ? 1 << random.Next(4, 8) : 1;
                    var item = a[random.Next(a.Count)];
                    for (var c = 0; c < copies; c++)
                    {
                        a.Add(item?.DeepClone());
                    }

                    break;
                }

            case 6:
                Replace(node, NewMarker(DeepNesting(random)));
                break;
            case 7:
                Replace(node, NewMarker("\"" + new string((char)('a' + random.Next(26)), 1 << random.Next(6, 17)) + "\""));
                break;
            case 8 when node is JsonValue v && v.GetValueKind() == JsonValueKind.Number:
                {
                    // Perturb a number textually: huge exponent, fraction, sign, long digits.
                    var text = v.ToJsonString();
                    var mutated = random.Next(6) switch
                    {
                        0 => text + "e400",
                        1 => "-" + text,
                        2 => text + ".5",
                        3 => text + new string('9', 1 << random.Next(2, 9)),
                        4 => "1" + text.TrimStart('-') + "00000000000000000000",
                        _ => text + "e-400",
                    };
                    Replace(node, NewMarker(mutated));
                    break;
                }

            case 9 when node is JsonValue v && v.GetValueKind() == JsonValueKind.String:
                {
                    var s = v.GetValue<string>();
                    var mutated = random.Next(5) switch
                    {
                        0 => string.Empty,
                        1 => " " + s,
                        2 => s + Escapes[random.Next(Escapes.Length)],
                        3 => s.Length > 1 ? s[..(s.Length / 2)] : s + s,
                        _ => s.ToUpperInvariant(),
                    };
                    Replace(node, NewMarker(JsonSerializer.Serialize(mutated, Relaxed).Replace("\\\\u", "\\u", StringComparison.Ordinal).Replace("\\\\x", "\\x", StringComparison.Ordinal)));
                    break;
                }

            default:
                if (node != root)
                {
                    Replace(node, NewMarker(RawValues[random.Next(RawValues.Length)]));
                }

                break;
        }
    }

    private static void Replace(JsonNode node, string marker)
    {
        switch (node.Parent)
        {
            case JsonObject o:
                o[node.GetPropertyName()] = marker;
                break;
            case JsonArray a:
                a[node.GetElementIndex()] = marker;
                break;
            default:
                break;
        }
    }

    private static string DeepNesting(Random random)
    {
        var depth = 1 << random.Next(1, 12);
        var arrays = random.Next(2) == 0;
        var sb = new StringBuilder(depth * 6);
        for (var i = 0; i < depth; i++)
        {
            sb.Append(arrays ? "[" : "{\"a\":");
        }

        sb.Append('1');
        for (var i = 0; i < depth; i++)
        {
            sb.Append(arrays ? ']' : '}');
        }

        return sb.ToString();
    }

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, child) in o)
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }

                break;
            default:
                break;
        }
    }

    /// <summary>Inserts escapes or invalid UTF-8 just after a random quote (inside a string when it opens one), or deletes a structural character.</summary>
    private static byte[] Textual(Random random, byte[] json)
    {
        var b = new List<byte>(json);
        var quotes = new List<int>();
        for (var i = 0; i < b.Count; i++)
        {
            if (b[i] == (byte)'"')
            {
                quotes.Add(i);
            }
        }

        var at = quotes.Count > 0 ? quotes[random.Next(quotes.Count)] + 1 : random.Next(b.Count + 1);
        switch (random.Next(4))
        {
            case 0:
                b.InsertRange(at, Encoding.ASCII.GetBytes(Escapes[random.Next(Escapes.Length)]));
                break;
            case 1:
                b.InsertRange(at, BadUtf8[random.Next(BadUtf8.Length)]);
                break;
            case 2:
                {
                    // Drop or double a structural character.
                    var structural = new List<int>();
                    for (var i = 0; i < b.Count; i++)
                    {
                        if (b[i] is (byte)',' or (byte)':' or (byte)'{' or (byte)'}' or (byte)'[' or (byte)']' or (byte)'"')
                        {
                            structural.Add(i);
                        }
                    }

                    if (structural.Count > 0)
                    {
                        var s = structural[random.Next(structural.Count)];
                        if (random.Next(2) == 0)
                        {
                            b.RemoveAt(s);
                        }
                        else
                        {
                            b.Insert(s, b[s]);
                        }
                    }

                    break;
                }

            default:
                // Trailing garbage, a second document, or a BOM in front.
                switch (random.Next(3))
                {
                    case 0: b.AddRange(" {}"u8.ToArray()); break;
                    case 1: b.InsertRange(0, [0xEF, 0xBB, 0xBF]); break;
                    default: b.AddRange("\n"u8.ToArray()); break;
                }

                break;
        }

        return [.. b];
    }
}
