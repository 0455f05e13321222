using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Payloads;

/// <summary>The JSON body of an alert message: a Monitor <see cref="Alert"/> with its wire names; reading never throws on bad input.</summary>
/// <remarks>
/// <para>Layout (property order as written; read in any order; unknown properties are refused):</para>
/// <code>
/// {"id":"d7-input-drift-0123456789abcdef","device":"d7","modelHash":"…","kind":"input-drift","subject":"inputs",
///  "severity":"warning","state":"raised","firstSample":1000,"lastSample":1255,
///  "raisedAt":"2026-01-31T12:00:00.0000000Z","updatedAt":"2026-01-31T12:00:00.0000000Z",
///  "evidence":{"statistic":"cusum","value":12.5,"threshold":9.8,"falseAlarmRate":1E-06,"falseAlarmUnit":"per sample",
///   "topChannels":[{"channel":"input.x","statistic":"ks","value":0.31,"effectSize":"Infinity"}]}}
/// </code>
/// <para>Doubles that may be infinite (<c>value</c>, <c>effectSize</c>) are written as the strings
/// "Infinity" / "-Infinity"; NaN never appears. Times are UTC with 7 fractional digits (exact round trip).</para>
/// </remarks>
public static class AlertCodec
{
    /// <summary>Writes the JSON body of <paramref name="alert"/>.</summary>
    public static byte[] Encode(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return BodyJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", alert.Id);
            w.WriteString("device", alert.DeviceId);
            w.WriteString("modelHash", alert.ModelHash);
            w.WriteString("kind", AlertKinds.ToWireName(alert.Kind));
            w.WriteString("subject", alert.Subject);
            w.WriteString("severity", AlertSeverities.ToWireName(alert.Severity));
            w.WriteString("state", AlertStates.ToWireName(alert.State));
            w.WriteNumber("firstSample", alert.FirstSample);
            w.WriteNumber("lastSample", alert.LastSample);
            DoubleText.WriteTimestamp(w, "raisedAt", alert.RaisedAt);
            DoubleText.WriteTimestamp(w, "updatedAt", alert.UpdatedAt);
            var e = alert.Evidence;
            w.WriteStartObject("evidence");
            w.WriteString("statistic", e.Statistic);
            DoubleText.WriteDouble(w, "value", e.Value);
            DoubleText.WriteDouble(w, "threshold", e.Threshold);
            DoubleText.WriteDouble(w, "falseAlarmRate", e.FalseAlarmRate);
            w.WriteString("falseAlarmUnit", e.FalseAlarmUnit);
            w.WriteStartArray("topChannels");
            foreach (var c in e.TopChannels)
            {
                w.WriteStartObject();
                w.WriteString("channel", c.Channel);
                w.WriteString("statistic", c.Statistic);
                DoubleText.WriteDouble(w, "value", c.Value);
                DoubleText.WriteDouble(w, "effectSize", c.EffectSize);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>Reads an alert body under <paramref name="limits"/>.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, ProtocolLimits limits, [NotNullWhen(true)] out Alert? alert, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(limits);
        alert = null;
        using var document = BodyJson.TryParse(body, limits, "alert body", out rejection);
        if (document is null)
        {
            return false;
        }

        var r = new JsonBody("alert body");
        var root = document.RootElement;
        if (!Read(r, root, out alert))
        {
            rejection = r.Rejection;
            return false;
        }

        return true;
    }

    /// <summary>Reads the alert in an envelope of kind alert; the alert's device must be the envelope's device (else <see cref="RejectionReason.TopicMismatch"/>).</summary>
    public static bool TryDecode(Envelope envelope, ProtocolLimits limits, [NotNullWhen(true)] out Alert? alert, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        alert = null;
        if (envelope.Kind != TopicKind.Alert)
        {
            rejection = new(RejectionReason.TopicMismatch, $"a {EdgeTopics.KindLevel(envelope.Kind)} envelope does not hold an alert");
            return false;
        }

        if (!TryDecode(envelope.Payload, limits, out alert, out rejection))
        {
            return false;
        }

        if (!string.Equals(alert.DeviceId, envelope.Device, StringComparison.Ordinal))
        {
            rejection = new(RejectionReason.TopicMismatch, $"alert body device '{Identifiers.Sanitize(alert.DeviceId)}' differs from the envelope device '{envelope.Device}'");
            alert = null;
            return false;
        }

        return true;
    }

    private static bool Read(JsonBody r, JsonElement root, [NotNullWhen(true)] out Alert? alert)
    {
        alert = null;
        if (!r.OnlyKnown(root, "body", "id", "device", "modelHash", "kind", "subject", "severity", "state", "firstSample", "lastSample", "raisedAt", "updatedAt", "evidence")
            || !r.String(root, "id", string.Empty, out var id)
            || !r.String(root, "device", string.Empty, out var device)
            || !r.String(root, "modelHash", string.Empty, out var modelHash)
            || !r.String(root, "kind", string.Empty, out var kindName)
            || !r.String(root, "subject", string.Empty, out var subject)
            || !r.String(root, "severity", string.Empty, out var severityName)
            || !r.String(root, "state", string.Empty, out var stateName)
            || !r.Int64(root, "firstSample", string.Empty, 0, out var firstSample)
            || !r.Int64(root, "lastSample", string.Empty, 0, out var lastSample)
            || !r.Timestamp(root, "raisedAt", string.Empty, out var raisedAt)
            || !r.Timestamp(root, "updatedAt", string.Empty, out var updatedAt)
            || !r.Object(root, "evidence", string.Empty, out var ev)
            || !r.OnlyKnown(ev, "evidence", "statistic", "value", "threshold", "falseAlarmRate", "falseAlarmUnit", "topChannels")
            || !r.String(ev, "statistic", "evidence.", out var statistic)
            || !r.Double(ev, "value", "evidence.", out var value)
            || !r.Double(ev, "threshold", "evidence.", out var threshold)
            || !r.Double(ev, "falseAlarmRate", "evidence.", out var falseAlarmRate)
            || !r.String(ev, "falseAlarmUnit", "evidence.", out var falseAlarmUnit)
            || !r.Array(ev, "topChannels", "evidence.", out var channels))
        {
            return false;
        }

        if (!AlertKinds.TryParse(kindName, out var kind))
        {
            return r.Fail(RejectionReason.InvalidField, $"'kind' is '{Identifiers.Sanitize(kindName, 40)}', not an alert kind");
        }

        if (!AlertSeverities.TryParse(severityName, out var severity))
        {
            return r.Fail(RejectionReason.InvalidField, $"'severity' is '{Identifiers.Sanitize(severityName, 40)}', not info, warning or critical");
        }

        if (!AlertStates.TryParse(stateName, out var state))
        {
            return r.Fail(RejectionReason.InvalidField, $"'state' is '{Identifiers.Sanitize(stateName, 40)}', not raised, escalated or cleared");
        }

        var contributions = new List<ChannelContribution>(channels.GetArrayLength());
        var index = 0;
        foreach (var c in channels.EnumerateArray())
        {
            var path = $"evidence.topChannels[{index}].";
            if (c.ValueKind != JsonValueKind.Object)
            {
                return r.Fail(RejectionReason.Malformed, $"'{path[..^1]}' is a {c.ValueKind}, not an object");
            }

            if (!r.OnlyKnown(c, path[..^1], "channel", "statistic", "value", "effectSize")
                || !r.String(c, "channel", path, out var channel)
                || !r.String(c, "statistic", path, out var channelStatistic)
                || !r.Double(c, "value", path, out var channelValue)
                || !r.Double(c, "effectSize", path, out var effectSize))
            {
                return false;
            }

            contributions.Add(new ChannelContribution(channel, channelStatistic, channelValue, effectSize));
            index++;
        }

        try
        {
            var evidence = new AlertEvidence(statistic, value, threshold, falseAlarmRate, falseAlarmUnit, contributions);
            alert = new Alert(id, device, modelHash, kind, subject, severity, state, firstSample, lastSample, raisedAt, updatedAt, evidence);
            return true;
        }
        catch (ArgumentException ex)
        {
            return r.Fail(RejectionReason.InvalidField, $"not a valid alert: {ex.Message}");
        }
    }
}
