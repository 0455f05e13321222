using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeSentinel.Runtime.Tests.Configuration;

/// <summary>
/// A small JSON Schema (2020-12) validator for the keywords our device schema uses: type, properties, required,
/// additionalProperties:false, enum, const, not, oneOf, minimum, maximum, exclusiveMinimum, pattern, items,
/// minItems, uniqueItems and local $ref. It throws on any other keyword, so the schema cannot silently use
/// something this test does not check.
/// </summary>
internal sealed class SchemaSubsetValidator(JsonElement root)
{
    private static readonly HashSet<string> Annotations = ["$schema", "$id", "title", "description", "default", "$defs"];

    public List<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Check(root, instance, "$", errors);
        return errors;
    }

    private void Check(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        foreach (JsonProperty keyword in schema.EnumerateObject())
        {
            JsonElement k = keyword.Value;
            switch (keyword.Name)
            {
                case var a when Annotations.Contains(a):
                    break;
                case "$ref":
                    Check(Resolve(k.GetString()!), value, path, errors);
                    break;
                case "type":
                    if (!HasType(value, k.GetString()!))
                    {
                        errors.Add($"{path}: expected {k.GetString()}");
                    }

                    break;
                case "enum":
                    if (!k.EnumerateArray().Any(e => JsonElement.DeepEquals(e, value)))
                    {
                        errors.Add($"{path}: not in enum");
                    }

                    break;
                case "const":
                    if (!JsonElement.DeepEquals(k, value))
                    {
                        errors.Add($"{path}: not the constant");
                    }

                    break;
                case "not":
                    if (Sub(k, value, path).Count == 0)
                    {
                        errors.Add($"{path}: matches 'not'");
                    }

                    break;
                case "oneOf":
                    if (k.EnumerateArray().Count(s => Sub(s, value, path).Count == 0) != 1)
                    {
                        errors.Add($"{path}: does not match exactly one of oneOf");
                    }

                    break;
                case "minimum":
                    if (value.ValueKind == JsonValueKind.Number && value.GetDouble() < k.GetDouble())
                    {
                        errors.Add($"{path}: below minimum");
                    }

                    break;
                case "maximum":
                    if (value.ValueKind == JsonValueKind.Number && value.GetDouble() > k.GetDouble())
                    {
                        errors.Add($"{path}: above maximum");
                    }

                    break;
                case "exclusiveMinimum":
                    if (value.ValueKind == JsonValueKind.Number && value.GetDouble() <= k.GetDouble())
                    {
                        errors.Add($"{path}: not above exclusiveMinimum");
                    }

                    break;
                case "pattern":
                    if (value.ValueKind == JsonValueKind.String && !Regex.IsMatch(value.GetString()!, k.GetString()!, RegexOptions.None, TimeSpan.FromSeconds(1)))
                    {
                        errors.Add($"{path}: does not match pattern {k.GetString()}");
                    }

                    break;
                case "required":
                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (JsonElement name in k.EnumerateArray())
                        {
                            if (!value.TryGetProperty(name.GetString()!, out _))
                            {
                                errors.Add($"{path}: missing {name.GetString()}");
                            }
                        }
                    }

                    break;
                case "properties":
                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (JsonProperty p in value.EnumerateObject())
                        {
                            if (k.TryGetProperty(p.Name, out JsonElement sub))
                            {
                                Check(sub, p.Value, $"{path}.{p.Name}", errors);
                            }
                        }
                    }

                    break;
                case "additionalProperties":
                    if (k.ValueKind != JsonValueKind.False)
                    {
                        throw new NotSupportedException("only additionalProperties: false is supported");
                    }

                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        JsonElement props = schema.GetProperty("properties");
                        foreach (JsonProperty p in value.EnumerateObject())
                        {
                            if (!props.TryGetProperty(p.Name, out _))
                            {
                                errors.Add($"{path}.{p.Name}: additional property");
                            }
                        }
                    }

                    break;
                case "items":
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        int i = 0;
                        foreach (JsonElement item in value.EnumerateArray())
                        {
                            Check(k, item, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]"), errors);
                        }
                    }

                    break;
                case "minItems":
                    if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() < k.GetInt32())
                    {
                        errors.Add($"{path}: too few items");
                    }

                    break;
                case "uniqueItems":
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        var items = value.EnumerateArray().ToList();
                        for (int i = 0; i < items.Count; i++)
                        {
                            for (int j = i + 1; j < items.Count; j++)
                            {
                                if (JsonElement.DeepEquals(items[i], items[j]))
                                {
                                    errors.Add($"{path}: repeated item");
                                }
                            }
                        }
                    }

                    break;
                default:
                    throw new NotSupportedException($"schema keyword '{keyword.Name}' is not supported by the test validator");
            }
        }
    }

    private List<string> Sub(JsonElement schema, JsonElement value, string path)
    {
        var errors = new List<string>();
        Check(schema, value, path, errors);
        return errors;
    }

    private JsonElement Resolve(string reference)
    {
        const string prefix = "#/$defs/";
        if (!reference.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new NotSupportedException($"$ref '{reference}' is not a local $defs reference");
        }

        return root.GetProperty("$defs").GetProperty(reference[prefix.Length..]);
    }

    private static bool HasType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        _ => throw new NotSupportedException($"type '{type}'"),
    };
}
