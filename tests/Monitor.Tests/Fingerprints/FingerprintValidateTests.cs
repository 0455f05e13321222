using System.Buffers.Binary;
using EdgeSentinel.Monitor.Fingerprints;
using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Serialization;
using EdgeSentinel.Monitor.Sketches;
using EdgeSentinel.Monitor.Tests.Support;

namespace EdgeSentinel.Monitor.Tests.Fingerprints;

/// <summary>
/// <see cref="Fingerprint.Validate"/> (no summaries built) against <see cref="Fingerprint.FromBytes"/>: same accept/reject
/// and the same error on valid fingerprints and on seeded mutations of them; every check is reached by some mutation.
/// </summary>
public sealed class FingerprintValidateTests
{
    private static readonly byte[] Magic = "ESFPRT\r\n"u8.ToArray();

    /// <summary>Fingerprints of 0, 1, 2, 40 and 3000 rows: empty sketches, the single-value rules, several KLL levels.</summary>
    private static readonly Lazy<byte[][]> Valid = new(() => [.. new[] { 0, 1, 2, 40, 3000 }.Select(rows => Build(rows).ToBytes())]);

    private static Fingerprint Build(int rows) =>
        FingerprintTests.Build(rows, 0, modelSeed: 11, inputB: r => r % 13 != 5 ? null : r % 2 == 0 ? float.NaN : float.PositiveInfinity).Whole;

    /// <summary>"accepted n" with the observation count, or the exception type and message.</summary>
    private static string Outcome(Func<long> read)
    {
        try
        {
            return $"accepted {read()}";
        }
        catch (Exception ex)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }
    }

    private static string ValidateOutcome(byte[] bytes) => Outcome(() => Fingerprint.Validate(bytes).ObservationCount);

    private static string FromBytesOutcome(byte[] bytes) => Outcome(() => Fingerprint.FromBytes(bytes).ObservationCount);

    /// <summary>The payload inside the checksummed frame.</summary>
    private static byte[] PayloadOf(byte[] file) => file.AsSpan(ChecksummedContainer.HeaderLength, file.Length - ChecksummedContainer.HeaderLength - ChecksummedContainer.ChecksumLength).ToArray();

    private static byte[] Wrap(byte[] payload) => ChecksummedContainer.Wrap(Magic, Fingerprint.FormatVersion, payload);

    [Fact]
    public void Validate_ValidFingerprints_AcceptsWithTheSchemaAndCountOfFromBytes()
    {
        foreach (var bytes in Valid.Value)
        {
            var outline = Fingerprint.Validate(bytes);
            var decoded = Fingerprint.FromBytes(bytes);

            Assert.Equal(decoded.ObservationCount, outline.ObservationCount);
            Assert.Equal(decoded.Schema.Id, outline.Schema.Id);
            Assert.Equal(bytes, decoded.ToBytes());
        }
    }

    [Fact]
    public void Validate_SeededMutations_SameOutcomeAsFromBytes_AndEveryCheckIsReached()
    {
        var random = new SplitMix64(20261124);
        var reasons = new HashSet<string>(StringComparer.Ordinal);
        var accepted = 0;
        const int Mutations = 12_000;
        var targeted = EmptyQuantileSketchesWithTwoLevels(Valid.Value[0]);
        Assert.NotEmpty(targeted);
        for (var i = 0; i < Mutations + targeted.Count; i++)
        {
            var kind = "empty KLL sketch given a second, empty level";
            var mutated = i < Mutations ? Mutate(Valid.Value[random.NextInt(Valid.Value.Length)], random, out kind) : targeted[i - Mutations];

            var expected = FromBytesOutcome(mutated);
            var actual = ValidateOutcome(mutated);

            Assert.True(expected == actual, $"mutation {i} ({kind}): FromBytes gave '{expected}', Validate gave '{actual}'");
            if (expected.StartsWith("accepted", StringComparison.Ordinal))
            {
                accepted++;
            }
            else
            {
                Assert.StartsWith(nameof(MonitorFormatException), expected, StringComparison.Ordinal);
                reasons.Add(expected);
            }
        }

        // Independent of the shared code: each check the format has must have rejected some mutation, so a check
        // removed from the reading code (which the validator shares with FromBytes) makes one of these disappear.
        string[] checks =
        [
            "truncated", "checksum mismatch", "unexpected trailing bytes", "not a fingerprint", "unsupported format version", "unknown flags",
            "declared payload length", "observation count", "must be 0 or 1", "outside the allowed range", "invalid schema",
            "unknown output kind", "is not a supported format version",
            "moments.shiftedMean", "moments.sumOfSquaredDeviations", "moments.max", "moments total count", "must be finite",
            "kll.n", "holds a non-finite item", "is not sorted", "lies outside [min, max]", "'kll.max' is smaller",
            "an empty sketch must have exactly one level", "prng.spare",
            "histogram.edges", "histogram.counts", "histogram.positiveInfinityCount", "histogram.negativeInfinityCount",
            "categories.counts", "do not fit a", "covariance.comoment", "holds a non-finite value", "has a negative diagonal entry",
            "covariance.quartic", "a summary of one row must have zero central moments", "covariance dimension",
        ];
        var missing = checks.Where(c => !reasons.Any(r => r.Contains(c, StringComparison.Ordinal))).ToList();
        Assert.True(missing.Count == 0, $"no mutation was rejected by: {string.Join(" | ", missing)}");
        Assert.InRange(accepted, 50, Mutations / 2);
    }

    [Fact]
    public void Validate_ReusesTheSchemaOfTheLastFingerprint_AndAllocatesNoSummaries()
    {
        var bytes = Valid.Value[^1];
        Fingerprint.Validate(bytes);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var outline = Fingerprint.Validate(bytes);
        var validate = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        Fingerprint.FromBytes(bytes);
        var fromBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Same(Fingerprint.Validate(Valid.Value[0]).Schema, outline.Schema);
        // What remains are the section names of the error messages (strings per channel and tap): a few hundred bytes
        // per channel, where FromBytes allocates every sketch (a KLL sketch alone is > 10 KB).
        var channels = SyntheticModel.Schema.Channels.Count + SyntheticModel.Schema.Taps.Count;
        Assert.True(validate < 512 * channels, $"Validate allocated {validate} bytes for {channels} channels and taps (FromBytes {fromBytes})");
        Assert.True(fromBytes > 10_000 * channels / 2, $"FromBytes allocated {fromBytes} bytes");
    }

    /// <summary>
    /// A mutation random bytes almost never make: in the fingerprint of no rows, each (empty) KLL sketch with its level
    /// count raised to 2 and a second, empty level inserted: every weight still adds up, only the level rule is broken.
    /// </summary>
    private static List<byte[]> EmptyQuantileSketchesWithTwoLevels(byte[] file)
    {
        var payload = PayloadOf(file);
        Span<byte> header = stackalloc byte[1 + 4];
        header[0] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(header[1..], QuantileSketch.DefaultK);
        var result = new List<byte[]>();
        for (var at = payload.AsSpan().IndexOf(header); at >= 0;)
        {
            // version, k, seed, n, NaN, +inf, -inf counts, level count, then the Int32 count of level 0.
            var n = at + header.Length + 8;
            var levelCount = n + (4 * 8);
            if (levelCount + 8 <= payload.Length && BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(n)) == 0
                && BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(levelCount)) == 1 && BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(levelCount + 4)) == 0)
            {
                var mutated = payload.ToArray();
                BinaryPrimitives.WriteInt32LittleEndian(mutated.AsSpan(levelCount), 2);
                result.Add(Wrap([.. mutated[..(levelCount + 8)], 0, 0, 0, 0, .. mutated[(levelCount + 8)..]]));
            }

            var next = payload.AsSpan(at + 1).IndexOf(header);
            at = next < 0 ? -1 : at + 1 + next;
        }

        return result;
    }

    /// <summary>One seeded mutation; most in the payload with the checksum made right again, so they reach the summaries.</summary>
    private static byte[] Mutate(byte[] file, SplitMix64 random, out string kind)
    {
        var payload = PayloadOf(file);
        switch (random.NextInt(10))
        {
            case 0:
                kind = "truncated payload";
                return Wrap(payload[..random.NextInt(payload.Length)]);
            case 1:
                kind = "payload with bytes appended";
                return Wrap([.. payload, .. new byte[1 + random.NextInt(16)]]);
            case 2:
            {
                kind = "frame bit flip";
                var copy = (byte[])file.Clone();
                var at = random.NextInt(copy.Length);
                copy[at] ^= (byte)(1 << random.NextInt(8));
                return copy;
            }

            case 3:
                kind = "frame truncated";
                return file[..random.NextInt(file.Length)];
            case 4:
            {
                kind = "frame header field";
                var copy = (byte[])file.Clone();
                var at = 8 + random.NextInt(ChecksummedContainer.HeaderLength - 8);
                copy[at] = (byte)random.NextUInt64();
                return copy;
            }

            case 5:
            {
                kind = "payload bit flip";
                var at = random.NextInt(payload.Length);
                payload[at] ^= (byte)(1 << random.NextInt(8));
                return Wrap(payload);
            }

            case 6:
            {
                kind = "payload Int32 (counts, lengths)";
                int[] values = [-1, 0, 1, 2, 3, int.MaxValue, int.MinValue, 1 << 20, 61, 62];
                var at = random.NextInt(payload.Length - 3);
                BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(at), values[random.NextInt(values.Length)] + (random.NextInt(4) == 0 ? random.NextInt(5) - 2 : 0));
                return Wrap(payload);
            }

            case 7:
            {
                kind = "payload Int64 (counts)";
                long[] values = [-1, 0, 1, 2, long.MaxValue, long.MinValue, (1L << 53) + 1, 1L << 53, 1L << 52];
                var at = random.NextInt(payload.Length - 7);
                BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(at), values[random.NextInt(values.Length)]);
                return Wrap(payload);
            }

            case 8:
            {
                kind = "payload Double";
                double[] values = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1.0, 0.0, -0.0, 1.0, 1e300, -1e300, 0.5];
                var at = random.NextInt(payload.Length - 7);
                BinaryPrimitives.WriteDoubleLittleEndian(payload.AsSpan(at), values[random.NextInt(values.Length)]);
                return Wrap(payload);
            }

            default:
            {
                // An 8-byte aligned value of the payload (most doubles and counts sit on such a boundary relative to
                // their array) swapped with its neighbour or negated: order, sign and range rules.
                kind = "payload value swapped or negated";
                var at = random.NextInt(payload.Length - 15);
                var span = payload.AsSpan(at);
                if (random.NextBoolean())
                {
                    var a = BinaryPrimitives.ReadInt64LittleEndian(span);
                    BinaryPrimitives.WriteInt64LittleEndian(span, BinaryPrimitives.ReadInt64LittleEndian(span[8..]));
                    BinaryPrimitives.WriteInt64LittleEndian(span[8..], a);
                }
                else
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(span, -BinaryPrimitives.ReadDoubleLittleEndian(span));
                }

                return Wrap(payload);
            }
        }
    }
}
