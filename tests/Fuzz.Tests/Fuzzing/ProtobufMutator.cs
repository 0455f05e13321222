namespace EdgeSentinel.Fuzz.Tests.Fuzzing;

/// <summary>Protobuf wire-format-aware mutations: parses fields (recursing into length-delimited fields that parse as messages), edits one field (interesting varint, deleted, duplicated, swapped, bytes mutated) and re-serializes with correct lengths.</summary>
public static class ProtobufMutator
{
    private static readonly ulong[] Varints =
    [
        0, 1, 2, 3, 7, 8, 13, 16, 127, 128, 255, 256, 1000, 65535, 65536, int.MaxValue, (ulong)int.MaxValue + 1, uint.MaxValue,
        (ulong)uint.MaxValue + 1, long.MaxValue, ulong.MaxValue, unchecked((ulong)-1L), unchecked((ulong)-2L), 1UL << 40, 1UL << 62,
    ];

    /// <summary>Mutates a protobuf message; falls back to byte mutations when it does not parse.</summary>
    public static byte[] Mutate(Random random, byte[] message, IReadOnlyList<byte[]>? corpus = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(message);
        if (random.Next(4) == 0 || !TryParse(message, 0, out var fields))
        {
            return ByteMutator.Mutate(random, message, corpus);
        }

        var edits = 1 + random.Next(3);
        for (var e = 0; e < edits; e++)
        {
            var all = new List<(List<Field> Owner, int Index)>();
            Collect(fields, all);
            if (all.Count == 0)
            {
                break;
            }

            var (owner, index) = all[random.Next(all.Count)];
            Edit(random, owner, index);
        }

        return Write(fields);
    }

    private static void Edit(Random random, List<Field> owner, int index)
    {
        var f = owner[index];
        switch (random.Next(7))
        {
            case 0:
                owner.RemoveAt(index);
                break;
            case 1:
                owner.Insert(index, f.Clone());
                break;
            case 2 when owner.Count > 1:
                {
                    var other = random.Next(owner.Count);
                    (owner[index], owner[other]) = (owner[other], owner[index]);
                    break;
                }

            case 3:
            case 4:
                if (f.WireType == 0)
                {
                    f.Varint = Varints[random.Next(Varints.Length)] + (random.Next(4) == 0 ? (ulong)random.Next(-2, 3) : 0);
                }
                else if (f.WireType == 2 && f.Children is null)
                {
                    f.Bytes = ByteMutator.Mutate(random, f.Bytes ?? []);
                }
                else if (f.Children is not null)
                {
                    // Turn a message into opaque bytes and mutate them.
                    f.Bytes = ByteMutator.Mutate(random, Write(f.Children));
                    f.Children = null;
                }

                break;
            case 5:
                // Change the field number to a neighbour (a field of another meaning, same wire type).
                f.Number = Math.Max(1, f.Number + random.Next(-2, 3));
                break;
            default:
                if (f.WireType == 2 && f.Children is null && f.Bytes is { } bytes)
                {
                    // Strings: empty, very long, or non-UTF-8.
                    f.Bytes = random.Next(3) switch
                    {
                        0 => [],
                        1 => [.. Enumerable.Repeat((byte)'x', 1 << random.Next(8, 16))],
                        _ => [.. bytes, 0xFF, 0xC0],
                    };
                }
                else if (f.WireType is 5 or 1)
                {
                    f.Varint = Varints[random.Next(Varints.Length)];
                }

                break;
        }
    }

    private static void Collect(List<Field> fields, List<(List<Field>, int)> all)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            all.Add((fields, i));
            if (fields[i].Children is { } children)
            {
                Collect(children, all);
            }
        }
    }

    private static bool TryParse(ReadOnlySpan<byte> data, int depth, out List<Field> fields)
    {
        fields = [];
        var at = 0;
        while (at < data.Length)
        {
            if (!TryVarint(data, ref at, out var key) || key >> 3 == 0 || key >> 3 > int.MaxValue)
            {
                return false;
            }

            var field = new Field { Number = (int)(key >> 3), WireType = (int)(key & 7) };
            switch (field.WireType)
            {
                case 0:
                    if (!TryVarint(data, ref at, out var v))
                    {
                        return false;
                    }

                    field.Varint = v;
                    break;
                case 1:
                    if (data.Length - at < 8)
                    {
                        return false;
                    }

                    field.Varint = BitConverter.ToUInt64(data.Slice(at, 8));
                    at += 8;
                    break;
                case 5:
                    if (data.Length - at < 4)
                    {
                        return false;
                    }

                    field.Varint = BitConverter.ToUInt32(data.Slice(at, 4));
                    at += 4;
                    break;
                case 2:
                    if (!TryVarint(data, ref at, out var length) || length > (ulong)(data.Length - at))
                    {
                        return false;
                    }

                    var payload = data.Slice(at, (int)length);
                    at += (int)length;
                    if (depth < 12 && payload.Length > 0 && TryParse(payload, depth + 1, out var children))
                    {
                        field.Children = children;
                    }
                    else
                    {
                        field.Bytes = payload.ToArray();
                    }

                    break;
                default:
                    return false;
            }

            fields.Add(field);
        }

        return true;
    }

    private static bool TryVarint(ReadOnlySpan<byte> data, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && at < data.Length; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] Write(List<Field> fields)
    {
        var output = new List<byte>();
        foreach (var f in fields)
        {
            WriteVarint(output, ((ulong)f.Number << 3) | (uint)f.WireType);
            switch (f.WireType)
            {
                case 0: WriteVarint(output, f.Varint); break;
                case 1: output.AddRange(BitConverter.GetBytes(f.Varint)); break;
                case 5: output.AddRange(BitConverter.GetBytes((uint)f.Varint)); break;
                default:
                    var payload = f.Children is { } c ? Write(c) : f.Bytes ?? [];
                    WriteVarint(output, (ulong)payload.Length);
                    output.AddRange(payload);
                    break;
            }
        }

        return [.. output];
    }

    private static void WriteVarint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }

        output.Add((byte)value);
    }

    private sealed class Field
    {
        public int Number { get; set; }

        public int WireType { get; set; }

        public ulong Varint { get; set; }

        public byte[]? Bytes { get; set; }

        public List<Field>? Children { get; set; }

        public Field Clone() => new()
        {
            Number = Number,
            WireType = WireType,
            Varint = Varint,
            Bytes = Bytes,
            Children = Children?.Select(c => c.Clone()).ToList(),
        };
    }
}
