using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Cloud.Ingest;

/// <summary>Writes an alert's evidence as the JSON kept in the store (±∞ as "Infinity"/"-Infinity").</summary>
internal static class AlertEvidenceJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Write(AlertEvidence evidence) => JsonSerializer.Serialize(
        new
        {
            statistic = evidence.Statistic,
            value = evidence.Value,
            threshold = evidence.Threshold,
            falseAlarmRate = evidence.FalseAlarmRate,
            falseAlarmUnit = evidence.FalseAlarmUnit,
            topChannels = evidence.TopChannels.Select(c => new { channel = c.Channel, statistic = c.Statistic, value = c.Value, effectSize = c.EffectSize }),
        },
        Options);
}
