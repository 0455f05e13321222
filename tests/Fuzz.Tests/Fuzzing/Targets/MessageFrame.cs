using System.Buffers.Binary;
using System.Text;
using EdgeSentinel.Protocol.Envelopes;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing.Targets;

/// <summary>One received MQTT message as a fuzz input file: topic, the three MQTT 5 properties (absent = 0xFFFF) and the payload.</summary>
/// <remarks>Layout: u16 topic length, topic (UTF-8), then content type, version and encoding likewise, then the message bytes to the end.</remarks>
public sealed record MessageFrame(string? Topic, MessageProperties Properties, byte[] Message)
{
    /// <summary>Writes the frame.</summary>
    public byte[] ToBytes()
    {
        var output = new List<byte>();
        foreach (var s in new[] { Topic, Properties.ContentType, Properties.SchemaVersion, Properties.Encoding })
        {
            var bytes = s is null ? null : Encoding.UTF8.GetBytes(s);
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(length, bytes is null ? (ushort)0xFFFF : (ushort)Math.Min(bytes.Length, 0xFFFE));
            output.AddRange(length);
            if (bytes is not null)
            {
                output.AddRange(bytes.AsSpan(0, Math.Min(bytes.Length, 0xFFFE)).ToArray());
            }
        }

        output.AddRange(Message);
        return [.. output];
    }

    /// <summary>Reads a frame written by <see cref="ToBytes"/>.</summary>
    public static MessageFrame Parse(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var at = 0;
        string? Next()
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at));
            at += 2;
            if (length == 0xFFFF)
            {
                return null;
            }

            var s = Encoding.UTF8.GetString(bytes, at, length);
            at += length;
            return s;
        }

        var topic = Next();
        var properties = new MessageProperties(Next(), Next(), Next());
        return new MessageFrame(topic, properties, bytes[at..]);
    }
}
