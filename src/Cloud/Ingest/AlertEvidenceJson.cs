using System.Buffers;
using System.Text;
using System.Text.Json;
using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Cloud.Ingest;

/// <summary>Writes an alert's evidence as the JSON kept in the store (±∞ as "Infinity"/"-Infinity").</summary>
/// <remarks>
/// Written with <see cref="Utf8JsonWriter"/> (no reflection; the buffer and writer are reused per thread). The output is
/// byte for byte what <c>JsonSerializer</c> wrote before for the same evidence (camel-case names in this order, the
/// default encoder's escaping, named floating-point literals as strings); a test keeps the two equal.
/// </remarks>
internal static class AlertEvidenceJson
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static string Write(AlertEvidence evidence)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteString("statistic"u8, evidence.Statistic);
        WriteNumber(writer, "value"u8, evidence.Value);
        WriteNumber(writer, "threshold"u8, evidence.Threshold);
        WriteNumber(writer, "falseAlarmRate"u8, evidence.FalseAlarmRate);
        writer.WriteString("falseAlarmUnit"u8, evidence.FalseAlarmUnit);
        writer.WriteStartArray("topChannels"u8);
        foreach (var channel in evidence.TopChannels)
        {
            writer.WriteStartObject();
            writer.WriteString("channel"u8, channel.Channel);
            writer.WriteString("statistic"u8, channel.Statistic);
            WriteNumber(writer, "value"u8, channel.Value);
            WriteNumber(writer, "effectSize"u8, channel.EffectSize);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        var json = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (buffer.Capacity > 64 * 1024)
        {
            t_buffer = null; // an unusually large evidence: do not keep its buffer for the thread's lifetime
        }

        return json;
    }

    /// <summary>A number, or the named literal as a string for ±∞ and NaN (as <c>JsonNumberHandling.AllowNamedFloatingPointLiterals</c> writes them).</summary>
    private static void WriteNumber(Utf8JsonWriter writer, ReadOnlySpan<byte> name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteString(name, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}
