using System.Text;
using EdgeSentinel.Runtime.Configuration;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing.Targets;

/// <summary>ConfigurationCheck on file bytes (decoded as File.ReadAllText does): never throws; invalid means at least one problem, each with a JSON path and a message; valid means a configuration and no problem.</summary>
public sealed class ConfigTarget : FuzzTarget
{
    private static readonly ConfigurationCheckOptions Options = new() { CheckFilesExist = false };

    /// <inheritdoc/>
    public override string Name => "config";

    /// <inheritdoc/>
    protected override IReadOnlyList<byte[]> BuildSeeds()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Seeds", "config");
        var files = Directory.GetFiles(folder, "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        return
        [
            .. files.Select(File.ReadAllBytes),
            """
            {"deviceId":"replay-1","fleet":"lab","modelPath":"m.onnx","baselinePath":"m.baseline",
             "source":{"kind":"csv","path":"data/live.csv","features":["a","b","mission_day"],"frameRateHz":0.5},
             "taps":["hidden","/l2/Relu_output_0"],"cueFeatures":[{"feature":"mission_day","trainingValue":-1.5e3}],
             "mqtt":{"host":"10.0.0.2","tls":true,"username":"u","passwordFile":"p.txt","clientCertificateFile":"c.pem","clientKeyFile":"k.pem","port":8883},
             "monitor":{"windowSize":16},"allowSpinning":true}
            """u8.ToArray(),
            """
            {"deviceId":"gpio-2","fleet":"f","modelPath":"/m.onnx","baselinePath":"/m.baseline",
             "source":{"kind":"gpio","gpioInputs":[{"pin":4,"name":"door"},{"pin":1023,"name":"lid","pull":"down"}]},
             "interlock":{"outputs":[{"pin":17}],"rules":[{"kinds":["input-drift"],"severity":"info"}],"fallback":{"mode":"model","modelPath":"safe.onnx"},"commandMaxAgeSeconds":86400},
             "mqtt":{"host":"broker","tls":false,"keepAliveSeconds":5}}
            """u8.ToArray(),
            """
            {"deviceId":"imu","fleet":"f","modelPath":"m","baselinePath":"b","source":{"kind":"mpu6050","mpu6050":{"address":105,"stuckReadingLimit":0}},
             "mqtt":{"host":"h"},"intraOpThreads":256}
            """u8.ToArray(),
        ];
    }

    /// <inheritdoc/>
    public override byte[] Mutate(Random random, byte[] seed) => JsonMutator.Mutate(random, seed, Seeds);

    /// <inheritdoc/>
    public override FuzzOutcome Run(byte[] input)
    {
        string text;
        using (var reader = new StreamReader(new MemoryStream(input), Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
        {
            text = reader.ReadToEnd();
        }

        var result = ConfigurationCheck.CheckJson(text, "/fuzz/config", "/fuzz/config/device.json", Options);
        if (result.Configuration is not null)
        {
            OracleViolationException.Check(result.Problems.Count == 0, "config: a configuration was returned together with problems");
            OracleViolationException.Check(result.Configuration.DeviceId.Length > 0 && result.Configuration.Fleet.Length > 0, "config: accepted without a device id or fleet");
            return FuzzOutcome.Accepted;
        }

        OracleViolationException.Check(result.Problems.Count > 0, "config: rejected without a problem");
        foreach (var p in result.Problems)
        {
            OracleViolationException.Check(p.Path.StartsWith('$'), $"config: problem path '{p.Path}' is not a JSON path");
            OracleViolationException.CheckMessage(p.Message, "config");
        }

        // Reason key: the first problem's path without indexes, and the first words of its message.
        var first = result.Problems[0];
        var path = System.Text.RegularExpressions.Regex.Replace(first.Path, @"\[\d+\]|\['.*'\]", "[]");
        var message = first.Message.StartsWith("not valid JSON", StringComparison.Ordinal) ? "not valid JSON" : string.Join(' ', first.Message.Split(' ', 4).Take(3));
        return FuzzOutcome.Rejected(path.Length > 40 ? "$…" : $"{path}: {message.Split('\'')[0].Trim()}");
    }
}
