using System.Diagnostics.CodeAnalysis;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Payloads;

/// <summary>The JSON body of a command message; reading never throws on bad input.</summary>
/// <remarks><code>{"command":"clear-interlock","id":"op-42","issuedBy":"alice","reason":"sensor replaced"}</code></remarks>
public static class CommandCodec
{
    /// <summary>Wire name of <paramref name="command"/>.</summary>
    public static string ToWireName(CommandKind command) => command switch
    {
        CommandKind.ClearInterlock => "clear-interlock",
        CommandKind.RunCanaries => "run-canaries",
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Not a defined CommandKind."),
    };

    /// <summary>Parses a wire name (exact, lower case).</summary>
    public static bool TryParse(string? wireName, out CommandKind command)
    {
        switch (wireName)
        {
            case "clear-interlock": command = CommandKind.ClearInterlock; return true;
            case "run-canaries": command = CommandKind.RunCanaries; return true;
            default: command = default; return false;
        }
    }

    /// <summary>Writes the JSON body of <paramref name="command"/>.</summary>
    public static byte[] Encode(DeviceCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return BodyJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("command", ToWireName(command.Command));
            w.WriteString("id", command.Id);
            w.WriteString("issuedBy", command.IssuedBy);
            if (command.Reason is not null)
            {
                w.WriteString("reason", command.Reason);
            }

            w.WriteEndObject();
        });
    }

    /// <summary>Reads a command body under <paramref name="limits"/>.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, ProtocolLimits limits, [NotNullWhen(true)] out DeviceCommand? command, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(limits);
        command = null;
        using var document = BodyJson.TryParse(body, limits, "command body", out rejection);
        if (document is null)
        {
            return false;
        }

        var r = new JsonBody("command body");
        var root = document.RootElement;
        if (!r.OnlyKnown(root, "body", "command", "id", "issuedBy", "reason")
            || !r.String(root, "command", string.Empty, out var name)
            || !r.String(root, "id", string.Empty, out var id)
            || !r.String(root, "issuedBy", string.Empty, out var issuedBy)
            || !r.OptionalString(root, "reason", string.Empty, out var reason))
        {
            rejection = r.Rejection;
            return false;
        }

        if (!TryParse(name, out var kind))
        {
            rejection = new(RejectionReason.InvalidField, $"command body: 'command' is '{Identifiers.Sanitize(name, 40)}', not clear-interlock or run-canaries");
            return false;
        }

        command = new DeviceCommand(kind, id, issuedBy, reason);
        return true;
    }

    /// <summary>Reads the command in an envelope of kind cmd.</summary>
    public static bool TryDecode(Envelope envelope, ProtocolLimits limits, [NotNullWhen(true)] out DeviceCommand? command, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Kind != TopicKind.Command)
        {
            command = null;
            rejection = new(RejectionReason.TopicMismatch, $"a {EdgeTopics.KindLevel(envelope.Kind)} envelope does not hold a command");
            return false;
        }

        return TryDecode(envelope.Payload, limits, out command, out rejection);
    }
}
