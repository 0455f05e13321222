using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Tests.Sketches;

/// <summary>Reads a serialized object from a reader (BinaryBufferReader is a ref struct, so no Func).</summary>
internal delegate T ReadFunction<out T>(ref BinaryBufferReader reader);

/// <summary>Shared serialization checks: exact round trip, truncation and corruption handling.</summary>
internal static class SerializationAssert
{
    public static byte[] Serialize(Action<BinaryBufferWriter> write)
    {
        var writer = new BinaryBufferWriter();
        write(writer);
        return writer.ToArray();
    }

    public static T Deserialize<T>(byte[] bytes, ReadFunction<T> read)
    {
        var reader = new BinaryBufferReader(bytes, "test");
        var value = read(ref reader);
        reader.EnsureEnd();
        return value;
    }

    /// <summary>Every strict prefix of <paramref name="bytes"/> must fail with MonitorFormatException.</summary>
    public static void EveryTruncationFails<T>(byte[] bytes, ReadFunction<T> read)
    {
        var step = Math.Max(1, bytes.Length / 400);
        for (var length = 0; length < bytes.Length; length += length < 64 ? 1 : step)
        {
            var prefix = bytes.AsSpan(0, length).ToArray();
            var exception = Record.Exception(() =>
            {
                var reader = new BinaryBufferReader(prefix, "test");
                read(ref reader);
            });
            Assert.True(exception is MonitorFormatException, $"prefix of {length}/{bytes.Length} bytes gave {exception?.GetType().Name ?? "no exception"}");
        }
    }

    /// <summary>
    /// Corrupts bytes (single positions set to several patterns, plus random multi-byte damage):
    /// reading must either throw MonitorFormatException or yield an object that <paramref name="use"/>
    /// can exercise without any exception.
    /// </summary>
    public static int CorruptionsFailOnlyWithFormatException<T>(byte[] bytes, ReadFunction<T> read, Action<T> use, ulong seed = 7)
    {
        var random = new EdgeSentinel.Monitor.Randomness.SplitMix64(seed);
        var rejected = 0;
        var patterns = new byte[] { 0x00, 0xFF, 0x80, 0x7F, 0x01 };
        var step = Math.Max(1, bytes.Length / 300);
        for (var position = 0; position < bytes.Length; position += position < 96 ? 1 : step)
        {
            foreach (var pattern in patterns)
            {
                rejected += TryCorrupted(bytes, read, use, c => c[position] = (byte)(c[position] ^ (pattern == 0 ? c[position] : pattern)));
            }
        }

        for (var trial = 0; trial < 300; trial++)
        {
            rejected += TryCorrupted(bytes, read, use, c =>
            {
                var damage = 1 + random.NextInt(4);
                for (var i = 0; i < damage; i++)
                {
                    c[random.NextInt(c.Length)] = (byte)random.NextInt(256);
                }
            });
        }

        return rejected;
    }

    private static int TryCorrupted<T>(byte[] bytes, ReadFunction<T> read, Action<T> use, Action<byte[]> corrupt)
    {
        var copy = (byte[])bytes.Clone();
        corrupt(copy);
        T? value = default;
        var readException = Record.Exception(() =>
        {
            var reader = new BinaryBufferReader(copy, "test");
            value = read(ref reader);
        });
        if (readException is not null)
        {
            Assert.True(readException is MonitorFormatException, $"corrupted input gave {readException.GetType().Name}: {readException.Message}");
            return 1;
        }

        var useException = Record.Exception(() => use(value!));
        Assert.True(useException is null, $"an accepted corrupted input failed later with {useException?.GetType().Name}: {useException?.Message}");
        return 0;
    }
}
