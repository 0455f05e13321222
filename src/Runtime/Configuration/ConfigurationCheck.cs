using System.Globalization;
using System.Text.Json;
using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Runtime.Configuration;

/// <summary>Loads and checks device configuration files, reporting every problem with its JSON path (for <c>edgesentinel check-config FILE</c> and device start-up).</summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class ConfigurationCheck
{
    private static readonly string[] Severities = ["info", "warning", "critical"];
    private static readonly string[] KindNames =
        [.. Enum.GetValues<AlertKind>().Select(AlertKinds.ToWireName)];

    /// <summary>Reads and checks a configuration file; the result holds the configuration only when there is no problem.</summary>
    public static ConfigurationCheckResult CheckFile(string path, ConfigurationCheckOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ConfigurationCheckResult(null, [new ConfigurationProblem("$", $"cannot read '{full}': {e.Message}")]);
        }

        return CheckJson(text, Path.GetDirectoryName(full)!, full, options);
    }

    /// <summary>Checks configuration JSON text; relative paths are resolved against <paramref name="baseDirectory"/>.</summary>
    public static ConfigurationCheckResult CheckJson(string json, string baseDirectory, string? sourceFile = null, ConfigurationCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentException.ThrowIfNullOrWhiteSpace(baseDirectory);
        options ??= new ConfigurationCheckOptions();
        var context = new ConfigurationReadContext(Path.GetFullPath(baseDirectory), options.CheckFilesExist);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false, MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is { } line
                ? string.Create(CultureInfo.InvariantCulture, $"line {line + 1}, position {(e.BytePositionInLine ?? 0) + 1}")
                : "unknown position";
            return new ConfigurationCheckResult(null, [new ConfigurationProblem("$", $"not valid JSON at {where}: {e.Message}")]);
        }

        using (document)
        {
            // Escapes that decode to a lone UTF-16 surrogate are valid JSON syntax but cannot be read as text.
            var unreadable = new List<ConfigurationProblem>();
            FindUnreadableText(document.RootElement, "$", unreadable);
            if (unreadable.Count > 0)
            {
                return new ConfigurationCheckResult(null, unreadable);
            }

            DeviceConfiguration? configuration = ReadRoot(context, document.RootElement);
            if (configuration is not null)
            {
                configuration.SourceFile = sourceFile ?? string.Empty;
            }

            return context.Problems.Count == 0
                ? new ConfigurationCheckResult(configuration, [])
                : new ConfigurationCheckResult(null, [.. context.Problems]);
        }
    }

    /// <summary>Loads a configuration file or throws listing every problem.</summary>
    /// <exception cref="ConfigurationException">The file has at least one problem.</exception>
    public static DeviceConfiguration LoadFile(string path, ConfigurationCheckOptions? options = null)
    {
        ConfigurationCheckResult result = CheckFile(path, options);
        return result.Configuration ?? throw new ConfigurationException(Path.GetFullPath(path), result.Problems);
    }

    private static void FindUnreadableText(JsonElement element, string path, List<ConfigurationProblem> problems)
    {
        const string Why = "holds an escaped lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which is not text";
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        problems.Add(new ConfigurationProblem(path, $"a property name {Why}"));
                        continue;
                    }

                    FindUnreadableText(property.Value, JsonObjectReader.Child(path, name), problems);
                }

                break;
            case JsonValueKind.Array:
                int index = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    FindUnreadableText(item, string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]"), problems);
                    index++;
                }

                break;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                }
                catch (InvalidOperationException)
                {
                    problems.Add(new ConfigurationProblem(path, $"the string {Why}"));
                }

                break;
            default:
                break;
        }
    }

    private static string? CheckIdentifier(string value) =>
        value.Length <= 64 && (char.IsAsciiLetterOrDigit(value[0])) && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            ? null
            : $"'{value}' is not a valid identifier (1-64 letters, digits, '.', '_' or '-', starting with a letter or digit; it becomes part of MQTT topics)";

    private static DeviceConfiguration? ReadRoot(ConfigurationReadContext context, JsonElement root)
    {
        JsonObjectReader? o = JsonObjectReader.Create(context, root, "$");
        if (o is null)
        {
            return null;
        }

        // "$schema" lets editors find the schema; the loader ignores it.
        o.String("$schema", required: false);
        var c = new DeviceConfiguration
        {
            DeviceId = o.String("deviceId", required: true, CheckIdentifier) ?? string.Empty,
            Fleet = o.String("fleet", required: true, CheckIdentifier) ?? string.Empty,
            ModelPath = o.FilePath("modelPath", required: true) ?? string.Empty,
            BaselinePath = o.FilePath("baselinePath", required: true) ?? string.Empty,
        };
        if (o.Object("source", required: true) is { } source)
        {
            c.Source = ReadSource(context, source);
        }

        c.Taps = ReadTaps(context, o);
        c.CueFeatures = ReadCues(context, o);
        CheckCuesAgainstSource(context, c);
        if (o.Object("interlock", required: false) is { } interlock)
        {
            c.Interlock = ReadInterlock(context, interlock);
        }

        if (o.Object("mqtt", required: true) is { } mqtt)
        {
            c.Mqtt = ReadMqtt(context, mqtt);
        }

        if (o.Object("monitor", required: false) is { } monitor)
        {
            c.Monitor = ReadMonitor(monitor);
        }

        c.IntraOpThreads = (int)(o.Integer("intraOpThreads", required: false, 1, 256) ?? c.IntraOpThreads);
        c.AllowSpinning = o.Bool("allowSpinning") ?? c.AllowSpinning;
        o.ReportUnknown();
        return c;
    }

    private static SourceConfiguration ReadSource(ConfigurationReadContext context, JsonObjectReader o)
    {
        var s = new SourceConfiguration { Kind = o.Choice("kind", required: true, SourceConfiguration.Kinds) ?? string.Empty };
        bool replay = s.Kind is "csv" or "ndjson";
        s.Path = o.FilePath("path", required: replay);
        if (!replay && s.Kind.Length > 0 && o.Has("path"))
        {
            context.Add(JsonObjectReader.Child(o.Path, "path"), $"only allowed when kind is csv or ndjson (kind is '{s.Kind}')");
        }

        if (o.Has("features"))
        {
            s.Features = ReadNameList(context, o, "features");
            if (!replay && s.Kind.Length > 0)
            {
                context.Add(JsonObjectReader.Child(o.Path, "features"), $"only allowed when kind is csv or ndjson (kind is '{s.Kind}')");
            }
        }

        s.FrameRateHz = o.Number("frameRateHz", required: false, 0, 10_000, exclusiveMinimum: true);
        if (o.Object("simulator", required: false) is { } sim)
        {
            NotForKind(context, o, "simulator", s.Kind, "simulator");
            s.Simulator = new SimulatorSettings
            {
                World = sim.String("world", required: false) ?? "robot",
                Seed = sim.Integer("seed", required: false, long.MinValue, long.MaxValue) ?? 1,
                Scenario = sim.String("scenario", required: false),
                ChangeAtFrame = (int?)sim.Integer("changeAtFrame", required: false, 0, int.MaxValue - 1),
            };
            sim.ReportUnknown();
        }

        if (o.Object("mpu6050", required: false) is { } imu)
        {
            NotForKind(context, o, "mpu6050", s.Kind, "mpu6050");
            var m = new Mpu6050Settings { BusId = (int)(imu.Integer("busId", required: false, 0, 255) ?? 1) };
            if (imu.TryGet("address", required: false, out JsonElement address, out string addressPath))
            {
                long? value = address.ValueKind == JsonValueKind.String && address.GetString() is { } hex
                    && hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(hex.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int parsed)
                    ? parsed
                    : address.ValueKind == JsonValueKind.String ? null : JsonObjectReader.ReadInteger(context, address, addressPath, 0, 127);
                if (value is null && address.ValueKind == JsonValueKind.String)
                {
                    context.Add(addressPath, $"'{address.GetString()}' is not a hexadecimal address like \"0x68\"");
                }
                else if (value is { } v && v is not (0x68 or 0x69))
                {
                    context.Add(addressPath, string.Create(CultureInfo.InvariantCulture, $"0x{v:x2} is not an MPU-6050 address (expected 0x68 or 0x69)"));
                }
                else if (value is { } ok)
                {
                    m.Address = (int)ok;
                }
            }

            m.AccelerometerRange = imu.Choice("accelerometerRange", required: false, Mpu6050Settings.AccelerometerRanges) ?? m.AccelerometerRange;
            m.GyroscopeRange = imu.Choice("gyroscopeRange", required: false, Mpu6050Settings.GyroscopeRanges) ?? m.GyroscopeRange;
            if (imu.Integer("stuckReadingLimit", required: false, 0, 1_000_000) is { } stuck)
            {
                if (stuck == 1)
                {
                    context.Add(JsonObjectReader.Child(imu.Path, "stuckReadingLimit"), "1 is out of range (expected 0 to disable, or 2..1000000)");
                }
                else
                {
                    m.StuckReadingLimit = (int)stuck;
                }
            }

            imu.ReportUnknown();
            s.Mpu6050 = m;
        }
        else if (s.Kind == "mpu6050")
        {
            s.Mpu6050 = new Mpu6050Settings();
        }

        if (s.Kind == "simulator" && s.Simulator is null)
        {
            s.Simulator = new SimulatorSettings();
        }

        var inputs = new List<GpioInputSettings>();
        var pins = new HashSet<int>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach ((JsonElement element, string path) in o.Array("gpioInputs", required: s.Kind == "gpio"))
        {
            if (JsonObjectReader.Create(context, element, path) is not { } g)
            {
                continue;
            }

            var input = new GpioInputSettings
            {
                Pin = (int)(g.Integer("pin", required: true, 0, 1023) ?? -1),
                Name = g.String("name", required: true) ?? string.Empty,
                Pull = g.Choice("pull", required: false, GpioInputSettings.Pulls) ?? "none",
            };
            if (input.Pin >= 0 && !pins.Add(input.Pin))
            {
                context.Add(JsonObjectReader.Child(path, "pin"), $"pin {input.Pin} is used by another input");
            }

            if (input.Name.Length > 0 && !names.Add(input.Name))
            {
                context.Add(JsonObjectReader.Child(path, "name"), $"name '{input.Name}' is used by another input");
            }

            g.ReportUnknown();
            inputs.Add(input);
        }

        s.GpioInputs = inputs;
        if (s.Kind == "gpio" && o.Has("gpioInputs") && inputs.Count == 0)
        {
            context.Add(JsonObjectReader.Child(o.Path, "gpioInputs"), "must list at least one input when kind is gpio");
        }

        if (s.Kind is "simulator" or "csv" or "ndjson" && o.Has("gpioInputs"))
        {
            context.Add(JsonObjectReader.Child(o.Path, "gpioInputs"), $"only allowed when kind is gpio or mpu6050 (kind is '{s.Kind}')");
        }

        o.ReportUnknown();
        return s;
    }

    private static void NotForKind(ConfigurationReadContext context, JsonObjectReader o, string property, string kind, string requiredKind)
    {
        if (kind.Length > 0 && kind != requiredKind)
        {
            context.Add(JsonObjectReader.Child(o.Path, property), $"only allowed when kind is {requiredKind} (kind is '{kind}')");
        }
    }

    private static List<string> ReadNameList(ConfigurationReadContext context, JsonObjectReader o, string name)
    {
        var list = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((JsonElement element, string path) in o.Array(name, required: false))
        {
            if (element.ValueKind != JsonValueKind.String || element.GetString()!.Trim().Length == 0)
            {
                context.Add(path, $"expected a non-blank string, got {JsonObjectReader.Describe(element)}");
                continue;
            }

            string value = element.GetString()!;
            if (!seen.Add(value))
            {
                context.Add(path, $"'{value}' is listed more than once");
                continue;
            }

            list.Add(value);
        }

        return list;
    }

    private static List<string> ReadTaps(ConfigurationReadContext context, JsonObjectReader o)
    {
        List<string> taps = ReadNameList(context, o, "taps");
        bool hasAuto = false;
        for (int i = 0; i < taps.Count; i++)
        {
            string tap = taps[i];
            if (!tap.StartsWith("auto", StringComparison.Ordinal))
            {
                continue;
            }

            string path = string.Create(CultureInfo.InvariantCulture, $"$.taps[{i}]");
            if (!DeviceConfiguration.TryParseAutoTaps(tap, out int n) || n < 1 || n > 64)
            {
                context.Add(path, $"'{tap}' is not a valid rule (expected auto:N with N in 1..64, or a tensor name)");
            }
            else if (hasAuto || taps.Count > 1)
            {
                context.Add(path, "an auto:N rule must be the only entry of taps");
            }

            hasAuto = true;
        }

        return taps;
    }

    private static List<CueFeatureConfiguration> ReadCues(ConfigurationReadContext context, JsonObjectReader o)
    {
        var cues = new List<CueFeatureConfiguration>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((JsonElement element, string path) in o.Array("cueFeatures", required: false))
        {
            if (JsonObjectReader.Create(context, element, path) is not { } cue)
            {
                continue;
            }

            string? feature = cue.String("feature", required: true);
            double? value = cue.Number("trainingValue", required: true, double.MinValue, double.MaxValue);
            if (feature is not null && !seen.Add(feature))
            {
                context.Add(JsonObjectReader.Child(path, "feature"), $"feature '{feature}' is listed more than once");
            }

            cue.ReportUnknown();
            if (feature is not null && value is not null)
            {
                cues.Add(new CueFeatureConfiguration { Feature = feature, TrainingValue = value.Value });
            }
        }

        return cues;
    }

    /// <summary>When the source's feature names are known from the configuration alone, each cue must name one of them.</summary>
    private static void CheckCuesAgainstSource(ConfigurationReadContext context, DeviceConfiguration c)
    {
        List<string>? features = c.Source.Kind switch
        {
            "mpu6050" => [.. Sensors.Mpu6050.FeatureNames, .. c.Source.GpioInputs.Select(g => g.Name)],
            "gpio" => [.. c.Source.GpioInputs.Select(g => g.Name)],
            "csv" or "ndjson" when c.Source.Features is { } names => [.. names],
            _ => null,
        };
        if (features is null)
        {
            return;
        }

        for (int i = 0; i < c.CueFeatures.Count; i++)
        {
            string feature = c.CueFeatures[i].Feature;
            if (!features.Contains(feature, StringComparer.Ordinal))
            {
                context.Add(
                    string.Create(CultureInfo.InvariantCulture, $"$.cueFeatures[{i}].feature"),
                    $"'{feature}' is not an input feature of the {c.Source.Kind} source (features: {string.Join(", ", features)})");
            }
        }
    }

    private static InterlockConfiguration ReadInterlock(ConfigurationReadContext context, JsonObjectReader o)
    {
        var c = new InterlockConfiguration();
        var pins = new Dictionary<int, string>();
        var outputs = new List<OutputLineSettings>();
        foreach ((JsonElement element, string path) in o.Array("outputs", required: false))
        {
            if (JsonObjectReader.Create(context, element, path) is not { } line)
            {
                continue;
            }

            var setting = new OutputLineSettings
            {
                Pin = (int)(line.Integer("pin", required: true, 0, 1023) ?? -1),
                ActiveHigh = line.Bool("activeHigh") ?? true,
                Name = line.String("name", required: false),
            };
            if (setting.Pin >= 0 && !pins.TryAdd(setting.Pin, path))
            {
                context.Add(JsonObjectReader.Child(path, "pin"), $"pin {setting.Pin} is also used by {pins[setting.Pin]}");
            }

            line.ReportUnknown();
            outputs.Add(setting);
        }

        c.Outputs = outputs;
        if (o.Object("resetInput", required: false) is { } reset)
        {
            c.ResetInput = new ResetInputSettings
            {
                Pin = (int)(reset.Integer("pin", required: true, 0, 1023) ?? -1),
                Edge = reset.Choice("edge", required: false, ResetInputSettings.Edges) ?? "falling",
                Pull = reset.Choice("pull", required: false, GpioInputSettings.Pulls) ?? "up",
            };
            if (c.ResetInput.Pin >= 0 && pins.TryGetValue(c.ResetInput.Pin, out string? owner))
            {
                context.Add(JsonObjectReader.Child(reset.Path, "pin"), $"pin {c.ResetInput.Pin} is also used by {owner}");
            }

            reset.ReportUnknown();
        }

        var rules = new List<InterlockRuleSettings>();
        bool rulesPresent = false;
        foreach ((JsonElement element, string path) in o.Array("rules", required: true))
        {
            rulesPresent = true;
            if (JsonObjectReader.Create(context, element, path) is not { } rule)
            {
                continue;
            }

            var kinds = new List<string>();
            foreach ((JsonElement kind, string kindPath) in rule.Array("kinds", required: false))
            {
                if (kind.ValueKind != JsonValueKind.String)
                {
                    context.Add(kindPath, $"expected a string ({string.Join("|", KindNames)}), got {JsonObjectReader.Describe(kind)}");
                }
                else if (!AlertKinds.TryParse(kind.GetString(), out _))
                {
                    context.Add(kindPath, $"unknown value '{kind.GetString()}' (expected {string.Join("|", KindNames)})");
                }
                else
                {
                    kinds.Add(kind.GetString()!);
                }
            }

            rules.Add(new InterlockRuleSettings { Kinds = kinds, Severity = rule.Choice("severity", required: true, Severities) ?? string.Empty });
            rule.ReportUnknown();
        }

        if (o.Has("rules") && !rulesPresent && o.TryGet("rules", false, out JsonElement r, out string rulesPath) && r.ValueKind == JsonValueKind.Array)
        {
            context.Add(rulesPath, "must hold at least one rule (an interlock without rules never trips; remove the interlock instead)");
        }

        c.Rules = rules;
        if (o.Object("fallback", required: false) is { } fallback)
        {
            c.Fallback = new FallbackSettings { Mode = fallback.Choice("mode", required: false, FallbackSettings.Modes) ?? "hold" };
            c.Fallback.ModelPath = fallback.FilePath("modelPath", required: c.Fallback.Mode == "model");
            if (c.Fallback.Mode != "model" && fallback.Has("modelPath"))
            {
                context.Add(JsonObjectReader.Child(fallback.Path, "modelPath"), $"only allowed when mode is model (mode is '{c.Fallback.Mode}')");
            }

            fallback.ReportUnknown();
        }

        c.CommandMaxAgeSeconds = (int)(o.Integer("commandMaxAgeSeconds", required: false, 1, 86_400) ?? 300);
        o.ReportUnknown();
        return c;
    }

    private static MqttConfiguration ReadMqtt(ConfigurationReadContext context, JsonObjectReader o)
    {
        var m = new MqttConfiguration
        {
            Host = o.String("host", required: true, h => h.Contains("://", StringComparison.Ordinal) || h.Any(char.IsWhiteSpace) || h.Contains('/', StringComparison.Ordinal)
                ? $"'{h}' must be a host name or IP address, not a URL"
                : null) ?? string.Empty,
            Tls = o.Bool("tls") ?? true,
        };
        m.Port = (int)(o.Integer("port", required: false, 1, 65535) ?? (m.Tls ? 8883 : 1883));
        m.Username = o.String("username", required: false);
        m.PasswordFile = o.FilePath("passwordFile", required: false);
        m.DeviceKeyFile = o.FilePath("deviceKeyFile", required: false);
        m.CaCertificateFile = o.FilePath("caCertificateFile", required: false);
        m.ClientCertificateFile = o.FilePath("clientCertificateFile", required: false);
        m.ClientKeyFile = o.FilePath("clientKeyFile", required: false);
        m.KeepAliveSeconds = (int)(o.Integer("keepAliveSeconds", required: false, 5, 65535) ?? 30);
        if (o.Has("passwordFile") && !o.Has("username"))
        {
            context.Add(JsonObjectReader.Child(o.Path, "passwordFile"), "requires 'username'");
        }

        if (!m.Tls)
        {
            foreach (string name in (string[])["caCertificateFile", "clientCertificateFile", "clientKeyFile"])
            {
                if (o.Has(name))
                {
                    context.Add(JsonObjectReader.Child(o.Path, name), "requires \"tls\": true");
                }
            }
        }

        if (o.Has("clientCertificateFile") != o.Has("clientKeyFile"))
        {
            context.Add(o.Path, "clientCertificateFile and clientKeyFile must be given together");
        }

        o.ReportUnknown();
        return m;
    }

    private static MonitorConfiguration ReadMonitor(JsonObjectReader o)
    {
        var m = new MonitorConfiguration { WindowSize = (int?)o.Integer("windowSize", required: false, 16, 1_000_000) };
        m.CanaryPeriodFrames = (int)(o.Integer("canaryPeriodFrames", required: false, 0, 1_000_000_000) ?? m.CanaryPeriodFrames);
        m.CanaryPeriodSeconds = o.Number("canaryPeriodSeconds", required: false, 0, 86_400) ?? m.CanaryPeriodSeconds;
        o.ReportUnknown();
        return m;
    }
}

/// <summary>Options of <see cref="ConfigurationCheck"/>.</summary>
public sealed class ConfigurationCheckOptions
{
    /// <summary>Whether every referenced file (model, baseline, recording, key files) must exist.</summary>
    /// <value>Default: true.</value>
    public bool CheckFilesExist { get; set; } = true;
}

/// <summary>The outcome of a configuration check: the configuration when valid, else every problem.</summary>
/// <param name="Configuration">The configuration; null when there is any problem.</param>
/// <param name="Problems">Every problem, in document order per section.</param>
/// <remarks>Immutable once returned.</remarks>
public sealed record ConfigurationCheckResult(DeviceConfiguration? Configuration, IReadOnlyList<ConfigurationProblem> Problems)
{
    /// <summary>True when there is no problem.</summary>
    public bool IsValid => Problems.Count == 0;
}
