using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Protocol;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Topics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing.Targets;

/// <summary>Shared checks of the protocol decoders: they never throw, and a rejection has a defined reason and a specific message.</summary>
internal static class ProtocolOracle
{
    public static FuzzOutcome Rejected(Rejection rejection, string what)
    {
        OracleViolationException.Check(Enum.IsDefined(rejection.Reason), $"{what}: rejection reason {(int)rejection.Reason} is not defined");
        OracleViolationException.CheckMessage(rejection.Message, what);
        return FuzzOutcome.Rejected(rejection.Reason.ToString());
    }

    public static MessageFrame Frame(TopicKind kind, byte[] body, long sequence = 3) =>
        new(SeedValues.Address(kind).Topic, WireFormat.PropertiesFor(kind), EnvelopeCodec.Encode(Envelope.Seal(SeedValues.KeyFor(kind), SeedValues.Address(kind), sequence, SeedValues.Now, body)));

    public static byte[] StatusBody(int variant) => StatusCodec.Encode(variant switch
    {
        0 => new StatusReport(DeviceState.Online, 2, 1, 2, 3, 4, "x"),
        1 => new StatusReport(DeviceState.Offline, 9, 0, 0, 0, 0, "last will"),
        _ => new StatusReport(DeviceState.Online, long.MaxValue, long.MaxValue, 0, 17, 0),
    });

    public static byte[] CommandBody(int variant) => CommandCodec.Encode(variant switch
    {
        0 => new DeviceCommand(CommandKind.ClearInterlock, "op-42", "alice", "sensor replaced"),
        _ => new DeviceCommand(CommandKind.RunCanaries, "1", "b"),
    });

    public static IEnumerable<byte[]> FingerprintBodies()
    {
        yield return FingerprintReportCodec.Encode(new FingerprintReport(SeedValues.Regression.Model.Sha256, SeedValues.Now, SeedValues.Now, 1, SeedValues.Regression.Fingerprint));
        var windows = SeedValues.Windows(SeedValues.Classifier, 2, 5, 0.5);
        yield return FingerprintReportCodec.Encode(new FingerprintReport(SeedValues.Classifier.Model.Sha256, SeedValues.Now.AddMinutes(-5), SeedValues.Now, 2, windows[0].Merge(windows[1])));
    }

    /// <summary>Mutates a fingerprint body: header fields, or the embedded fingerprint with its checksum re-sealed.</summary>
    public static byte[] MutateFingerprintBody(Random random, byte[] body, IReadOnlyList<byte[]> corpus)
    {
        if (random.Next(2) == 0 || body.Length < 30)
        {
            return ByteMutator.Mutate(random, body, corpus);
        }

        var hashLength = body[25];
        var at = 26 + hashLength + 4;
        if (at > body.Length)
        {
            return ByteMutator.Mutate(random, body, corpus);
        }

        var inner = ContainerMutator.Mutate(random, body[at..]);
        var result = new byte[at + inner.Length];
        body.AsSpan(0, at).CopyTo(result);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(at - 4), random.Next(8) == 0 ? (uint)random.Next() : (uint)inner.Length);
        inner.CopyTo(result.AsSpan(at));
        return result;
    }
}

/// <summary>EnvelopeCodec.TryDecode on a topic, properties and message; an accepted envelope must re-encode to one that decodes the same.</summary>
public sealed class EnvelopeTarget : FuzzTarget
{
    /// <inheritdoc/>
    public override string Name => "envelope";

    /// <inheritdoc/>
    protected override IReadOnlyList<byte[]> BuildSeeds() =>
    [
        .. SeedValues.Alerts().Select(a => ProtocolOracle.Frame(TopicKind.Alert, AlertCodec.Encode(a)).ToBytes()),
        ProtocolOracle.Frame(TopicKind.Status, ProtocolOracle.StatusBody(0)).ToBytes(),
        ProtocolOracle.Frame(TopicKind.Command, ProtocolOracle.CommandBody(0)).ToBytes(),
        .. ProtocolOracle.FingerprintBodies().Select(b => ProtocolOracle.Frame(TopicKind.Fingerprint, b).ToBytes()),
        new MessageFrame(SeedValues.Address(TopicKind.Status).Topic, default, EnvelopeCodec.Encode(Envelope.Seal(SeedValues.DeviceKey, SeedValues.Address(TopicKind.Status), long.MaxValue, SeedValues.Now, "{}"u8))).ToBytes(),
    ];

    /// <inheritdoc/>
    public override byte[] Mutate(Random random, byte[] seed)
    {
        var frame = MessageFrame.Parse(seed);
        switch (random.Next(10))
        {
            case 0:
                return (frame with { Topic = MutateText(random, frame.Topic ?? string.Empty) }).ToBytes();
            case 1:
                return (frame with { Properties = MutateProperties(random, frame.Properties) }).ToBytes();
            default:
                var json = frame.Message.Length > 0 && frame.Message[0] == (byte)'{';
                var message = json && random.Next(2) == 0 ? JsonMutator.Mutate(random, frame.Message) : ByteMutator.Mutate(random, frame.Message);
                return (frame with { Message = message }).ToBytes();
        }
    }

    /// <inheritdoc/>
    public override FuzzOutcome Run(byte[] input)
    {
        var frame = MessageFrame.Parse(input);
        if (!EnvelopeCodec.TryDecode(frame.Topic, frame.Message, frame.Properties, ProtocolLimits.Default, out var envelope, out var rejection))
        {
            return ProtocolOracle.Rejected(rejection, Name);
        }

        var again = EnvelopeCodec.Encode(envelope);
        OracleViolationException.Check(
            EnvelopeCodec.TryDecode(envelope.Topic, again, frame.Properties, ProtocolLimits.Default, out var decoded, out var second),
            $"accepted envelope does not decode after re-encoding: {second}");
        OracleViolationException.Check(
            decoded!.Topic == envelope.Topic && decoded.Sequence == envelope.Sequence && decoded.TimestampMilliseconds == envelope.TimestampMilliseconds
            && decoded.Payload.SequenceEqual(envelope.Payload) && decoded.Signature.SequenceEqual(envelope.Signature),
            "accepted envelope changes when re-encoded");
        return FuzzOutcome.Accepted;
    }

    internal static string MutateText(Random random, string text) => random.Next(6) switch
    {
        0 => string.Empty,
        1 => text + "/x",
        2 => text.Replace("dev-7", random.Next(2) == 0 ? "dev-8" : "d#v", StringComparison.Ordinal),
        3 => text.Length > 0 ? text[..random.Next(text.Length)] : "/",
        4 => text.Replace("v1", "v2", StringComparison.Ordinal),
        _ => System.Text.Encoding.UTF8.GetString(ByteMutator.Mutate(random, System.Text.Encoding.UTF8.GetBytes(text))),
    };

    private static MessageProperties MutateProperties(Random random, MessageProperties p) => random.Next(4) switch
    {
        0 => p with { ContentType = random.Next(2) == 0 ? null : "text/plain" },
        1 => p with { SchemaVersion = random.Next(2) == 0 ? "2" : string.Empty },
        2 => p with { Encoding = random.Next(2) == 0 ? "binary" : "json" },
        _ => default,
    };
}

/// <summary>A body codec: TryDecode on body bytes; an accepted value must re-encode to bytes that decode to an equal value.</summary>
public sealed class BodyTarget<T> : FuzzTarget
    where T : class
{
    private readonly string _name;
    private readonly Func<IReadOnlyList<byte[]>> _seeds;
    private readonly TryDecodeBody _decode;
    private readonly Func<T, byte[]> _encode;
    private readonly bool _binary;

    /// <summary>Creates the target.</summary>
    public BodyTarget(string name, Func<IReadOnlyList<byte[]>> seeds, TryDecodeBody decode, Func<T, byte[]> encode, bool binary)
    {
        _name = name;
        _seeds = seeds;
        _decode = decode;
        _encode = encode;
        _binary = binary;
    }

    /// <summary>The codec's TryDecode.</summary>
    public delegate bool TryDecodeBody(ReadOnlySpan<byte> body, ProtocolLimits limits, out T? value, out Rejection rejection);

    /// <inheritdoc/>
    public override string Name => _name;

    /// <inheritdoc/>
    protected override IReadOnlyList<byte[]> BuildSeeds() => _seeds();

    /// <inheritdoc/>
    public override byte[] Mutate(Random random, byte[] seed) =>
        _binary ? ProtocolOracle.MutateFingerprintBody(random, seed, Seeds) : JsonMutator.Mutate(random, seed, Seeds);

    /// <inheritdoc/>
    public override FuzzOutcome Run(byte[] input)
    {
        if (!_decode(input, ProtocolLimits.Default, out var value, out var rejection))
        {
            OracleViolationException.Check(value is null, $"{Name}: rejected but returned a value");
            return ProtocolOracle.Rejected(rejection, Name);
        }

        OracleViolationException.Check(value is not null, $"{Name}: accepted without a value");
        var encoded = _encode(value!);
        OracleViolationException.Check(_decode(encoded, ProtocolLimits.Default, out var again, out var second), $"{Name}: accepted value does not decode after re-encoding: {second}");
        var equal = _binary ? _encode(again!).AsSpan().SequenceEqual(encoded) : Equals(value, again);
        OracleViolationException.Check(equal, $"{Name}: accepted value changes when re-encoded");
        return FuzzOutcome.Accepted;
    }
}

/// <summary>Factory of the four body targets.</summary>
public static class BodyTargets
{
    /// <summary>Alert bodies.</summary>
    public static FuzzTarget Alert() => new BodyTarget<Alert>("alert-body", () => [.. SeedValues.Alerts().Select(AlertCodec.Encode)], AlertCodec.TryDecode, AlertCodec.Encode, binary: false);

    /// <summary>Status bodies.</summary>
    public static FuzzTarget Status() => new BodyTarget<StatusReport>("status-body", () => [.. Enumerable.Range(0, 3).Select(ProtocolOracle.StatusBody)], StatusCodec.TryDecode, StatusCodec.Encode, binary: false);

    /// <summary>Command bodies.</summary>
    public static FuzzTarget Command() => new BodyTarget<DeviceCommand>("command-body", () => [.. Enumerable.Range(0, 2).Select(ProtocolOracle.CommandBody)], CommandCodec.TryDecode, CommandCodec.Encode, binary: false);

    /// <summary>Fingerprint report bodies.</summary>
    public static FuzzTarget Fingerprint() => new BodyTarget<FingerprintReport>("fingerprint-body", () => [.. ProtocolOracle.FingerprintBodies()], FingerprintReportCodec.TryDecode, FingerprintReportCodec.Encode, binary: true);
}

/// <summary>InboundVerifier.TryVerify, the whole receiving pipeline; most inputs carry a mutated body that is correctly signed, so they reach the body decoders and the replay guard.</summary>
public sealed class VerifierTarget : FuzzTarget
{
    private readonly InboundVerifier _verifier = new(a => a.Kind == TopicKind.Command ? SeedValues.OperatorKey : a.Device == SeedValues.Device ? SeedValues.DeviceKey : null, new ReplayGuard(new FakeTimeProvider(SeedValues.Now)));

    /// <inheritdoc/>
    public override string Name => "verifier";

    /// <inheritdoc/>
    protected override IReadOnlyList<byte[]> BuildSeeds() =>
    [
        .. SeedValues.Alerts().Select(a => ProtocolOracle.Frame(TopicKind.Alert, AlertCodec.Encode(a)).ToBytes()),
        .. Enumerable.Range(0, 3).Select(v => ProtocolOracle.Frame(TopicKind.Status, ProtocolOracle.StatusBody(v), v == 2 ? long.MaxValue : 3).ToBytes()),
        .. Enumerable.Range(0, 2).Select(v => ProtocolOracle.Frame(TopicKind.Command, ProtocolOracle.CommandBody(v)).ToBytes()),
        .. ProtocolOracle.FingerprintBodies().Select(b => ProtocolOracle.Frame(TopicKind.Fingerprint, b).ToBytes()),
    ];

    /// <inheritdoc/>
    public override byte[] Mutate(Random random, byte[] seed)
    {
        var frame = MessageFrame.Parse(seed);
        if (random.Next(4) == 0 || !EnvelopeCodec.TryDecode(frame.Topic, frame.Message, frame.Properties, out var envelope, out _))
        {
            return (frame with { Message = ByteMutator.Mutate(random, frame.Message) }).ToBytes();
        }

        // Re-seal a mutated body (and sometimes a mutated sequence or time) with the right key.
        var body = envelope.Payload.ToArray();
        body = envelope.Kind == TopicKind.Fingerprint ? ProtocolOracle.MutateFingerprintBody(random, body, []) : JsonMutator.Mutate(random, body);
        var sequence = random.Next(8) == 0 ? new[] { 1L, 2L, long.MaxValue, 1L << 53 }[random.Next(4)] : envelope.Sequence;
        var time = random.Next(8) == 0 ? SeedValues.Now.AddSeconds(new[] { -86_400d, -600, 600, 1e7, -1e9 }[random.Next(5)]) : SeedValues.Now;
        if (envelope.Kind != TopicKind.Fingerprint)
        {
            try
            {
                // A JSON envelope embeds the body verbatim, so the body must stay one JSON value to be sealed; else it is sent raw.
                return (frame with { Message = EnvelopeCodec.Encode(Envelope.Seal(SeedValues.KeyFor(envelope.Kind), envelope.Address, sequence, time, body)) }).ToBytes();
            }
            catch (ArgumentException)
            {
                return (frame with { Message = ByteMutator.Mutate(random, frame.Message) }).ToBytes();
            }
        }

        return (frame with { Message = EnvelopeCodec.Encode(Envelope.Seal(SeedValues.KeyFor(envelope.Kind), envelope.Address, sequence, time, body)) }).ToBytes();
    }

    /// <inheritdoc/>
    public override FuzzOutcome Run(byte[] input)
    {
        var frame = MessageFrame.Parse(input);
        if (!_verifier.TryVerify(frame.Topic, frame.Message, frame.Properties, out var message, out var rejection))
        {
            return ProtocolOracle.Rejected(rejection, Name);
        }

        var envelope = message.Envelope;
        OracleViolationException.Check(envelope.VerifySignature(SeedValues.KeyFor(envelope.Kind)), "verifier: accepted a message whose signature does not verify");
        var ok = envelope.Kind switch
        {
            TopicKind.Alert => message.Alert is { } a && a.DeviceId == envelope.Device && AlertCodec.TryDecode(AlertCodec.Encode(a), ProtocolLimits.Default, out var a2, out _) && a2 == a,
            TopicKind.Status => message.Status is { } s && StatusCodec.TryDecode(StatusCodec.Encode(s), ProtocolLimits.Default, out var s2, out _) && s2 == s,
            TopicKind.Command => message.Command is { } c && CommandCodec.TryDecode(CommandCodec.Encode(c), ProtocolLimits.Default, out var c2, out _) && c2 == c,
            _ => message.Fingerprint is not null,
        };
        OracleViolationException.Check(ok, $"verifier: accepted {envelope.Kind} whose body is missing or does not round-trip");
        return FuzzOutcome.Accepted;
    }
}
