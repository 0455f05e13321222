using System.Device.Gpio;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Runtime.Configuration;
using EdgeSentinel.Runtime.Safety;
using EdgeSentinel.Runtime.Sensors;

namespace EdgeSentinel.Runtime.Tests.Configuration;

public sealed class ConfigurationCheckTests
{
    private static readonly ConfigurationCheckOptions NoFileCheck = new() { CheckFilesExist = false };
    private const string Base = "/cfg/dev";

    private static IReadOnlyList<ConfigurationProblem> Problems(string json) =>
        ConfigurationCheck.CheckJson(json, Base, options: NoFileCheck).Problems;

    private static string Minimal(string extra = "") => $$"""
        {
          "deviceId": "d1", "fleet": "f1", "modelPath": "m.onnx", "baselinePath": "b.bin",
          "source": { "kind": "simulator" },
          "mqtt": { "host": "localhost" }{{extra}}
        }
        """;

    [Fact]
    public void SimRobotExample_LoadsWithItsValues()
    {
        string dir = RepositoryFiles.FirmwareConfig;
        ConfigurationCheckResult result = ConfigurationCheck.CheckFile(Path.Combine(dir, "sim-robot.json"), NoFileCheck);
        Assert.Empty(result.Problems);
        DeviceConfiguration c = result.Configuration!;
        Assert.Equal("sim-robot-01", c.DeviceId);
        Assert.Equal("demo", c.Fleet);
        Assert.Equal(Path.GetFullPath(Path.Combine(dir, "..", "models", "policy.onnx")), c.ModelPath);
        Assert.Equal("simulator", c.Source.Kind);
        Assert.Equal(7, c.Source.Simulator!.Seed);
        Assert.True(DeviceConfiguration.TryParseAutoTaps(Assert.Single(c.Taps), out int n));
        Assert.Equal(2, n);
        Assert.Equal(["mission_day", "site_id", "operator_mode"], c.CueFeatures.Select(f => f.Feature));
        Assert.False(c.Mqtt.Tls);
        Assert.Equal(1883, c.Mqtt.Port);
        Assert.Equal(Path.Combine(dir, "sim-robot.json"), c.SourceFile);
        InterlockOptions interlock = c.Interlock!.ToOptions(outputWidth: 4);
        Assert.Empty(interlock.Validate());
        Assert.Equal(FallbackMode.ZeroAction, interlock.Fallback);
        Assert.Equal(AlertKind.CueSensitivity, interlock.Rules[1].Kinds[0]);
    }

    [Fact]
    public void RaspberryPiExample_LoadsAndMapsToDriverAndInterlockOptions()
    {
        string file = Path.Combine(RepositoryFiles.FirmwareConfig, "raspberry-pi-mpu6050.json");
        DeviceConfiguration c = ConfigurationCheck.LoadFile(file, NoFileCheck);
        Assert.Equal("mpu6050", c.Source.Kind);
        Assert.Equal(0x68, c.Source.Mpu6050!.Address);
        Mpu6050Options imu = c.Source.Mpu6050.ToOptions();
        Assert.Empty(imu.Validate());
        Assert.Equal(AccelerometerRange.PlusMinus4G, imu.AccelerometerRange);
        Assert.Equal(GyroscopeRange.PlusMinus500DegreesPerSecond, imu.GyroscopeRange);
        Assert.Equal([PinMode.InputPullUp, PinMode.InputPullDown], c.Source.GpioInputs.Select(g => g.ToGpioInput().Mode));
        InterlockOptions interlock = c.Interlock!.ToOptions(outputWidth: 6);
        Assert.Empty(interlock.Validate());
        Assert.Equal(new InterlockResetInput(22, PinEventTypes.Falling, PinMode.InputPullUp), interlock.ResetInput);
        Assert.False(interlock.Outputs[1].ActiveHigh);
        Assert.Equal(TimeSpan.FromSeconds(120), interlock.CommandMaxAge);
        Assert.Equal("/etc/edgesentinel/ca.pem", c.Mqtt.CaCertificateFile);
        Assert.Equal(512, c.Monitor.WindowSize);
        Assert.Equal(2, c.IntraOpThreads);
    }

    [Fact]
    public void Examples_WithFileChecks_OnlyMissingReferencedFilesAreReported()
    {
        // The examples point at deployment paths and demo models that are not in a fresh checkout.
        foreach (string name in (string[])["sim-robot.json", "raspberry-pi-mpu6050.json"])
        {
            ConfigurationCheckResult result = ConfigurationCheck.CheckFile(Path.Combine(RepositoryFiles.FirmwareConfig, name));
            Assert.All(result.Problems, p => Assert.StartsWith("file not found", p.Message, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Minimal_AppliesDocumentedDefaults()
    {
        ConfigurationCheckResult result = ConfigurationCheck.CheckJson(Minimal(), Base, options: NoFileCheck);
        Assert.Empty(result.Problems);
        DeviceConfiguration c = result.Configuration!;
        Assert.Equal("/cfg/dev/m.onnx", c.ModelPath);
        Assert.Equal(8883, c.Mqtt.Port);
        Assert.True(c.Mqtt.Tls);
        Assert.Equal(30, c.Mqtt.KeepAliveSeconds);
        Assert.Equal(1, c.IntraOpThreads);
        Assert.False(c.AllowSpinning);
        Assert.Null(c.Monitor.WindowSize);
        Assert.Equal(1000, c.Monitor.CanaryPeriodFrames);
        Assert.Equal(60, c.Monitor.CanaryPeriodSeconds);
        Assert.Equal("robot", c.Source.Simulator!.World);
        Assert.Null(c.Interlock);
        Assert.Empty(c.Taps);
    }

    [Fact]
    public void ManyProblems_EveryOneReportedWithItsJsonPath()
    {
        const string json = """
            {
              "deviceId": "bad/id",
              "fleet": 7,
              "baselinePath": "b.bin",
              "source": { "kind": "csv", "frameRateHz": 0, "mpu6050": {} },
              "taps": ["auto:0", "x"],
              "cueFeatures": [ { "feature": "clock" }, { "feature": "clock", "trainingValue": 1, "extra": 2 } ],
              "interlock": {
                "outputs": [ { "pin": 17 }, { "pin": 17, "activeHigh": "yes" } ],
                "resetInput": { "pin": 17, "edge": "up" },
                "rules": [ { "severity": "critical" }, { "kinds": ["input-drift", "drift"], "severity": "urgent" } ],
                "fallback": { "mode": "model" }
              },
              "mqtt": { "host": "mqtt://broker", "port": 70000, "tls": false, "caCertificateFile": "ca.pem", "passwordFile": "p" },
              "monitor": { "windowSize": 3.5, "canaryPeriodSeconds": -1 },
              "intraOpThreads": 0,
              "fleeet": "x"
            }
            """;
        var actual = Problems(json).Select(p => p.ToString()).ToList();
        string[] expected =
        [
            "$.deviceId: 'bad/id' is not a valid identifier",
            "$.fleet: expected a string, got the number 7",
            "$: missing required property 'modelPath'",
            "$.source: missing required property 'path'",
            "$.source.frameRateHz: 0 is out of range (expected > 0 and <= 10000)",
            "$.source.mpu6050: only allowed when kind is mpu6050 (kind is 'csv')",
            "$.taps[0]: 'auto:0' is not a valid rule",
            "$.cueFeatures[0]: missing required property 'trainingValue'",
            "$.cueFeatures[1].feature: feature 'clock' is listed more than once",
            "$.cueFeatures[1].extra: unknown property",
            "$.interlock.outputs[1].activeHigh: expected a boolean, got the string 'yes'",
            "$.interlock.outputs[1].pin: pin 17 is also used by $.interlock.outputs[0]",
            "$.interlock.resetInput.edge: unknown value 'up' (expected rising|falling)",
            "$.interlock.resetInput.pin: pin 17 is also used by $.interlock.outputs[0]",
            "$.interlock.rules[1].kinds[1]: unknown value 'drift' (expected input-drift|behavior-divergence|activation-anomaly|cue-sensitivity|canary-mismatch|model-identity|runtime-health)",
            "$.interlock.rules[1].severity: unknown value 'urgent' (expected info|warning|critical)",
            "$.interlock.fallback: missing required property 'modelPath'",
            "$.mqtt.host: 'mqtt://broker' must be a host name or IP address, not a URL",
            "$.mqtt.port: 70000 is out of range (expected 1..65535)",
            "$.mqtt.passwordFile: requires 'username'",
            "$.mqtt.caCertificateFile: requires \"tls\": true",
            "$.monitor.windowSize: expected an integer, got 3.5",
            "$.monitor.canaryPeriodSeconds: -1 is out of range (expected >= 0 and <= 86400)",
            "$.intraOpThreads: 0 is out of range (expected 1..256)",
            "$.fleeet: unknown property (did you mean 'fleet'?)",
        ];
        foreach (string e in expected)
        {
            Assert.True(actual.Any(a => a.StartsWith(e, StringComparison.Ordinal)), $"missing problem: {e}\nactual:\n{string.Join("\n", actual)}");
        }

        Assert.Equal(expected.Length, actual.Count);
    }

    [Fact]
    public void Exception_ListsEveryProblem()
    {
        string dir = Path.Combine(Path.GetTempPath(), "es-cfg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "d.json");
            File.WriteAllText(file, """{ "deviceId": "d", "fleet": "f", "modelPath": "m.onnx", "baselinePath": "/abs/b.bin", "source": { "kind": "gpio" }, "mqtt": { "host": "h" } }""");
            ConfigurationException e = Assert.Throws<ConfigurationException>(() => ConfigurationCheck.LoadFile(file));
            Assert.Equal(3, e.Problems.Count);
            Assert.Contains(e.Problems, p => p.Path == "$.modelPath" && p.Message.Contains(Path.Combine(dir, "m.onnx"), StringComparison.Ordinal));
            Assert.Contains(e.Problems, p => p.Path == "$.baselinePath" && p.Message.Contains("'/abs/b.bin'", StringComparison.Ordinal));
            Assert.Contains(e.Problems, p => p.ToString() == "$.source: missing required property 'gpioInputs'");
            Assert.Contains("3 problem(s)", e.Message, StringComparison.Ordinal);

            File.WriteAllText(Path.Combine(dir, "m.onnx"), "x");
            Directory.CreateDirectory(Path.Combine(dir, "models"));
            File.WriteAllText(file, """{ "deviceId": "d", "fleet": "f", "modelPath": "m.onnx", "baselinePath": "models", "source": { "kind": "simulator" }, "mqtt": { "host": "h" } }""");
            ConfigurationProblem folder = Assert.Single(ConfigurationCheck.CheckFile(file).Problems);
            Assert.Equal("$.baselinePath", folder.Path);
            Assert.Contains("is a folder", folder.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("{ \"deviceId\": \"d\", }", "not valid JSON at line 1")]
    [InlineData("{ \"deviceId\": \"d\" // comment\n}", "not valid JSON at line 1")]
    [InlineData("[1, 2]", "expected an object, got an array")]
    [InlineData("{\n\n  \"a\": tru }", "line 3")]
    public void NotAnObjectOrBrokenJson_ReportedAtTheRoot(string json, string fragment)
    {
        ConfigurationProblem p = Assert.Single(Problems(json));
        Assert.Equal("$", p.Path);
        Assert.Contains(fragment, p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateProperty_IsAProblem()
    {
        IReadOnlyList<ConfigurationProblem> problems = Problems(Minimal(", \"intraOpThreads\": 2, \"intraOpThreads\": 3"));
        Assert.Equal("$.intraOpThreads: duplicate property (each property may appear once)", Assert.Single(problems).ToString());
    }

    [Fact]
    public void KindSpecificSettings_CheckedAgainstTheKind()
    {
        string json = """
            { "deviceId": "d", "fleet": "f", "modelPath": "m", "baselinePath": "b",
              "source": { "kind": "simulator", "path": "r.csv", "features": ["a"], "gpioInputs": [ { "pin": 1, "name": "x" } ] },
              "mqtt": { "host": "h", "clientCertificateFile": "c.pem" } }
            """;
        var problems = Problems(json).Select(p => p.ToString()).ToList();
        Assert.Contains("$.source.path: only allowed when kind is csv or ndjson (kind is 'simulator')", problems);
        Assert.Contains("$.source.features: only allowed when kind is csv or ndjson (kind is 'simulator')", problems);
        Assert.Contains("$.source.gpioInputs: only allowed when kind is gpio or mpu6050 (kind is 'simulator')", problems);
        Assert.Contains("$.mqtt: clientCertificateFile and clientKeyFile must be given together", problems);
        Assert.Equal(4, problems.Count);
    }

    [Fact]
    public void Mpu6050Address_AcceptsNumberOrHexStringOfTheTwoValidAddresses()
    {
        static string Doc(string address) => $$"""
            { "deviceId": "d", "fleet": "f", "modelPath": "m", "baselinePath": "b",
              "source": { "kind": "mpu6050", "mpu6050": { "address": {{address}}, "stuckReadingLimit": 1 } }, "mqtt": { "host": "h" } }
            """;
        Assert.Equal(["$.source.mpu6050.stuckReadingLimit: 1 is out of range (expected 0 to disable, or 2..1000000)"], Problems(Doc("105")).Select(p => p.ToString()));
        Assert.Contains("$.source.mpu6050.address: 0x70 is not an MPU-6050 address (expected 0x68 or 0x69)", Problems(Doc("\"0x70\"")).Select(p => p.ToString()));
        Assert.Contains("$.source.mpu6050.address: 'sixty-eight' is not a hexadecimal address like \"0x68\"", Problems(Doc("\"sixty-eight\"")).Select(p => p.ToString()));
    }

    [Fact]
    public void Taps_AutoRuleMustStandAlone()
    {
        Assert.Equal(["$.taps[1]: an auto:N rule must be the only entry of taps"], Problems(Minimal(", \"taps\": [\"h1\", \"auto:3\"]")).Select(p => p.ToString()));
        Assert.Equal(["$.taps[1]: 'h1' is listed more than once"], Problems(Minimal(", \"taps\": [\"h1\", \"h1\"]")).Select(p => p.ToString()));
        Assert.Empty(Problems(Minimal(", \"taps\": [\"auto:64\"]")));
    }

    [Fact]
    public void InterlockWithoutRules_IsAProblem()
    {
        Assert.Equal(["$.interlock: missing required property 'rules'"], Problems(Minimal(", \"interlock\": {}")).Select(p => p.ToString()));
        Assert.Equal(["$.interlock.rules: must hold at least one rule (an interlock without rules never trips; remove the interlock instead)"],
            Problems(Minimal(", \"interlock\": { \"rules\": [] }")).Select(p => p.ToString()));
    }

    [Fact]
    public void CueFeature_NotAnInputOfTheSource_IsAProblem()
    {
        const string json = """
            { "deviceId": "d", "fleet": "f", "modelPath": "m", "baselinePath": "b",
              "source": { "kind": "mpu6050", "gpioInputs": [ { "pin": 4, "name": "door" } ] },
              "cueFeatures": [ { "feature": "door", "trainingValue": 1 }, { "feature": "gyro_x", "trainingValue": 0 }, { "feature": "clock", "trainingValue": 9 } ],
              "mqtt": { "host": "h" } }
            """;
        ConfigurationProblem p = Assert.Single(Problems(json));
        Assert.Equal("$.cueFeatures[2].feature", p.Path);
        Assert.StartsWith("'clock' is not an input feature of the mpu6050 source (features: accel_x, accel_y, accel_z, gyro_x", p.Message, StringComparison.Ordinal);
        // With a simulator the features are only known at run time: no check here.
        Assert.Empty(Problems(Minimal(", \"cueFeatures\": [ { \"feature\": \"clock\", \"trainingValue\": 9 } ]")));
    }

    [Fact]
    public void OddPropertyNames_AreQuotedInThePath()
    {
        Assert.Equal("$['my key']", Assert.Single(Problems(Minimal(", \"my key\": 1"))).Path);
    }
}
