using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Payloads;
using EdgeSentinel.Protocol.Receiving;
using EdgeSentinel.Protocol.Tests.Support;
using EdgeSentinel.Protocol.Topics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeSentinel.Protocol.Tests.Receiving;

/// <summary>Seeded random mutations of valid messages: decoding never throws, and whatever is accepted re-encodes.</summary>
public sealed class CodecFuzzTests
{
    private const int Iterations = 12_000;
    private static readonly byte[] Interesting = "{}[]\":,\\-+.0123456789eEtfn \u0000\u00ff"u8.ToArray();

    /// <summary>One to four random byte edits (flip, replace, insert, delete, truncate, repeat a run).</summary>
    internal static byte[] Mutate(Random random, byte[] original)
    {
        var bytes = new List<byte>(original);
        var edits = 1 + random.Next(4);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes[at] = Interesting[random.Next(Interesting.Length)]; break;
                case 2: bytes.Insert(at, Interesting[random.Next(Interesting.Length)]); break;
                case 3: bytes.RemoveAt(at); break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;
                case 5:
                    var length = Math.Min(bytes.Count - at, 1 + random.Next(16));
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
                default: bytes[at] = (byte)random.Next(256); break;
            }
        }

        return [.. bytes];
    }

    [Fact]
    public void InboundVerifier_MutatedMessages_NeverThrow()
    {
        var time = new FakeTimeProvider(Wire.Now);
        var verifier = new InboundVerifier(a => a.Kind == TopicKind.Command ? Wire.OperatorKey : Wire.DeviceKey, new ReplayGuard(time));
        var fingerprint = FingerprintReportCodec.Encode(new FingerprintReport(TestFingerprints.ModelHash, Wire.Now, Wire.Now, 1, TestFingerprints.Training));
        var samples = new (TopicKind Kind, byte[] Bytes)[]
        {
            (TopicKind.Alert, Wire.Encode(TopicKind.Alert, 3, AlertCodec.Encode(TestAlerts.Sample()))),
            (TopicKind.Status, Wire.Encode(TopicKind.Status, 3, StatusCodec.Encode(new StatusReport(DeviceState.Online, 2, 1, 2, 3, 4, "x")))),
            (TopicKind.Command, Wire.Encode(TopicKind.Command, 3, CommandCodec.Encode(new DeviceCommand(CommandKind.ClearInterlock, "1", "a")), key: Wire.OperatorKey)),
            (TopicKind.Fingerprint, Wire.Encode(TopicKind.Fingerprint, 3, fingerprint)),
        };
        var random = new Random(20261124);
        var reasons = new Dictionary<RejectionReason, int>();
        var accepted = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var (kind, bytes) = samples[i % samples.Length];
            var mutated = Mutate(random, bytes);
            var topic = Wire.Address(kind).Topic;
            if (verifier.TryVerify(topic, mutated, default, out var message, out var rejection))
            {
                accepted++;
                Assert.True(message.Envelope.VerifySignature(kind == TopicKind.Command ? Wire.OperatorKey : Wire.DeviceKey));
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(rejection.Message));
                reasons[rejection.Reason] = reasons.GetValueOrDefault(rejection.Reason) + 1;
            }
        }

        // Mutations almost never keep a valid signature; several distinct reasons must have fired.
        Assert.True(accepted < Iterations / 100, $"{accepted} mutated messages accepted");
        Assert.True(reasons.Count >= 4, string.Join(", ", reasons));
    }

    [Fact]
    public void BodyDecoders_MutatedBodies_NeverThrow()
    {
        var alert = AlertCodec.Encode(TestAlerts.Sample());
        var status = StatusCodec.Encode(new StatusReport(DeviceState.Offline, 9, 1, 2, 3, 4, "last will"));
        var command = CommandCodec.Encode(new DeviceCommand(CommandKind.RunCanaries, "op", "bob", "why"));
        var fingerprint = FingerprintReportCodec.Encode(new FingerprintReport(TestFingerprints.ModelHash, Wire.Now, Wire.Now, 1, TestFingerprints.Training));
        var random = new Random(42);
        var acceptedAlerts = 0;
        for (var i = 0; i < Iterations; i++)
        {
            switch (i % 4)
            {
                case 0:
                    if (AlertCodec.TryDecode(Mutate(random, alert), ProtocolLimits.Default, out var a, out _))
                    {
                        acceptedAlerts++;
                        Assert.True(AlertCodec.TryDecode(AlertCodec.Encode(a), ProtocolLimits.Default, out var again, out _));
                        Assert.Equal(a, again);
                    }

                    break;
                case 1:
                    StatusCodec.TryDecode(Mutate(random, status), ProtocolLimits.Default, out _, out _);
                    break;
                case 2:
                    CommandCodec.TryDecode(Mutate(random, command), ProtocolLimits.Default, out _, out _);
                    break;
                default:
                    FingerprintReportCodec.TryDecode(Mutate(random, fingerprint), ProtocolLimits.Default, out _, out _);
                    break;
            }
        }

        Assert.True(acceptedAlerts < Iterations / 4);
    }

    [Fact]
    public void TopicParser_RandomStrings_NeverThrow()
    {
        var random = new Random(7);
        const string alphabet = "edgsntil/v12+#$ .-_aé\u0000";
        for (var i = 0; i < Iterations; i++)
        {
            var chars = new char[random.Next(0, 40)];
            for (var c = 0; c < chars.Length; c++)
            {
                chars[c] = alphabet[random.Next(alphabet.Length)];
            }

            var topic = random.Next(3) == 0 ? "edgesentinel/v1/" + new string(chars) : new string(chars);
            if (EdgeTopics.TryParse(topic, out var address, out _))
            {
                Assert.Equal(topic, address.Topic);
            }
        }
    }
}
