using System.Collections.ObjectModel;
using System.Security.Cryptography;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Baselines;

/// <summary>What a baseline was built for: SHA-256 of the model file and its input/output signature.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class ModelIdentity
{
    /// <summary>Creates an identity from a known hash.</summary>
    public ModelIdentity(string sha256, IEnumerable<TensorSignature> inputs, IEnumerable<TensorSignature> outputs)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit))
        {
            throw new ArgumentException($"Model hash must be 64 hexadecimal characters (SHA-256), got '{sha256}'.", nameof(sha256));
        }

        Sha256 = sha256.ToLowerInvariant();
        Inputs = new ReadOnlyCollection<TensorSignature>([.. inputs]);
        Outputs = new ReadOnlyCollection<TensorSignature>([.. outputs]);
    }

    /// <summary>Hashes the model bytes and records the signature.</summary>
    public static ModelIdentity FromModelBytes(ReadOnlySpan<byte> modelBytes, IEnumerable<TensorSignature> inputs, IEnumerable<TensorSignature> outputs) =>
        new(Convert.ToHexStringLower(SHA256.HashData(modelBytes)), inputs, outputs);

    /// <summary>SHA-256 of the model file, lower-case hex.</summary>
    public string Sha256 { get; }

    /// <summary>Model inputs.</summary>
    public IReadOnlyList<TensorSignature> Inputs { get; }

    /// <summary>Model outputs.</summary>
    public IReadOnlyList<TensorSignature> Outputs { get; }

    /// <summary>Every difference between this (expected) identity and <paramref name="actual"/>; empty when they match.</summary>
    public IReadOnlyList<string> DifferencesFrom(ModelIdentity actual)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var differences = new List<string>();
        if (actual.Sha256 != Sha256)
        {
            differences.Add($"model hash {actual.Sha256[..16]}… differs from the baseline's {Sha256[..16]}…");
        }

        Compare("input", Inputs, actual.Inputs, differences);
        Compare("output", Outputs, actual.Outputs, differences);
        return differences;
    }

    /// <summary>Throws <see cref="ModelIdentityMismatchException"/> unless <paramref name="actual"/> is this model.</summary>
    public void EnsureMatches(ModelIdentity actual)
    {
        var differences = DifferencesFrom(actual);
        if (differences.Count > 0)
        {
            throw new ModelIdentityMismatchException(this, actual, differences);
        }
    }

    internal void WriteTo(BinaryBufferWriter writer)
    {
        writer.WriteString(Sha256);
        Write(Inputs);
        Write(Outputs);

        void Write(IReadOnlyList<TensorSignature> list)
        {
            writer.WriteInt32(list.Count);
            foreach (var t in list)
            {
                writer.WriteString(t.Name);
                writer.WriteString(t.ElementType);
                writer.WriteInt64Array([.. t.Shape]);
            }
        }
    }

    internal static ModelIdentity ReadFrom(ref BinaryBufferReader reader)
    {
        var offset = reader.Position;
        var sha = reader.ReadString("model sha256", 64);
        if (sha.Length != 64 || !sha.All(Uri.IsHexDigit))
        {
            throw reader.Fail(offset, $"model hash '{sha}' is not 64 hexadecimal characters");
        }

        var inputs = Read(ref reader, "input");
        var outputs = Read(ref reader, "output");
        return new ModelIdentity(sha, inputs, outputs);

        static TensorSignature[] Read(ref BinaryBufferReader reader, string what)
        {
            var list = new TensorSignature[reader.ReadCount(what + " count", 4096)];
            for (var i = 0; i < list.Length; i++)
            {
                var start = reader.Position;
                var name = reader.ReadString(what + " name", 1024);
                var type = reader.ReadString(what + " element type", 64);
                var shape = reader.ReadInt64Array(what + " shape", 64);
                if (string.IsNullOrWhiteSpace(name) || string.IsNullOrWhiteSpace(type) || shape.Any(d => d < -1))
                {
                    throw reader.Fail(start, $"{what} {i} has an empty name or type or a dimension below -1");
                }

                list[i] = new TensorSignature(name, type, shape);
            }

            return list;
        }
    }

    private static void Compare(string what, IReadOnlyList<TensorSignature> expected, IReadOnlyList<TensorSignature> actual, List<string> differences)
    {
        if (expected.Count != actual.Count)
        {
            differences.Add($"the model has {actual.Count} {what}s, the baseline expects {expected.Count}");
        }

        for (var i = 0; i < Math.Min(expected.Count, actual.Count); i++)
        {
            if (!expected[i].Equals(actual[i]))
            {
                differences.Add($"{what} {i} is {actual[i]}, the baseline expects {expected[i]}");
            }
        }
    }
}
