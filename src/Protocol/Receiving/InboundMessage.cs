using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Receiving;

/// <summary>A message that passed every check: its envelope and its decoded body (exactly one of the body properties is set, by kind).</summary>
/// <remarks>Immutable.</remarks>
public sealed class InboundMessage
{
    internal InboundMessage(Envelope envelope, Alert? alert, StatusReport? status, FingerprintReport? fingerprint, DeviceCommand? command)
    {
        Envelope = envelope;
        Alert = alert;
        Status = status;
        Fingerprint = fingerprint;
        Command = command;
    }

    /// <summary>The verified envelope.</summary>
    public Envelope Envelope { get; }

    /// <summary>Fleet, device and kind.</summary>
    public TopicAddress Address => Envelope.Address;

    /// <summary>The alert, for kind <see cref="TopicKind.Alert"/>.</summary>
    public Alert? Alert { get; }

    /// <summary>The status, for kind <see cref="TopicKind.Status"/>.</summary>
    public StatusReport? Status { get; }

    /// <summary>The fingerprint report, for kind <see cref="TopicKind.Fingerprint"/>.</summary>
    public FingerprintReport? Fingerprint { get; }

    /// <summary>The command, for kind <see cref="TopicKind.Command"/>.</summary>
    public DeviceCommand? Command { get; }
}
