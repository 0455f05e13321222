using System.Buffers.Binary;
using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Sketches;

/// <summary>
/// KLL quantile sketch (Karnin, Lang and Liberty 2016) following Apache DataSketches'
/// <c>KllDoublesSketch</c>: levels of sorted items where an item on level h stands for 2^h values,
/// level capacities k·(2/3)^depth (at least 8), random-offset compaction, and DataSketches'
/// general compression for merges. NaN, +∞ and −∞ are counted apart and never inserted.
/// </summary>
/// <remarks>
/// Storage for the largest possible number of levels is allocated once, so <see cref="Add"/>
/// never allocates. Randomness comes from <see cref="SplitMix64"/>, whose state is serialized,
/// so a deserialized sketch continues exactly as the original would. Not thread-safe, not even
/// for concurrent queries (they share a cached sorted view).
/// </remarks>
internal sealed class QuantileSketch
{
    /// <summary>Default k; gives <see cref="RankErrorBound"/> ≈ 0.0090 (≤ 1%).</summary>
    public const int DefaultK = 300;

    /// <summary>Default PRNG seed.</summary>
    public const ulong DefaultSeed = 0x4B4C4C5F53454544UL; // "KLL_SEED"

    /// <summary>Smallest allowed k (equal to the minimum level capacity m).</summary>
    public const int MinK = MinLevelCapacity;

    /// <summary>Largest allowed k.</summary>
    public const int MaxK = 16384;

    private const int MinLevelCapacity = 8;
    private const int MaxLevels = 61;
    private const byte FormatVersion = 1;

    private readonly int _k;
    private readonly ulong _seed;
    private readonly int[] _capacityByDepth;
    private readonly int[] _totalCapacityByLevels;
    private readonly double[] _items;
    private readonly int[] _levels;
    private int _numLevels;
    private int _floor;
    private long _n;
    private double _min;
    private double _max;
    private SplitMix64 _random;

    private double[]? _viewValues;
    private long[]? _viewWeights;
    private long[]? _viewCumulative;

    /// <summary>Creates an empty sketch with parameter <paramref name="k"/> and PRNG seed <paramref name="seed"/>.</summary>
    public QuantileSketch(int k = DefaultK, ulong seed = DefaultSeed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, MinK);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, MaxK);
        _k = k;
        _seed = seed;
        _capacityByDepth = new int[MaxLevels];
        _totalCapacityByLevels = new int[MaxLevels + 1];
        for (var depth = 0; depth < MaxLevels; depth++)
        {
            _capacityByDepth[depth] = (int)Math.Max(MinLevelCapacity, CapacityAtDepth(k, depth));
            _totalCapacityByLevels[depth + 1] = _totalCapacityByLevels[depth] + _capacityByDepth[depth];
        }

        _items = new double[_totalCapacityByLevels[MaxLevels]];
        _levels = new int[MaxLevels + 1];
        _random = new SplitMix64(seed);
        ResetLevels();
    }

    /// <summary>The accuracy parameter k.</summary>
    public int K => _k;

    /// <summary>The PRNG seed the sketch started from (and returns to on <see cref="Reset"/>).</summary>
    public ulong Seed => _seed;

    /// <summary>Number of finite values added.</summary>
    public long Count => _n;

    /// <summary>Number of NaN values seen.</summary>
    public long NaNCount { get; private set; }

    /// <summary>Number of +∞ values seen.</summary>
    public long PositiveInfinityCount { get; private set; }

    /// <summary>Number of −∞ values seen.</summary>
    public long NegativeInfinityCount { get; private set; }

    /// <summary>All values seen, finite or not.</summary>
    public long TotalCount => _n + NaNCount + PositiveInfinityCount + NegativeInfinityCount;

    /// <summary>Smallest finite value (exact); NaN when empty.</summary>
    public double Min => _n == 0 ? double.NaN : _min;

    /// <summary>Largest finite value (exact); NaN when empty.</summary>
    public double Max => _n == 0 ? double.NaN : _max;

    /// <summary>Number of items currently retained.</summary>
    public int RetainedCount => _levels[_numLevels] - _levels[0];

    /// <summary>Number of levels in use.</summary>
    public int LevelCount => _numLevels;

    /// <summary>
    /// Normalized rank error ε = 2.296 / k^0.9723 (Apache DataSketches <c>getNormalizedRankError(k, false)</c>,
    /// their fit to the 99th percentile, over many trials, of the maximum single-sided rank error over all
    /// queries): with probability ≥ 99%, |Rank(x) − trueRank(x)| ≤ ε for all x simultaneously, and the true
    /// rank of Quantile(q) is within ε of q. Empirical, not a worst-case guarantee; also holds after merges.
    /// </summary>
    public double RankErrorBound => NormalizedRankError(_k);

    /// <summary>The documented normalized rank error for parameter <paramref name="k"/> (see <see cref="RankErrorBound"/>).</summary>
    public static double NormalizedRankError(int k) => 2.296 / Math.Pow(k, 0.9723);

    /// <summary>Adds one value; non-finite values are only counted. Amortized O(1) apart from level-0 sorting; no allocation.</summary>
    public void Add(double value)
    {
        if (!double.IsFinite(value))
        {
            CountNonFinite(value);
            return;
        }

        AddFinite(value);
    }

    /// <summary>Adds the contents of <paramref name="other"/>, which must have the same k.</summary>
    public void Merge(QuantileSketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._k != _k)
        {
            throw new ArgumentException($"Cannot merge a quantile sketch with k = {other._k} into one with k = {_k}.", nameof(other));
        }

        if (ReferenceEquals(other, this))
        {
            other = Clone();
        }

        NaNCount = checked(NaNCount + other.NaNCount);
        PositiveInfinityCount = checked(PositiveInfinityCount + other.PositiveInfinityCount);
        NegativeInfinityCount = checked(NegativeInfinityCount + other.NegativeInfinityCount);
        if (other._n == 0)
        {
            return;
        }

        var wasEmpty = _n == 0;
        var finalN = checked(_n + other._n);
        for (var i = other._levels[0]; i < other._levels[1]; i++)
        {
            AddFinite(other._items[i]);
        }

        if (other._numLevels >= 2)
        {
            MergeHigherLevels(other);
        }

        _n = finalN;
        _min = wasEmpty ? other._min : Math.Min(_min, other._min);
        _max = wasEmpty ? other._max : Math.Max(_max, other._max);
        InvalidateView();
    }

    /// <summary>
    /// Value at normalized rank <paramref name="q"/>: the smallest retained item whose cumulative weight
    /// reaches ⌈q·n⌉ (DataSketches' inclusive rule); q = 0 and q = 1 give the exact min and max; NaN when empty.
    /// </summary>
    public double Quantile(double q)
    {
        if (!(q >= 0.0 && q <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, "The quantile rank must be in [0, 1].");
        }

        if (_n == 0)
        {
            return double.NaN;
        }

        if (q == 0.0)
        {
            return _min;
        }

        if (q == 1.0)
        {
            return _max;
        }

        EnsureView();
        var target = Math.Max(1L, (long)Math.Ceiling(q * _n));
        var cumulative = _viewCumulative!;
        int lo = 0, hi = cumulative.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (cumulative[mid] >= target)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return _viewValues![lo];
    }

    /// <summary>Estimated fraction of finite values ≤ <paramref name="x"/>; NaN when empty or when x is NaN.</summary>
    public double Rank(double x)
    {
        if (_n == 0 || double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x < _min)
        {
            return 0.0;
        }

        if (x >= _max)
        {
            return 1.0;
        }

        EnsureView();
        var values = _viewValues!;
        int lo = 0, hi = values.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (values[mid] <= x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo == 0 ? 0.0 : (double)_viewCumulative![lo - 1] / _n;
    }

    /// <summary>Sorted copies of the retained items and their weights (weights sum to <see cref="Count"/>).</summary>
    public void GetSortedView(out double[] values, out long[] weights)
    {
        EnsureView();
        values = (double[])_viewValues!.Clone();
        weights = (long[])_viewWeights!.Clone();
    }

    /// <summary>An independent copy, including the PRNG state.</summary>
    public QuantileSketch Clone()
    {
        var copy = new QuantileSketch(_k, _seed);
        CopyStateTo(copy);
        return copy;
    }

    /// <summary>Forgets everything and restarts the PRNG from <see cref="Seed"/>.</summary>
    public void Reset()
    {
        _n = 0;
        _min = 0;
        _max = 0;
        NaNCount = 0;
        PositiveInfinityCount = 0;
        NegativeInfinityCount = 0;
        _random = new SplitMix64(_seed);
        ResetLevels();
        InvalidateView();
    }

    /// <summary>
    /// Writes: Byte version (1), Int32 k, UInt64 seed, Int64 n, NaN, +∞, −∞ counts, Int32 level count,
    /// per level an Int32-counted Double array (level 0 unsorted, higher levels sorted), then when n &gt; 0
    /// Double min and max, then the PRNG state.
    /// </summary>
    public void WriteTo(BinaryBufferWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteByte(FormatVersion);
        writer.WriteInt32(_k);
        writer.WriteUInt64(_seed);
        writer.WriteInt64(_n);
        writer.WriteInt64(NaNCount);
        writer.WriteInt64(PositiveInfinityCount);
        writer.WriteInt64(NegativeInfinityCount);
        writer.WriteInt32(_numLevels);
        for (var level = 0; level < _numLevels; level++)
        {
            writer.WriteDoubleArray(_items.AsSpan(_levels[level], _levels[level + 1] - _levels[level]));
        }

        if (_n > 0)
        {
            writer.WriteDouble(_min);
            writer.WriteDouble(_max);
        }

        _random.WriteTo(writer);
    }

    /// <summary>Reads and validates a sketch written by <see cref="WriteTo"/>.</summary>
    public static QuantileSketch ReadFrom(ref BinaryBufferReader reader) => ReadFrom(ref reader, build: true)!;

    /// <summary>Reads a sketch written by <see cref="WriteTo"/> with every check of <see cref="ReadFrom(ref BinaryBufferReader)"/>; builds it only when <paramref name="build"/> (else returns null).</summary>
    public static QuantileSketch? ReadFrom(ref BinaryBufferReader reader, bool build)
    {
        SketchFormat.ReadVersion(ref reader, "kll.version", FormatVersion);
        var k = SketchFormat.ReadInt32InRange(ref reader, "kll.k", MinK, MaxK);
        var seed = reader.ReadUInt64("kll.seed");
        var nStart = reader.Position;
        var n = SketchFormat.ReadNonNegativeInt64(ref reader, "kll.n");
        var nanCount = SketchFormat.ReadNonNegativeInt64(ref reader, "kll.nanCount");
        var positiveInfinityCount = SketchFormat.ReadNonNegativeInt64(ref reader, "kll.positiveInfinityCount");
        var negativeInfinityCount = SketchFormat.ReadNonNegativeInt64(ref reader, "kll.negativeInfinityCount");
        SketchFormat.EnsureSumFits(ref reader, "kll total count", n, nanCount, positiveInfinityCount, negativeInfinityCount);
        var numLevels = SketchFormat.ReadInt32InRange(ref reader, "kll.levelCount", 1, MaxLevels);
        var capacity = TotalCapacity(k, numLevels);

        var levelArrays = build ? new double[numLevels][] : null;
        var retained = 0;
        long weightSum = 0;
        double smallestItem = double.PositiveInfinity, largestItem = double.NegativeInfinity;
        for (var level = 0; level < numLevels; level++)
        {
            var start = reader.Position;
            var bytes = reader.ReadArrayBytes("kll.level", capacity - retained, sizeof(double));
            var count = bytes.Length / sizeof(double);
            retained += count;
            var items = levelArrays is null ? null : levelArrays[level] = new double[count];
            var previous = 0.0;
            for (var i = 0; i < count; i++)
            {
                var item = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * sizeof(double))..]);
                if (!double.IsFinite(item))
                {
                    throw reader.Fail(start, $"level {level} holds a non-finite item");
                }

                if (level > 0 && i > 0 && item < previous)
                {
                    throw reader.Fail(start, $"level {level} is not sorted");
                }

                previous = item;
                smallestItem = Math.Min(smallestItem, item);
                largestItem = Math.Max(largestItem, item);
                if (items is not null)
                {
                    items[i] = item;
                }
            }

            if (count > 0 && count > (long.MaxValue - weightSum) >> level)
            {
                throw reader.Fail(start, "the total weight of the retained items overflows Int64");
            }

            weightSum += (long)count << level;
        }

        if (weightSum != n)
        {
            throw reader.Fail(nStart, $"field 'kll.n' = {n} differs from the total weight {weightSum} of the retained items");
        }

        if (n == 0 && numLevels != 1)
        {
            throw reader.Fail("an empty sketch must have exactly one level");
        }

        double min = 0, max = 0;
        if (n > 0)
        {
            min = reader.ReadFiniteDouble("kll.min");
            var start = reader.Position;
            max = reader.ReadFiniteDouble("kll.max");
            if (max < min)
            {
                throw reader.Fail(start, "field 'kll.max' is smaller than 'kll.min'");
            }

            if (smallestItem < min || largestItem > max)
            {
                throw reader.Fail(start, "a retained item lies outside [min, max]");
            }
        }

        var random = SplitMix64.ReadFrom(ref reader, build);
        if (levelArrays is null)
        {
            return null;
        }

        var sketch = new QuantileSketch(k, seed)
        {
            NaNCount = nanCount,
            PositiveInfinityCount = positiveInfinityCount,
            NegativeInfinityCount = negativeInfinityCount,
            _min = min,
            _max = max,
            _random = random!,
            _n = n,
            _numLevels = numLevels,
        };
        sketch._floor = sketch._items.Length - capacity;
        var position = sketch._items.Length - retained;
        for (var level = 0; level < numLevels; level++)
        {
            sketch._levels[level] = position;
            levelArrays[level].CopyTo(sketch._items, position);
            position += levelArrays[level].Length;
        }

        sketch._levels[numLevels] = position;
        return sketch;
    }

    /// <summary>Total capacity of <paramref name="numLevels"/> levels of a sketch with parameter <paramref name="k"/> (what the constructor tabulates).</summary>
    private static int TotalCapacity(int k, int numLevels)
    {
        var total = 0;
        for (var depth = 0; depth < numLevels; depth++)
        {
            total += (int)Math.Max(MinLevelCapacity, CapacityAtDepth(k, depth));
        }

        return total;
    }

    private static long CapacityAtDepth(int k, int depth)
    {
        // DataSketches KllHelper.intCapAux: round(k·(2/3)^depth) in integer arithmetic.
        if (depth <= 30)
        {
            return CapacityAtDepthSmall(k, depth);
        }

        var half = depth / 2;
        return CapacityAtDepthSmall(CapacityAtDepthSmall(k, half), depth - half);
    }

    private static long CapacityAtDepthSmall(long k, int depth)
    {
        long powerOfThree = 1;
        for (var i = 0; i < depth; i++)
        {
            powerOfThree *= 3;
        }

        var twoK = k << 1;
        var scaled = (twoK << depth) / powerOfThree;
        return (scaled + 1) >>> 1;
    }

    private void ResetLevels()
    {
        _numLevels = 1;
        _floor = _items.Length - _totalCapacityByLevels[1];
        _levels[0] = _items.Length;
        _levels[1] = _items.Length;
    }

    private void CopyStateTo(QuantileSketch copy)
    {
        Array.Copy(_items, copy._items, _items.Length);
        Array.Copy(_levels, copy._levels, _levels.Length);
        copy._numLevels = _numLevels;
        copy._floor = _floor;
        copy._n = _n;
        copy._min = _min;
        copy._max = _max;
        copy.NaNCount = NaNCount;
        copy.PositiveInfinityCount = PositiveInfinityCount;
        copy.NegativeInfinityCount = NegativeInfinityCount;
        copy._random = _random.Clone();
    }

    private void AddFinite(double value)
    {
        if (_n == 0)
        {
            _min = value;
            _max = value;
        }
        else
        {
            if (value < _min)
            {
                _min = value;
            }

            if (value > _max)
            {
                _max = value;
            }
        }

        if (_levels[0] == _floor)
        {
            CompressWhileUpdating();
        }

        _n++;
        var position = --_levels[0];
        _items[position] = value;
        _viewValues = null;
    }

    private void CompressWhileUpdating()
    {
        var level = FindLevelToCompact();
        if (level == _numLevels - 1)
        {
            AddEmptyTopLevel();
        }

        var rawBeg = _levels[level];
        var rawLim = _levels[level + 1];
        var popAbove = _levels[level + 2] - rawLim;
        var rawPop = rawLim - rawBeg;
        var oddPop = (rawPop & 1) == 1;
        var adjBeg = oddPop ? rawBeg + 1 : rawBeg;
        var adjPop = oddPop ? rawPop - 1 : rawPop;
        var halfAdjPop = adjPop / 2;

        if (level == 0)
        {
            _items.AsSpan(adjBeg, adjPop).Sort();
        }

        if (popAbove == 0)
        {
            RandomlyHalveUp(_items, adjBeg, adjPop, _random);
        }
        else
        {
            RandomlyHalveDown(_items, adjBeg, adjPop, _random);
            MergeSortedInPlace(_items, adjBeg, halfAdjPop, rawLim, popAbove, adjBeg + halfAdjPop);
        }

        _levels[level + 1] -= halfAdjPop;
        if (oddPop)
        {
            _levels[level] = _levels[level + 1] - 1;
            _items[_levels[level]] = _items[rawBeg];
        }
        else
        {
            _levels[level] = _levels[level + 1];
        }

        if (level > 0)
        {
            var amount = rawBeg - _levels[0];
            Array.Copy(_items, _levels[0], _items, _levels[0] + halfAdjPop, amount);
            for (var lower = 0; lower < level; lower++)
            {
                _levels[lower] += halfAdjPop;
            }
        }
    }

    private int FindLevelToCompact()
    {
        for (var level = 0; level < _numLevels; level++)
        {
            var population = _levels[level + 1] - _levels[level];
            if (population >= _capacityByDepth[_numLevels - level - 1])
            {
                return level;
            }
        }

        // Unreachable: a full buffer always has a level at or above its capacity.
        throw new InvalidOperationException("KLL sketch invariant violated: full buffer with no level at capacity.");
    }

    private void AddEmptyTopLevel()
    {
        if (_numLevels >= MaxLevels)
        {
            throw new InvalidOperationException("KLL sketch cannot grow beyond its maximum number of levels.");
        }

        _floor -= _capacityByDepth[_numLevels];
        _numLevels++;
        _levels[_numLevels] = _levels[_numLevels - 1];
    }

    private void MergeHigherLevels(QuantileSketch other)
    {
        var provisionalLevels = Math.Max(_numLevels, other._numLevels);
        var work = new double[RetainedCount + (other._levels[other._numLevels] - other._levels[1])];
        var workLevels = new int[MaxLevels + 3];
        var outLevels = new int[MaxLevels + 3];

        var selfPopZero = _levels[1] - _levels[0];
        Array.Copy(_items, _levels[0], work, 0, selfPopZero);
        workLevels[1] = selfPopZero;
        for (var level = 1; level < provisionalLevels; level++)
        {
            var selfPop = level < _numLevels ? _levels[level + 1] - _levels[level] : 0;
            var otherPop = level < other._numLevels ? other._levels[level + 1] - other._levels[level] : 0;
            var destination = workLevels[level];
            workLevels[level + 1] = destination + selfPop + otherPop;
            if (otherPop == 0)
            {
                Array.Copy(_items, _levels[Math.Min(level, _numLevels)], work, destination, selfPop);
            }
            else if (selfPop == 0)
            {
                Array.Copy(other._items, other._levels[level], work, destination, otherPop);
            }
            else
            {
                MergeSorted(_items.AsSpan(_levels[level], selfPop), other._items.AsSpan(other._levels[level], otherPop), work.AsSpan(destination, selfPop + otherPop));
            }
        }

        var finalLevels = GeneralCompress(provisionalLevels, work, workLevels, outLevels, out var finalPopulation);
        var start = _items.Length - finalPopulation;
        Array.Copy(work, outLevels[0], _items, start, finalPopulation);
        var shift = start - outLevels[0];
        for (var level = 0; level <= finalLevels; level++)
        {
            _levels[level] = outLevels[level] + shift;
        }

        _numLevels = finalLevels;
        _floor = _items.Length - _totalCapacityByLevels[finalLevels];
    }

    private int GeneralCompress(int numLevels, double[] buffer, int[] inLevels, int[] outLevels, out int finalPopulation)
    {
        // DataSketches KllDoublesHelper.generalDoublesCompress, in place (input and output share the buffer).
        var currentItemCount = inLevels[numLevels] - inLevels[0];
        var targetItemCount = _totalCapacityByLevels[numLevels];
        outLevels[0] = 0;
        var level = -1;
        var done = false;
        while (!done)
        {
            level++;
            if (level == numLevels - 1)
            {
                inLevels[level + 2] = inLevels[level + 1];
            }

            var rawBeg = inLevels[level];
            var rawLim = inLevels[level + 1];
            var rawPop = rawLim - rawBeg;
            if (currentItemCount < targetItemCount || rawPop < _capacityByDepth[numLevels - level - 1])
            {
                Array.Copy(buffer, rawBeg, buffer, outLevels[level], rawPop);
                outLevels[level + 1] = outLevels[level] + rawPop;
            }
            else
            {
                var popAbove = inLevels[level + 2] - rawLim;
                var oddPop = (rawPop & 1) == 1;
                var adjBeg = oddPop ? rawBeg + 1 : rawBeg;
                var adjPop = oddPop ? rawPop - 1 : rawPop;
                var halfAdjPop = adjPop / 2;
                if (oddPop)
                {
                    buffer[outLevels[level]] = buffer[rawBeg];
                    outLevels[level + 1] = outLevels[level] + 1;
                }
                else
                {
                    outLevels[level + 1] = outLevels[level];
                }

                if (level == 0)
                {
                    buffer.AsSpan(adjBeg, adjPop).Sort();
                }

                if (popAbove == 0)
                {
                    RandomlyHalveUp(buffer, adjBeg, adjPop, _random);
                }
                else
                {
                    RandomlyHalveDown(buffer, adjBeg, adjPop, _random);
                    MergeSortedInPlace(buffer, adjBeg, halfAdjPop, rawLim, popAbove, adjBeg + halfAdjPop);
                }

                currentItemCount -= halfAdjPop;
                inLevels[level + 1] -= halfAdjPop;
                if (level == numLevels - 1)
                {
                    if (numLevels >= MaxLevels)
                    {
                        throw new InvalidOperationException("KLL sketch cannot grow beyond its maximum number of levels.");
                    }

                    numLevels++;
                    targetItemCount += _capacityByDepth[numLevels - 1];
                }
            }

            if (level == numLevels - 1)
            {
                done = true;
            }
        }

        finalPopulation = currentItemCount;
        return numLevels;
    }

    private static void RandomlyHalveDown(double[] buffer, int start, int length, SplitMix64 random)
    {
        var half = length / 2;
        var j = start + (random.NextBoolean() ? 1 : 0);
        for (var i = start; i < start + half; i++)
        {
            buffer[i] = buffer[j];
            j += 2;
        }
    }

    private static void RandomlyHalveUp(double[] buffer, int start, int length, SplitMix64 random)
    {
        var half = length / 2;
        var j = start + length - 1 - (random.NextBoolean() ? 1 : 0);
        for (var i = start + length - 1; i >= start + half; i--)
        {
            buffer[i] = buffer[j];
            j -= 2;
        }
    }

    /// <summary>Merges sorted runs [a, a+aLength) and [b, b+bLength) into [destination, ...); destination may overlap run b's start as in DataSketches.</summary>
    private static void MergeSortedInPlace(double[] buffer, int a, int aLength, int b, int bLength, int destination)
    {
        int aEnd = a + aLength, bEnd = b + bLength;
        int i = a, j = b, d = destination;
        while (i < aEnd && j < bEnd)
        {
            buffer[d++] = buffer[j] < buffer[i] ? buffer[j++] : buffer[i++];
        }

        while (i < aEnd)
        {
            buffer[d++] = buffer[i++];
        }

        while (j < bEnd)
        {
            buffer[d++] = buffer[j++];
        }
    }

    private static void MergeSorted(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> destination)
    {
        int i = 0, j = 0, d = 0;
        while (i < a.Length && j < b.Length)
        {
            destination[d++] = b[j] < a[i] ? b[j++] : a[i++];
        }

        a[i..].CopyTo(destination[d..]);
        d += a.Length - i;
        b[j..].CopyTo(destination[d..]);
    }

    private void InvalidateView() => _viewValues = null;

    private void EnsureView()
    {
        if (_viewValues is not null)
        {
            return;
        }

        var count = RetainedCount;
        var values = new double[count];
        var weights = new long[count];
        var index = 0;
        for (var level = 0; level < _numLevels; level++)
        {
            var weight = 1L << level;
            for (var i = _levels[level]; i < _levels[level + 1]; i++)
            {
                values[index] = _items[i];
                weights[index++] = weight;
            }
        }

        Array.Sort(values, weights);
        var cumulative = new long[count];
        long sum = 0;
        for (var i = 0; i < count; i++)
        {
            sum += weights[i];
            cumulative[i] = sum;
        }

        _viewWeights = weights;
        _viewCumulative = cumulative;
        _viewValues = values;
    }

    private void CountNonFinite(double value)
    {
        if (double.IsNaN(value))
        {
            NaNCount++;
        }
        else if (value > 0)
        {
            PositiveInfinityCount++;
        }
        else
        {
            NegativeInfinityCount++;
        }
    }
}
