using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Runtime.Configuration;

namespace EdgeSentinel.Runtime.Tests.Configuration;

public sealed class SchemaTests
{
    private static readonly ConfigurationCheckOptions NoFileCheck = new() { CheckFilesExist = false };
    private static readonly string[] Examples = ["sim-robot.json", "raspberry-pi-mpu6050.json"];

    private static JsonDocument Schema() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.FirmwareConfig, "edgesentinel-device.schema.json")));

    private static string Example(string name) => File.ReadAllText(Path.Combine(RepositoryFiles.FirmwareConfig, name));

    [Fact]
    public void Schema_PropertyNamesMatchTheOptionsClasses_AtEveryLevel()
    {
        using JsonDocument schema = Schema();
        var checkedTypes = new List<Type>();
        Walk(schema.RootElement, schema.RootElement, typeof(DeviceConfiguration), "$", checkedTypes);
        // Every options class of the configuration was reached by the walk.
        Type[] expected =
        [
            typeof(DeviceConfiguration), typeof(SourceConfiguration), typeof(SimulatorSettings), typeof(Mpu6050Settings),
            typeof(GpioInputSettings), typeof(CueFeatureConfiguration), typeof(InterlockConfiguration), typeof(OutputLineSettings),
            typeof(ResetInputSettings), typeof(InterlockRuleSettings), typeof(FallbackSettings), typeof(MqttConfiguration),
            typeof(MonitorConfiguration),
        ];
        Assert.Equal(expected.OrderBy(t => t.Name), checkedTypes.Distinct().OrderBy(t => t.Name));
    }

    private static void Walk(JsonElement root, JsonElement node, Type type, string path, List<Type> checkedTypes)
    {
        node = Deref(root, node);
        checkedTypes.Add(type);
        Assert.True(node.TryGetProperty("additionalProperties", out JsonElement ap) && ap.ValueKind == JsonValueKind.False, $"{path}: additionalProperties must be false");
        JsonElement properties = node.GetProperty("properties");
        var schemaNames = properties.EnumerateObject().Select(p => p.Name).Where(n => n != "$schema").Order(StringComparer.Ordinal).ToList();
        var classProperties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && !(type == typeof(DeviceConfiguration) && p.Name == nameof(DeviceConfiguration.SourceFile)))
            .ToDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name));
        Assert.True(
            classProperties.Keys.Order(StringComparer.Ordinal).SequenceEqual(schemaNames),
            $"{path} ({type.Name}): schema has [{string.Join(", ", schemaNames)}], class has [{string.Join(", ", classProperties.Keys.Order(StringComparer.Ordinal))}]");

        if (node.TryGetProperty("required", out JsonElement required))
        {
            foreach (JsonElement name in required.EnumerateArray())
            {
                Assert.Contains(name.GetString()!, schemaNames);
            }
        }

        foreach (JsonProperty p in properties.EnumerateObject())
        {
            if (p.Name == "$schema")
            {
                continue;
            }

            JsonElement sub = Deref(root, p.Value);
            Type propertyType = Nullable.GetUnderlyingType(classProperties[p.Name].PropertyType) ?? classProperties[p.Name].PropertyType;
            if (sub.TryGetProperty("properties", out _))
            {
                Walk(root, sub, propertyType, $"{path}.{p.Name}", checkedTypes);
            }
            else if (sub.TryGetProperty("items", out JsonElement items) && Deref(root, items).TryGetProperty("properties", out _))
            {
                Type element = propertyType.GetGenericArguments().Single();
                Walk(root, items, element, $"{path}.{p.Name}[]", checkedTypes);
            }
        }
    }

    private static JsonElement Deref(JsonElement root, JsonElement node) =>
        node.TryGetProperty("$ref", out JsonElement r)
            ? root.GetProperty("$defs").GetProperty(r.GetString()!["#/$defs/".Length..])
            : node;

    [Fact]
    public void Schema_EnumsMatchTheLoadersAcceptedValues()
    {
        using JsonDocument schema = Schema();
        JsonElement p = schema.RootElement.GetProperty("properties");
        static string[] Enum(JsonElement e) => [.. e.GetProperty("enum").EnumerateArray().Select(x => x.GetString()!)];
        JsonElement source = p.GetProperty("source").GetProperty("properties");
        Assert.Equal(SourceConfiguration.Kinds, Enum(source.GetProperty("kind")));
        JsonElement imu = source.GetProperty("mpu6050").GetProperty("properties");
        Assert.Equal(Mpu6050Settings.AccelerometerRanges, Enum(imu.GetProperty("accelerometerRange")));
        Assert.Equal(Mpu6050Settings.GyroscopeRanges, Enum(imu.GetProperty("gyroscopeRange")));
        Assert.Equal(GpioInputSettings.Pulls, Enum(source.GetProperty("gpioInputs").GetProperty("items").GetProperty("properties").GetProperty("pull")));
        JsonElement interlock = p.GetProperty("interlock").GetProperty("properties");
        JsonElement rule = interlock.GetProperty("rules").GetProperty("items").GetProperty("properties");
        Assert.Equal(System.Enum.GetValues<AlertKind>().Select(AlertKinds.ToWireName), Enum(rule.GetProperty("kinds").GetProperty("items")));
        Assert.Equal(System.Enum.GetValues<AlertSeverity>().Select(AlertSeverities.ToWireName), Enum(rule.GetProperty("severity")));
        Assert.Equal(FallbackSettings.Modes, Enum(interlock.GetProperty("fallback").GetProperty("properties").GetProperty("mode")));
        Assert.Equal(ResetInputSettings.Edges, Enum(interlock.GetProperty("resetInput").GetProperty("properties").GetProperty("edge")));
    }

    [Theory]
    [InlineData("sim-robot.json")]
    [InlineData("raspberry-pi-mpu6050.json")]
    public void Examples_ValidateAgainstTheSchemaAndTheLoader(string name)
    {
        using JsonDocument schema = Schema();
        using JsonDocument example = JsonDocument.Parse(Example(name));
        Assert.Empty(new SchemaSubsetValidator(schema.RootElement).Validate(example.RootElement));
        Assert.Empty(ConfigurationCheck.CheckJson(Example(name), RepositoryFiles.FirmwareConfig, options: NoFileCheck).Problems);
    }

    [Fact]
    public void RemovingEachPropertyOfTheExamples_MissingIffTheSchemaRequiresIt()
    {
        using JsonDocument schema = Schema();
        var validator = new SchemaSubsetValidator(schema.RootElement);
        int removals = 0;
        foreach (string name in Examples)
        {
            JsonNode original = JsonNode.Parse(Example(name))!;
            foreach ((string parentPath, JsonObject parent, string property) in Objects(original, "$"))
            {
                JsonNode copy = original.DeepClone();
                JsonObject target = Find(copy, parentPath);
                target.Remove(property);
                string json = copy.ToJsonString();
                using JsonDocument doc = JsonDocument.Parse(json);
                bool schemaMissing = validator.Validate(doc.RootElement).Contains($"{parentPath}: missing {property}");
                bool loaderMissing = ConfigurationCheck.CheckJson(json, RepositoryFiles.FirmwareConfig, options: NoFileCheck).Problems
                    .Any(p => p.Path == parentPath && p.Message == $"missing required property '{property}'");
                Assert.True(schemaMissing == loaderMissing, $"{name}: removing {parentPath}.{property}: schema says required={schemaMissing}, loader says {loaderMissing}");
                removals++;
            }
        }

        Assert.True(removals > 60, $"only {removals} removals");
    }

    [Theory]
    [InlineData("$.mqtt.port", "70000")]
    [InlineData("$.mqtt.tls", "\"yes\"")]
    [InlineData("$.intraOpThreads", "0")]
    [InlineData("$.source.kind", "\"camera\"")]
    [InlineData("$.source.mpu6050.accelerometerRange", "\"3g\"")]
    [InlineData("$.source.mpu6050.address", "\"0x70\"")]
    [InlineData("$.source.mpu6050.stuckReadingLimit", "1")]
    [InlineData("$.interlock.rules[0].severity", "\"urgent\"")]
    [InlineData("$.interlock.outputs[0].pin", "2000")]
    [InlineData("$.deviceId", "\"a/b\"")]
    [InlineData("$.monitor.windowSize", "8")]
    [InlineData("$.monitor.extra", "1")]
    public void BadValues_RejectedByBothSchemaAndLoader(string path, string valueJson)
    {
        JsonNode doc = JsonNode.Parse(Example("raspberry-pi-mpu6050.json"))!;
        int dot = path.LastIndexOf('.');
        Find(doc, path[..dot])[path[(dot + 1)..]] = JsonNode.Parse(valueJson);
        string json = doc.ToJsonString();
        using JsonDocument schema = Schema();
        using JsonDocument parsed = JsonDocument.Parse(json);
        Assert.NotEmpty(new SchemaSubsetValidator(schema.RootElement).Validate(parsed.RootElement));
        ConfigurationProblem problem = Assert.Single(ConfigurationCheck.CheckJson(json, RepositoryFiles.FirmwareConfig, options: NoFileCheck).Problems);
        Assert.Equal(path, problem.Path);
    }

    private static IEnumerable<(string ParentPath, JsonObject Parent, string Property)> Objects(JsonNode node, string path)
    {
        if (node is JsonObject obj)
        {
            foreach ((string key, JsonNode? child) in obj)
            {
                yield return (path, obj, key);
                if (child is not null)
                {
                    foreach (var inner in Objects(child, $"{path}.{key}"))
                    {
                        yield return inner;
                    }
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++)
            {
                foreach (var inner in Objects(array[i]!, $"{path}[{i}]"))
                {
                    yield return inner;
                }
            }
        }
    }

    private static JsonObject Find(JsonNode root, string path)
    {
        JsonNode node = root;
        foreach (string part in path[1..].Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            int bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket < 0)
            {
                node = node[part]!;
            }
            else
            {
                node = node[part[..bracket]]![int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)]!;
            }
        }

        return node.AsObject();
    }
}
