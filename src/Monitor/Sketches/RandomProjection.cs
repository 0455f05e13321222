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
/// Immutable and thread-safe. <see cref="Project"/> uses <see cref="Vector{T}"/> SIMD (the matrix is
/// stored transposed) and allocates nothing; outputs are summed in float in a fixed order, but the
/// result is not promised bit-identical across CPUs (the JIT may fuse multiply-adds).
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

    private const ulong FnvOffset = 0xCBF29CE484222325UL;
    private const ulong FnvPrime = 0x100000001B3UL;

    // Stored transposed: column i (the weights of input i for every output) at [i·_columnStride, …),
    // padded with zeros to _columnStride, a multiple of Vector<float>.Count.
    private readonly float[] _columns;
    private readonly int _columnStride;

    private RandomProjection(int inputDimension, int outputDimension, ulong seed)
    {
        InputDimension = inputDimension;
        OutputDimension = outputDimension;
        Seed = seed;
        var width = Vector<float>.Count;
        _columnStride = (outputDimension + width - 1) / width * width;
        _columns = new float[_columnStride * inputDimension];
        var random = new SplitMix64(seed);
        var scale = 1.0 / Math.Sqrt(outputDimension);
        var hash = FnvOffset;
        Span<byte> bytes = stackalloc byte[4];
        for (var o = 0; o < outputDimension; o++)
        {
            for (var i = 0; i < inputDimension; i++)
            {
                var value = (float)(random.NextGaussian() * scale);
                _columns[(i * _columnStride) + o] = value;
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                foreach (var b in bytes)
                {
                    hash = (hash ^ b) * FnvPrime;
                }
            }
        }

        Checksum = hash;
    }

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
        return _columns[(input * _columnStride) + output];
    }

    /// <summary>Writes W·input into <paramref name="output"/> (lengths must equal the dimensions). No allocation.</summary>
    public void Project(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != InputDimension || output.Length != OutputDimension)
        {
            ThrowDimensions(input.Length, output.Length);
        }

        // y = Σᵢ xᵢ·W[:, i]: broadcast each input over the vectors of its column; each output lane
        // sums its products in input order, so no horizontal reduction is needed.
        var columns = MemoryMarshal.Cast<float, Vector<float>>(_columns.AsSpan());
        var vectorsPerColumn = _columnStride / Vector<float>.Count;
        if (vectorsPerColumn <= 2)
        {
            ProjectNarrow(input, output, columns, vectorsPerColumn);
            return;
        }

        Span<Vector<float>> accumulators = stackalloc Vector<float>[vectorsPerColumn];
        accumulators.Clear();
        for (var i = 0; i < input.Length; i++)
        {
            var x = new Vector<float>(input[i]);
            var column = columns.Slice(i * vectorsPerColumn, vectorsPerColumn);
            for (var v = 0; v < column.Length; v++)
            {
                accumulators[v] += x * column[v];
            }
        }

        MemoryMarshal.Cast<Vector<float>, float>(accumulators)[..output.Length].CopyTo(output);
    }

    /// <summary>At most two vectors per column (e.g. 16 outputs with 8 lanes): accumulators in registers, four independent chains each.</summary>
    private static void ProjectNarrow(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<Vector<float>> columns, int vectorsPerColumn)
    {
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector<float> b0 = default, b1 = default, b2 = default, b3 = default;
        var i = 0;
        if (vectorsPerColumn == 2)
        {
            for (; i + 4 <= input.Length; i += 4)
            {
                var block = columns.Slice(2 * i, 8);
                var x0 = new Vector<float>(input[i]);
                var x1 = new Vector<float>(input[i + 1]);
                var x2 = new Vector<float>(input[i + 2]);
                var x3 = new Vector<float>(input[i + 3]);
                a0 += x0 * block[0];
                b0 += x0 * block[1];
                a1 += x1 * block[2];
                b1 += x1 * block[3];
                a2 += x2 * block[4];
                b2 += x2 * block[5];
                a3 += x3 * block[6];
                b3 += x3 * block[7];
            }

            for (; i < input.Length; i++)
            {
                var x = new Vector<float>(input[i]);
                a0 += x * columns[2 * i];
                b0 += x * columns[(2 * i) + 1];
            }
        }
        else
        {
            for (; i + 4 <= input.Length; i += 4)
            {
                var block = columns.Slice(i, 4);
                a0 += new Vector<float>(input[i]) * block[0];
                a1 += new Vector<float>(input[i + 1]) * block[1];
                a2 += new Vector<float>(input[i + 2]) * block[2];
                a3 += new Vector<float>(input[i + 3]) * block[3];
            }

            for (; i < input.Length; i++)
            {
                a0 += new Vector<float>(input[i]) * columns[i];
            }
        }

        Span<Vector<float>> both = stackalloc Vector<float>[2];
        both[0] = (a0 + a1) + (a2 + a3);
        both[1] = (b0 + b1) + (b2 + b3);
        MemoryMarshal.Cast<Vector<float>, float>(both)[..output.Length].CopyTo(output);
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
