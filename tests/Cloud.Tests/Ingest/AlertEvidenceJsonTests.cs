using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeSentinel.Cloud.Ingest;
using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Cloud.Tests.Ingest;

/// <summary>The evidence JSON the store keeps: written without reflection, byte for byte what the reflection-based serializer wrote.</summary>
public sealed class AlertEvidenceJsonTests
{
    /// <summary>The writer used before (reflection over an anonymous type): the reference the new writer must match.</summary>
    private static readonly JsonSerializerOptions ReferenceOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static string Reference(AlertEvidence evidence) => JsonSerializer.Serialize(
        new
        {
            statistic = evidence.Statistic,
            value = evidence.Value,
            threshold = evidence.Threshold,
            falseAlarmRate = evidence.FalseAlarmRate,
            falseAlarmUnit = evidence.FalseAlarmUnit,
            topChannels = evidence.TopChannels.Select(c => new { channel = c.Channel, statistic = c.Statistic, value = c.Value, effectSize = c.EffectSize }),
        },
        ReferenceOptions);

    [Fact]
    public void Write_HandDerivedEvidence_ExactText()
    {
        var evidence = new AlertEvidence("cusum", double.PositiveInfinity, 12.5, 1e-6, "per sample", [new ChannelContribution("input.x", "ks", 0.31, -2)]);

        Assert.Equal(
            """{"statistic":"cusum","value":"Infinity","threshold":12.5,"falseAlarmRate":1E-06,"falseAlarmUnit":"per sample","topChannels":[{"channel":"input.x","statistic":"ks","value":0.31,"effectSize":-2}]}""",
            AlertEvidenceJson.Write(evidence));
    }

    [Fact]
    public void Write_RandomEvidence_SameTextAsTheReflectionSerializer()
    {
        var random = new Random(20261124);
        string[] names = ["ks", "input.x", "a\"b\\c", "<tag>&'", "ünïcødé", "tab\there", "emoji \U0001F600", "+plus", "line\nbreak", "ctl\u0001"];
        double[] specials = [0, -0.0, 1e-300, 5e-324, double.MaxValue, double.MinValue, 1e21, 123456789.123456789, 0.1, double.PositiveInfinity, double.NegativeInfinity];
        double Number(bool finite)
        {
            var v = random.Next(3) == 0 ? specials[random.Next(specials.Length)] : (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-12, 12));
            return finite && !double.IsFinite(v) ? 1.5 : v;
        }

        for (var i = 0; i < 500; i++)
        {
            var channels = Enumerable.Range(0, random.Next(6))
                .Select(_ => new ChannelContribution(names[random.Next(names.Length)], names[random.Next(names.Length)], Number(false), Number(false)))
                .ToList();
            var rate = Math.Abs(Number(true));
            var evidence = new AlertEvidence(names[random.Next(names.Length)], Number(false), Number(true), rate > 0 ? rate : 1e-4, names[random.Next(names.Length)], channels);

            Assert.Equal(Reference(evidence), AlertEvidenceJson.Write(evidence));
        }
    }

    [Fact]
    public void Write_LargeEvidenceThenSmall_NoLeftoverBytes()
    {
        var many = Enumerable.Range(0, 2000).Select(i => new ChannelContribution($"input.{i}", "ks", i, i * 0.5)).ToList();
        var large = new AlertEvidence("min-holm-adjusted-p", 1e-7, 1e-4, 1e-4, "per window", many);
        var small = new AlertEvidence("cusum", 3, 2, 1e-3, "per sample", []);

        Assert.Equal(Reference(large), AlertEvidenceJson.Write(large));
        Assert.Equal("""{"statistic":"cusum","value":3,"threshold":2,"falseAlarmRate":0.001,"falseAlarmUnit":"per sample","topChannels":[]}""", AlertEvidenceJson.Write(small));
    }
}
