using System.Numerics;
using System.Runtime.InteropServices;
using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Sketches;

/// <summary>
/// Fixed Gaussian random projection y = W·x (Johnson–Lindenstrauss): W is outputDimension × inputDimension
/// with entries N(0, 1/outputDimension), so E‖W·x‖² = ‖x‖². W is generated from the seed by
/// <see cref="SplitMix64.NextGaussian"/> in row-major order (output row by output row), scaled by
/// 1/√outputDimension and rounded to float — the same bits on every IEEE-754 machine.
/// </summary>
/// <remarks>
/// Immutable and thread-safe. <see cref="Project"/> uses <see cref="Vector{T}"/> SIMD and allocates
/// nothing; its float sums may differ in the last bits between CPUs with different vector widths.
/// </remarks>
internal sealed class RandomProjection
{
    /// <summary>Largest input dimension accepted.</summary>
    public const int MaxInputDimension = 1 << 16;

    /// <summary>Largest output dimension accepted.</summary>
    public const int MaxOutputDimension = 4096;

    /// <summary>Largest number of matrix entries accepted.</summary>
    public const int MaxEntries = 1 << 24;

    private const byte FormatVersion = 1;

    private readonly float[] _matrix; // row-major, rows padded to _stride (a multiple of Vector<float>.Count) with zeros
    private readonly int _stride;

    private RandomProjection(int inputDimension, int outputDimension, ulong seed)
    {
        InputDimension = inputDimension;
        OutputDimension = outputDimension;
        Seed = seed;
        var width = Vector<float>.Count;
        _stride = (inputDimension + width - 1) / width * width;
        _matrix = new float[_stride * outputDimension];
        var random = new SplitMix64(seed);
        var scale = 1.0 / Math.Sqrt(outputDimension);
        var hash = FnvOffset;
        Span<byte> bytes = stackalloc byte[4];
        for (var o = 0; o < outputDimension; o++)
        {
            for (var i = 0; i < inputDimension; i++)
            {
                var value = (float)(random.NextGaussian() * scale);
                _matrix[(o * _stride) + i] = value;
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                foreach (var b in bytes)
                {
                    hash = (hash ^ b) * FnvPrime;
                }
            }
        }

        Checksum = hash;
    }

    private const ulong FnvOffset = 0xCBF29CE484222325UL;
    private const ulong FnvPrime = 0x100000001B3UL;

    /// <summary>Input dimension.</summary>
    public int InputDimension { get; }

    /// <summary>Output dimension.</summary>
    public int OutputDimension { get; }

    /// <summary>Seed the matrix was generated from.</summary>
    public ulong Seed { get; }

    /// <summary>FNV-1a 64 hash of the matrix entries' little-endian float bytes, row-major.</summary>
    public ulong Checksum { get; }

    /// <summary>Creates the projection determined by the dimensions and <paramref name="seed"/>.</summary>
    public static RandomProjection Create(int inputDimension, int outputDimension, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputDimension, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inputDimension, MaxInputDimension);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputDimension, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(outputDimension, MaxOutputDimension);
        if ((long)inputDimension * outputDimension > MaxEntries)
        {
            throw new ArgumentOutOfRangeException(nameof(outputDimension), $"The matrix may hold at most {MaxEntries} entries.");
        }

        return new RandomProjection(inputDimension, outputDimension, seed);
    }

    /// <summary>Matrix entry W[output, input].</summary>
    public float GetWeight(int output, int input)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(output);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(output, OutputDimension);
        ArgumentOutOfRangeException.ThrowIfNegative(input);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(input, InputDimension);
        return _matrix[(output * _stride) + input];
    }

    /// <summary>Writes W·input into <paramref name="output"/> (lengths must equal the dimensions). No allocation.</summary>
    public void Project(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != InputDimension || output.Length != OutputDimension)
        {
            ThrowDimensions(input.Length, output.Length);
        }

        var inputVectors = MemoryMarshal.Cast<float, Vector<float>>(input);
        var tailStart = inputVectors.Length * Vector<float>.Count;
        var stride = _stride;
        var matrix = _matrix.AsSpan();
        for (var o = 0; o < output.Length; o++)
        {
            var row = matrix.Slice(o * stride, stride);
            var rowVectors = MemoryMarshal.Cast<float, Vector<float>>(row);
            var accumulator = Vector<float>.Zero;
            for (var v = 0; v < inputVectors.Length; v++)
            {
                accumulator += rowVectors[v] * inputVectors[v];
            }

            var sum = Vector.Sum(accumulator);
            for (var i = tailStart; i < input.Length; i++)
            {
                sum += row[i] * input[i];
            }

            output[o] = sum;
        }
    }

    /// <summary>Writes: Byte version (1), Int32 input dimension, Int32 output dimension, UInt64 seed, UInt64 checksum.</summary>
    public void WriteTo(BinaryBufferWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteByte(FormatVersion);
        writer.WriteInt32(InputDimension);
        writer.WriteInt32(OutputDimension);
        writer.WriteUInt64(Seed);
        writer.WriteUInt64(Checksum);
    }

    /// <summary>Reads a projection, regenerates its matrix from the seed and fails if the checksum differs.</summary>
    public static RandomProjection ReadFrom(ref BinaryBufferReader reader)
    {
        SketchFormat.ReadVersion(ref reader, "projection.version", FormatVersion);
        var inputDimension = SketchFormat.ReadInt32InRange(ref reader, "projection.inputDimension", 1, MaxInputDimension);
        var start = reader.Position;
        var outputDimension = SketchFormat.ReadInt32InRange(ref reader, "projection.outputDimension", 1, MaxOutputDimension);
        if ((long)inputDimension * outputDimension > MaxEntries)
        {
            throw reader.Fail(start, $"the projection matrix would hold more than {MaxEntries} entries");
        }

        var seed = reader.ReadUInt64("projection.seed");
        start = reader.Position;
        var checksum = reader.ReadUInt64("projection.checksum");
        var projection = new RandomProjection(inputDimension, outputDimension, seed);
        if (projection.Checksum != checksum)
        {
            throw reader.Fail(start, $"field 'projection.checksum' = {checksum:X16} does not match the regenerated matrix ({projection.Checksum:X16}); the generator differs from the writer's");
        }

        return projection;
    }

    private void ThrowDimensions(int inputLength, int outputLength) =>
        throw new ArgumentException($"Projection expects input length {InputDimension} and output length {OutputDimension}, got {inputLength} and {outputLength}.");
}
