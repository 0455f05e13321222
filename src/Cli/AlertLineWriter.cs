using System.Text;
using System.Text.Json;
using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Cli;

/// <summary>Writes one JSON object per alert transition (JSON Lines); non-finite numbers become strings.</summary>
internal sealed class AlertLineWriter(TextWriter writer)
{
    public void Write(AlertTransition transition, long sampleIndex)
    {
        var alert = transition.Alert;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", alert.Id);
            json.WriteString("kind", AlertKinds.ToWireName(alert.Kind));
            json.WriteString("severity", AlertSeverities.ToWireName(alert.Severity));
            json.WriteString("state", AlertStates.ToWireName(transition.Current));
            json.WriteString("subject", alert.Subject);
            json.WriteNumber("sampleIndex", sampleIndex);
            json.WriteNumber("firstSample", alert.FirstSample);
            json.WriteNumber("lastSample", alert.LastSample);
            json.WriteStartArray("channels");
            foreach (var c in alert.Evidence.TopChannels)
            {
                json.WriteStringValue(c.Channel);
            }

            json.WriteEndArray();
            json.WriteString("statistic", alert.Evidence.Statistic);
            Number(json, "value", alert.Evidence.Value);
            Number(json, "threshold", alert.Evidence.Threshold);
            Number(json, "falseAlarmRate", alert.Evidence.FalseAlarmRate);
            json.WriteString("falseAlarmUnit", alert.Evidence.FalseAlarmUnit);
            json.WriteStartArray("contributions");
            foreach (var c in alert.Evidence.TopChannels)
            {
                json.WriteStartObject();
                json.WriteString("channel", c.Channel);
                json.WriteString("statistic", c.Statistic);
                Number(json, "value", c.Value);
                Number(json, "effectSize", c.EffectSize);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("raisedAt", alert.RaisedAt);
            json.WriteEndObject();
        }

        writer.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteString(name, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}
