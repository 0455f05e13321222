using EdgeSentinel.Fuzz.Tests.Fuzzing;
using EdgeSentinel.Runtime.Configuration;
using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Runtime.Sources;

namespace EdgeSentinel.Fuzz.Tests;

/// <summary>Every saved reproducer (Regressions/&lt;target&gt;/*) runs through its target's oracle without a finding; the fixed ones get their specific error.</summary>
public sealed class RegressionTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Regressions");

    public static TheoryData<string, string> Reproducers()
    {
        var data = new TheoryData<string, string>();
        foreach (var dir in Directory.GetDirectories(Folder).Order(StringComparer.Ordinal))
        {
            foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(dir), Path.GetFileName(file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Reproducers))]
    public void Reproducer_RunsThroughTheOracle_WithoutFinding(string target, string file)
    {
        // Under the runner's watchdog (a reproducer of a hang must finish within the target's limit).
        // Files named valid-* are inputs that must be accepted (and round-trip); the others must be rejected.
        var valid = file.StartsWith("valid-", StringComparison.Ordinal);
        var report = FuzzRunner.Run(new SavedInput(FuzzTargets.Create(target), File.ReadAllBytes(Path.Combine(Folder, target, file))), 1);
        Assert.False(report.Hung, $"{target}/{file} ran past the time limit");
        Assert.DoesNotContain(report.Findings, f => f.Kind != "seed-rejected");
        Assert.Equal(valid ? 1 : 0, report.Accepted);
    }

    [Fact]
    public void AlertBody_NonAsciiTextWithinTheLimit_RoundTripsThroughOurOwnEncoder()
    {
        // 200 × '°' is 400 UTF-8 bytes (under the 512-byte limit) but our writer escapes it to 1200 bytes of \u00B0:
        // the limit applies to the text, so what the device encodes the receiver accepts.
        var alert = SeedValues.Alerts()[1];
        alert = alert with { Evidence = alert.Evidence with { Statistic = new string('°', 200) } };
        var bytes = EdgeSentinel.Protocol.Payloads.AlertCodec.Encode(alert);
        Assert.True(bytes.Length > 1200);
        Assert.True(EdgeSentinel.Protocol.Payloads.AlertCodec.TryDecode(bytes, EdgeSentinel.Protocol.ProtocolLimits.Default, out var decoded, out var rejection), rejection.ToString());
        Assert.Equal(alert, decoded);

        // 300 × '°' is 600 bytes of text: over the limit however it is escaped.
        var tooLong = alert with { Evidence = alert.Evidence with { Statistic = new string('°', 300) } };
        Assert.False(EdgeSentinel.Protocol.Payloads.AlertCodec.TryDecode(EdgeSentinel.Protocol.Payloads.AlertCodec.Encode(tooLong), EdgeSentinel.Protocol.ProtocolLimits.Default, out _, out rejection));
        Assert.Equal(EdgeSentinel.Protocol.RejectionReason.FieldTooLong, rejection.Reason);
        Assert.Contains("string of 600 bytes is longer than 512", rejection.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lone-surrogate-in-property-name.json", "$", "a property name holds an escaped lone UTF-16 surrogate")]
    [InlineData("lone-surrogate-in-string.json", "$.source", "the string holds an escaped lone UTF-16 surrogate")]
    public void Config_LoneSurrogateEscape_IsAProblemWithItsPath(string file, string path, string message)
    {
        var text = File.ReadAllText(Path.Combine(Folder, "config", file));
        var result = ConfigurationCheck.CheckJson(text, "/fuzz", options: new ConfigurationCheckOptions { CheckFilesExist = false });
        Assert.Null(result.Configuration);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(path, problem.Path);
        Assert.StartsWith(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_ValidSurrogatePairEscape_IsStillAccepted()
    {
        // Nothing valid is lost: a properly paired escape (U+1F600) in a free-text field reads as text.
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Seeds", "config", "sim-robot.json"))
            .Replace("\"scenario\": \"clean\"", "\"scenario\": \"clean \\ud83d\\ude00\"", StringComparison.Ordinal);
        var result = ConfigurationCheck.CheckJson(text, "/fuzz", options: new ConfigurationCheckOptions { CheckFilesExist = false });
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        Assert.Equal("clean \U0001F600", result.Configuration!.Source.Simulator!.Scenario);
    }

    [Theory]
    [InlineData("lone-surrogate-in-string-value.ndjson", 9)]
    [InlineData("lone-surrogate-in-key.ndjson", 0)]
    public async Task Ndjson_LoneSurrogateEscape_RowSkippedAsMalformedWithItsLine(string file, int line)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "ndjson", file));
        var lines = System.Text.Encoding.UTF8.GetString(bytes).Split('\n');
        var badLine = line > 0 ? line : 1 + Array.FindIndex(lines, l => l.Contains("\\ud", StringComparison.OrdinalIgnoreCase) || l.Contains("\\udc", StringComparison.OrdinalIgnoreCase));
        await using var source = await ReplaySource.OpenNdjsonAsync(new MemoryStream(bytes));
        var buffer = new float[source.Width];
        while (await source.ReadFrameAsync(buffer))
        {
        }

        var problem = Assert.Single(source.Problems, p => p.LineNumber == badLine);
        Assert.Equal(FrameProblemKind.Malformed, problem.Kind);
        Assert.True(problem.Skipped);
        Assert.Contains("lone surrogate", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_QuotedHeaderNames_SameRulesAfterTheLinearScan()
    {
        // The fix for the quadratic header scan (Regressions/csv/valid-65k-header-of-quotes.csv, timed by the runner above)
        // keeps the quoting rules: a quote opens a quoted name only at the start of a blank field.
        await using var quoted = await ReplaySource.OpenCsvAsync(new MemoryStream("  \"a,b\" , x\"y\" ,\" \"\"q\"\" \"\n1,2,3\n"u8.ToArray()));
        Assert.Equal(["a,b", "x\"y\"", "\"q\""], quoted.FeatureNames);
    }

    [Fact]
    public async Task Ndjson_LoneSurrogateKeyOnLineOne_IsAFrameSourceException()
    {
        var bytes = "{\"a\\ud800\":1}\n{\"a\":2}\n"u8.ToArray();
        var ex = await Assert.ThrowsAsync<FrameSourceException>(() => ReplaySource.OpenNdjsonAsync(new MemoryStream(bytes)));
        Assert.StartsWith("NDJSON line 1 has a key that is not valid text", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("negative-input-dimension.onnx", "input 'features' dimension 1 is -2 (a fixed dimension must be >= 0)")]
    [InlineData("min-int64-output-dimension.onnx", "is -9223372036854775808 (a fixed dimension must be >= 0)")]
    [InlineData("thirteen-million-row-input.onnx", "more than 16777216 elements, too many to bind")]
    public void Model_BadDeclaredShape_IsAnOnnxModelException(string file, string message)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "model", file));
        var ex = Assert.Throws<OnnxModelException>(() => OnnxModelHost.Load(bytes, null, "regression"));
        Assert.True(ex.Message.Contains(message, StringComparison.Ordinal), ex.Message);
    }

    /// <summary>One saved input as a target of its own, so it runs under the runner's watchdog.</summary>
    private sealed class SavedInput(FuzzTarget inner, byte[] input) : FuzzTarget
    {
        public override string Name => inner.Name;

        public override TimeSpan TimeLimit => inner.TimeLimit;

        protected override IReadOnlyList<byte[]> BuildSeeds() => [input];

        public override byte[] Mutate(Random random, byte[] seed) => input;

        public override FuzzOutcome Run(byte[] input) => inner.Run(input);
    }
}
