using System.Buffers.Binary;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing;

/// <summary>Generic byte-level mutations (libFuzzer-style): bit flips, byte sets, interesting integers, insert/delete/duplicate, splice, truncation, long runs.</summary>
public static class ByteMutator
{
    private static readonly byte[] InterestingBytes = [0, 1, 0x7F, 0x80, 0xFF, 0xFE, 0x20, (byte)'"', (byte)'\\', (byte)',', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)':', (byte)'\n', (byte)'\r', (byte)'-', (byte)'.', (byte)'e', (byte)'0', (byte)'9'];

    private static readonly long[] InterestingIntegers =
    [
        0, 1, -1, 2, 7, 8, 16, 32, 64, 100, 127, 128, 255, 256, 512, 1000, 1024, 4096, 32767, 32768, 65535, 65536,
        100_000, 1_000_000, int.MaxValue, int.MinValue, int.MaxValue - 1, (long)int.MaxValue + 1, uint.MaxValue,
        long.MaxValue, long.MinValue, 1L << 40, -128, -32768, 0x7FF0000000000000, // +Inf as a double
        unchecked((long)0xFFF8000000000000), // NaN
        0x7F800000, // +Inf as a float
    ];

    /// <summary>Applies 1, 2, 4 or 8 stacked random mutations to a copy of <paramref name="input"/>; <paramref name="corpus"/> supplies splice partners.</summary>
    public static byte[] Mutate(Random random, ReadOnlySpan<byte> input, IReadOnlyList<byte[]>? corpus = null, int maxLength = 1 << 22)
    {
        ArgumentNullException.ThrowIfNull(random);
        var buffer = new List<byte>(input.Length + 64);
        buffer.AddRange(input);
        var edits = 1 << random.Next(4);
        for (var e = 0; e < edits; e++)
        {
            MutateOnce(random, buffer, corpus);
            if (buffer.Count > maxLength)
            {
                buffer.RemoveRange(maxLength, buffer.Count - maxLength);
            }
        }

        return [.. buffer];
    }

    /// <summary>Applies one random mutation in place.</summary>
    public static void MutateOnce(Random random, List<byte> b, IReadOnlyList<byte[]>? corpus)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(b);
        if (b.Count == 0)
        {
            b.Add(InterestingBytes[random.Next(InterestingBytes.Length)]);
            return;
        }

        var at = random.Next(b.Count);
        switch (random.Next(13))
        {
            case 0:
                b[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                b[at] = (byte)random.Next(256);
                break;
            case 2:
                b[at] = InterestingBytes[random.Next(InterestingBytes.Length)];
                break;
            case 3:
                WriteInteger(random, b, at);
                break;
            case 4:
                {
                    var n = 1 + random.Next(16);
                    var bytes = new byte[n];
                    random.NextBytes(bytes);
                    b.InsertRange(at, bytes);
                    break;
                }

            case 5:
                b.RemoveRange(at, Math.Min(b.Count - at, 1 + random.Next(random.Next(2) == 0 ? 16 : Math.Max(1, b.Count / 4))));
                break;
            case 6:
                {
                    var length = Math.Min(b.Count - at, 1 + random.Next(64));
                    var chunk = b.GetRange(at, length);
                    b.InsertRange(random.Next(b.Count + 1), chunk);
                    break;
                }

            case 7:
                if (corpus is { Count: > 0 })
                {
                    var other = corpus[random.Next(corpus.Count)];
                    if (other.Length > 0)
                    {
                        var from = random.Next(other.Length);
                        b.RemoveRange(at, b.Count - at);
                        b.AddRange(other.AsSpan(from).ToArray());
                    }
                }

                break;
            case 8:
                b.RemoveRange(at, b.Count - at);
                break;
            case 9:
                {
                    // Small arithmetic on a byte (lengths and counts are often single bytes or low bytes).
                    b[at] = (byte)(b[at] + random.Next(-8, 9));
                    break;
                }

            case 10:
                {
                    var length = Math.Min(b.Count - at, 1 + random.Next(32));
                    var chunk = b.GetRange(at, length);
                    var to = random.Next(b.Count);
                    for (var k = 0; k < chunk.Count && to + k < b.Count; k++)
                    {
                        b[to + k] = chunk[k];
                    }

                    break;
                }

            case 11:
                {
                    // A long run: long strings, long numbers, deep brackets.
                    var value = random.Next(2) == 0 ? b[at] : InterestingBytes[random.Next(InterestingBytes.Length)];
                    var n = 1 << random.Next(4, 17);
                    b.InsertRange(at, Enumerable.Repeat(value, n));
                    break;
                }

            default:
                {
                    // Swap two bytes.
                    var other = random.Next(b.Count);
                    (b[at], b[other]) = (b[other], b[at]);
                    break;
                }
        }
    }

    private static void WriteInteger(Random random, List<byte> b, int at)
    {
        var value = InterestingIntegers[random.Next(InterestingIntegers.Length)];
        if (random.Next(4) == 0)
        {
            value += random.Next(-2, 3);
        }

        Span<byte> bytes = stackalloc byte[8];
        var width = (1 << random.Next(4)) switch { 1 => 1, 2 => 2, 4 => 4, _ => 8 };
        var bigEndian = random.Next(2) == 0;
        switch (width)
        {
            case 1: bytes[0] = (byte)value; break;
            case 2: if (bigEndian) { BinaryPrimitives.WriteInt16BigEndian(bytes, (short)value); } else { BinaryPrimitives.WriteInt16LittleEndian(bytes, (short)value); } break;
            case 4: if (bigEndian) { BinaryPrimitives.WriteInt32BigEndian(bytes, (int)value); } else { BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value); } break;
            default: if (bigEndian) { BinaryPrimitives.WriteInt64BigEndian(bytes, value); } else { BinaryPrimitives.WriteInt64LittleEndian(bytes, value); } break;
        }

        for (var k = 0; k < width && at + k < b.Count; k++)
        {
            b[at + k] = bytes[k];
        }
    }
}
