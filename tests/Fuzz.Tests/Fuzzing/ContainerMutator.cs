using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing;

/// <summary>Mutates the payload of a Monitor checksummed container (20-byte header, payload, SHA-256) and usually re-seals it, so the mutation reaches the payload parser instead of stopping at the checksum.</summary>
public static class ContainerMutator
{
    private const int Header = 20;
    private const int Checksum = 32;

    /// <summary>Mutates <paramref name="container"/>: 80% payload mutations with the length and checksum fixed, 20% raw byte mutations of the whole file.</summary>
    public static byte[] Mutate(Random random, byte[] container, IReadOnlyList<byte[]>? corpus = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(container);
        if (container.Length < Header + Checksum || random.Next(5) == 0)
        {
            return ByteMutator.Mutate(random, container, corpus);
        }

        var payload = container.AsSpan(Header, container.Length - Header - Checksum);
        var mutated = random.Next(3) == 0 ? LocalMutation(random, payload) : ByteMutator.Mutate(random, payload);
        return Seal(container.AsSpan(0, Header), mutated);
    }

    /// <summary>Wraps a payload with the header's magic, version and flags, its length and its SHA-256.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        var file = new byte[Header + payload.Length + Checksum];
        header[..12].CopyTo(file);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(12), payload.Length);
        payload.CopyTo(file.AsSpan(Header));
        SHA256.HashData(file.AsSpan(0, Header + payload.Length), file.AsSpan(Header + payload.Length));
        return file;
    }

    /// <summary>Overwrites one aligned 4- or 8-byte field with an interesting value (counts, lengths, doubles).</summary>
    private static byte[] LocalMutation(Random random, ReadOnlySpan<byte> payload)
    {
        var bytes = payload.ToArray();
        if (bytes.Length < 8)
        {
            return bytes;
        }

        var at = random.Next(bytes.Length - 8);
        switch (random.Next(8))
        {
            case 0: BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), -1); break;
            case 1: BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), int.MaxValue); break;
            case 2: BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at)) + random.Next(-3, 4)); break;
            case 3: BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(at), double.NaN); break;
            case 4: BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(at), double.PositiveInfinity); break;
            case 5: BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(at), -BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(at))); break;
            case 6: BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), long.MinValue); break;
            default: BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), float.NaN); break;
        }

        return bytes;
    }
}
