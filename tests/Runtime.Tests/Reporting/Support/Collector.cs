using System.Buffers;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Receiving;
using MQTTnet;
using MQTTnet.Packets;

namespace EdgeSentinel.Runtime.Tests.Reporting.Support;

/// <summary>A test aggregator: every message the broker receives goes through the Protocol's <see cref="InboundVerifier"/> (committed on accept, like a store would).</summary>
/// <remarks>It sits in the broker's publish interceptor, i.e. before the PUBACK, so stopping the broker loses nothing it acknowledged.</remarks>
internal sealed class Collector
{
    private readonly Lock _lock = new();
    private readonly List<InboundMessage> _accepted = [];
    private readonly List<Rejection> _rejected = [];
    private readonly List<(string Topic, bool Retain, string? ContentType)> _raw = [];

    public Collector(InboundVerifier verifier) => Verifier = verifier;

    public InboundVerifier Verifier { get; }

    public IReadOnlyList<InboundMessage> Accepted
    {
        get
        {
            lock (_lock)
            {
                return [.. _accepted];
            }
        }
    }

    public IReadOnlyList<Rejection> Rejected
    {
        get
        {
            lock (_lock)
            {
                return [.. _rejected];
            }
        }
    }

    public IReadOnlyList<(string Topic, bool Retain, string? ContentType)> Raw
    {
        get
        {
            lock (_lock)
            {
                return [.. _raw];
            }
        }
    }

    public static MessageProperties PropertiesOf(MqttApplicationMessage m)
    {
        string? version = null, encoding = null;
        foreach (var p in m.UserProperties ?? [])
        {
            if (p.Name == WireFormat.VersionProperty)
            {
                version = p.ReadValueAsString();
            }
            else if (p.Name == WireFormat.EncodingProperty)
            {
                encoding = p.ReadValueAsString();
            }
        }

        return new MessageProperties(m.ContentType, version, encoding);
    }

    public void Handle(MqttApplicationMessage m)
    {
        var payload = m.Payload.ToArray();
        lock (_lock)
        {
            _raw.Add((m.Topic, m.Retain, m.ContentType));
            if (Verifier.TryVerify(m.Topic, payload, PropertiesOf(m), out var message, out var rejection))
            {
                Verifier.Commit(message);
                _accepted.Add(message);
            }
            else
            {
                _rejected.Add(rejection with { Message = $"{m.Topic} [{Convert.ToHexString(payload.AsSpan(0, Math.Min(24, payload.Length)))}] {rejection.Message}" });
            }
        }
    }
}
