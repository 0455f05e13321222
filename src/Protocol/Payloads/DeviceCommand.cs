namespace EdgeSentinel.Protocol.Payloads;

/// <summary>The body of a command message (topic <c>.../cmd</c>), signed with the fleet operator key.</summary>
/// <remarks>Immutable.</remarks>
public sealed record DeviceCommand
{
    /// <summary>Creates a command; throws when a text is blank or the kind undefined.</summary>
    public DeviceCommand(CommandKind command, string id, string issuedBy, string? reason = null)
    {
        if (!Enum.IsDefined(command))
        {
            throw new ArgumentOutOfRangeException(nameof(command), command, "Not a defined CommandKind.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(issuedBy);
        Command = command;
        Id = id;
        IssuedBy = issuedBy;
        Reason = reason;
    }

    /// <summary>What to do.</summary>
    public CommandKind Command { get; }

    /// <summary>The command's id (for logs and acknowledgement in status).</summary>
    public string Id { get; }

    /// <summary>Who issued it (operator name).</summary>
    public string IssuedBy { get; }

    /// <summary>Optional reason text.</summary>
    public string? Reason { get; }
}
