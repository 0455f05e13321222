using System.Diagnostics.CodeAnalysis;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Payloads;

/// <summary>The JSON body of a status message; reading never throws on bad input.</summary>
/// <remarks>
/// <code>{"state":"online","session":17,"pendingAlerts":0,"pendingFingerprints":2,"outboxDepth":2,"droppedFingerprints":0,"coalescedFingerprints":5,"detail":"connected"}</code>
/// <para><c>outboxFault</c> (optional) says why the device cannot write its outbox, e.g. "disk full: ...".</para>
/// <para><c>outboxDepth</c> is written for readers with mosquitto_sub; on reading it must equal the sum.</para>
/// </remarks>
public static class StatusCodec
{
    /// <summary>Wire name of <paramref name="state"/>.</summary>
    public static string ToWireName(DeviceState state) => state switch
    {
        DeviceState.Online => "online",
        DeviceState.Offline => "offline",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Not a defined DeviceState."),
    };

    /// <summary>Writes the JSON body of <paramref name="status"/>.</summary>
    public static byte[] Encode(StatusReport status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return BodyJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("state", ToWireName(status.State));
            w.WriteNumber("session", status.Session);
            w.WriteNumber("pendingAlerts", status.PendingAlerts);
            w.WriteNumber("pendingFingerprints", status.PendingFingerprints);
            w.WriteNumber("outboxDepth", status.OutboxDepth);
            w.WriteNumber("droppedFingerprints", status.DroppedFingerprints);
            w.WriteNumber("coalescedFingerprints", status.CoalescedFingerprints);
            if (status.Detail is not null)
            {
                w.WriteString("detail", status.Detail);
            }

            if (status.OutboxFault is not null)
            {
                w.WriteString("outboxFault", status.OutboxFault);
            }

            w.WriteEndObject();
        });
    }

    /// <summary>Reads a status body under <paramref name="limits"/>.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, ProtocolLimits limits, [NotNullWhen(true)] out StatusReport? status, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(limits);
        status = null;
        using var document = BodyJson.TryParse(body, limits, "status body", out rejection);
        if (document is null)
        {
            return false;
        }

        var r = new JsonBody("status body");
        var root = document.RootElement;
        if (!r.OnlyKnown(root, "body", "state", "session", "pendingAlerts", "pendingFingerprints", "outboxDepth", "droppedFingerprints", "coalescedFingerprints", "detail", "outboxFault")
            || !r.String(root, "state", string.Empty, out var stateName)
            || !r.Int64(root, "session", string.Empty, 1, out var session)
            || !r.Int64(root, "pendingAlerts", string.Empty, 0, out var pendingAlerts)
            || !r.Int64(root, "pendingFingerprints", string.Empty, 0, out var pendingFingerprints)
            || !r.Int64(root, "outboxDepth", string.Empty, 0, out var depth)
            || !r.Int64(root, "droppedFingerprints", string.Empty, 0, out var dropped)
            || !r.Int64(root, "coalescedFingerprints", string.Empty, 0, out var coalesced)
            || !r.OptionalString(root, "detail", string.Empty, out var detail)
            || !r.OptionalString(root, "outboxFault", string.Empty, out var outboxFault))
        {
            rejection = r.Rejection;
            return false;
        }

        DeviceState state;
        switch (stateName)
        {
            case "online": state = DeviceState.Online; break;
            case "offline": state = DeviceState.Offline; break;
            default:
                rejection = new(RejectionReason.InvalidField, $"status body: 'state' is '{Identifiers.Sanitize(stateName, 40)}', not online or offline");
                return false;
        }

        if (pendingAlerts > long.MaxValue - pendingFingerprints || depth != pendingAlerts + pendingFingerprints)
        {
            rejection = new(RejectionReason.InvalidField, $"status body: 'outboxDepth' {depth} is not pendingAlerts + pendingFingerprints ({pendingAlerts} + {pendingFingerprints})");
            return false;
        }

        status = new StatusReport(state, session, pendingAlerts, pendingFingerprints, dropped, coalesced, detail, outboxFault);
        return true;
    }

    /// <summary>Reads the status in an envelope of kind status.</summary>
    public static bool TryDecode(Envelope envelope, ProtocolLimits limits, [NotNullWhen(true)] out StatusReport? status, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Kind != TopicKind.Status)
        {
            status = null;
            rejection = new(RejectionReason.TopicMismatch, $"a {EdgeTopics.KindLevel(envelope.Kind)} envelope does not hold a status");
            return false;
        }

        return TryDecode(envelope.Payload, limits, out status, out rejection);
    }
}
