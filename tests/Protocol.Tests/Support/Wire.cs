using System.Text;
using EdgeSentinel.Protocol.Envelopes;
using EdgeSentinel.Protocol.Topics;

namespace EdgeSentinel.Protocol.Tests.Support;

/// <summary>Sealed and encoded messages for tests.</summary>
internal static class Wire
{
    public const string Fleet = "fleet-1";
    public const string Device = "dev-7";

    public static readonly SigningKey DeviceKey = SigningKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    public static readonly SigningKey OperatorKey = SigningKey.FromBytes(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());
    public static readonly DateTimeOffset Now = new(2026, 11, 24, 3, 30, 0, TimeSpan.Zero);

    public static TopicAddress Address(TopicKind kind, string device = Device) => EdgeTopics.Address(Fleet, device, kind);

    public static byte[] Encode(TopicKind kind, long sequence, ReadOnlySpan<byte> body, DateTimeOffset? timestamp = null, SigningKey? key = null, string device = Device) =>
        EnvelopeCodec.Encode(Envelope.Seal(key ?? DeviceKey, Address(kind, device), sequence, timestamp ?? Now, body));

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static MessageProperties Props(TopicKind kind) => WireFormat.PropertiesFor(kind);
}
