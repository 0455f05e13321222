using EdgeSentinel.Monitor.Randomness;
using EdgeSentinel.Monitor.Serialization;

namespace EdgeSentinel.Monitor.Tests.Sketches;

/// <summary>
/// Contract every mergeable sketch meets (run once per sketch type by a derived class):
/// merge is commutative and associative and merging parts gives the whole (within the sketch's
/// bound), serialization round-trips exactly, broken bytes fail only with MonitorFormatException,
/// non-finite input is counted apart, Clone is independent, Reset empties.
/// </summary>
public abstract class SketchContractTests
{
    private SketchAdapter? _adapter;

    /// <summary>How the contract drives the sketch under test.</summary>
    private protected abstract SketchAdapter CreateAdapter();

    private SketchAdapter A => _adapter ??= CreateAdapter();

    private int SampleCount => A.SampleCount;

    private int NonFinitePerCall => A.NonFinitePerCall;

    private object CreateEmpty() => A.CreateEmpty();

    private void AddSample(object sketch, SplitMix64 random) => A.AddSample(sketch, random);

    private void AddNonFinite(object sketch) => A.AddNonFinite(sketch);

    private void Merge(object target, object source) => A.Merge(target, source);

    private object Clone(object sketch) => A.Clone(sketch);

    private void Reset(object sketch) => A.Reset(sketch);

    private object ReadFrom(ref BinaryBufferReader reader) => A.ReadFrom(ref reader);

    private long CountOf(object sketch) => A.CountOf(sketch);

    private long NonFiniteCountOf(object sketch) => A.NonFiniteCountOf(sketch);

    private void AssertSameSummary(object expected, object actual) => A.AssertSameSummary(expected, actual);

    private void AssertNonFiniteNotFolded(object finiteOnly, object withNonFinite) => A.AssertNonFiniteNotFolded(finiteOnly, withNonFinite);

    private void AssertEmpty(object sketch) => A.AssertEmpty(sketch);

    private object Filled(ulong seed, int count)
    {
        var sketch = CreateEmpty();
        var random = new SplitMix64(seed);
        for (var i = 0; i < count; i++)
        {
            AddSample(sketch, random);
        }

        return sketch;
    }

    private byte[] Bytes(object sketch) => SerializationAssert.Serialize(w => A.WriteTo(sketch, w));

    private object FromBytes(byte[] bytes) => SerializationAssert.Deserialize(bytes, ReadFrom);

    [Fact]
    public void Empty_NewSketch_BehavesAsDocumented()
    {
        var sketch = CreateEmpty();
        AssertEmpty(sketch);
        Assert.Equal(0, CountOf(sketch));
        Assert.Equal(0, NonFiniteCountOf(sketch));
        AssertEmpty(FromBytes(Bytes(sketch)));
    }

    [Fact]
    public void Serialization_RoundTrip_ReserializesByteIdentical()
    {
        var sketch = Filled(1, SampleCount);
        AddNonFinite(sketch);
        var bytes = Bytes(sketch);
        var copy = FromBytes(bytes);
        Assert.Equal(bytes, Bytes(copy));
        AssertSameSummary(sketch, copy);
        Assert.Equal(CountOf(sketch), CountOf(copy));
        Assert.Equal(NonFiniteCountOf(sketch), NonFiniteCountOf(copy));

        var empty = CreateEmpty();
        Assert.Equal(Bytes(empty), Bytes(FromBytes(Bytes(empty))));
    }

    [Fact]
    public void Serialization_RoundTrip_ContinuesExactlyLikeTheOriginal()
    {
        var original = Filled(2, SampleCount);
        var copy = FromBytes(Bytes(original));
        var randomA = new SplitMix64(99);
        var randomB = new SplitMix64(99);
        for (var i = 0; i < SampleCount; i++)
        {
            AddSample(original, randomA);
            AddSample(copy, randomB);
        }

        var other = Filled(3, SampleCount / 2);
        Merge(original, other);
        Merge(copy, other);
        Assert.Equal(Bytes(original), Bytes(copy));
    }

    [Fact]
    public void ReadFrom_TruncatedBytes_ThrowsMonitorFormatException()
    {
        var sketch = Filled(4, SampleCount);
        AddNonFinite(sketch);
        SerializationAssert.EveryTruncationFails(Bytes(sketch), ReadFrom);
        SerializationAssert.EveryTruncationFails(Bytes(CreateEmpty()), ReadFrom);
    }

    [Fact]
    public void ReadFrom_CorruptedBytes_ThrowsOnlyMonitorFormatException()
    {
        var sketch = Filled(5, SampleCount);
        AddNonFinite(sketch);
        var rejected = SerializationAssert.CorruptionsFailOnlyWithFormatException(Bytes(sketch), ReadFrom, accepted =>
        {
            var random = new SplitMix64(8);
            for (var i = 0; i < SampleCount; i++)
            {
                AddSample(accepted, random);
            }

            Merge(accepted, Clone(accepted)); // a corrupted header may change k, edges or dimension: merge with a compatible copy
            _ = Bytes(accepted);
        });
        Assert.True(rejected > 0, "no corruption was detected at all");
    }

    [Fact]
    public void Merge_TwoSketches_IsCommutative()
    {
        var a = Filled(10, SampleCount);
        var b = Filled(11, SampleCount / 3);
        var ab = Clone(a);
        Merge(ab, b);
        var ba = Clone(b);
        Merge(ba, a);
        Assert.Equal(CountOf(a) + CountOf(b), CountOf(ab));
        Assert.Equal(CountOf(ab), CountOf(ba));
        AssertSameSummary(ab, ba);
    }

    [Fact]
    public void Merge_ThreeSketches_IsAssociative()
    {
        var a = Filled(12, SampleCount);
        var b = Filled(13, SampleCount / 2);
        var c = Filled(14, SampleCount * 2);
        var left = Clone(a);
        Merge(left, b);
        Merge(left, c);
        var bc = Clone(b);
        Merge(bc, c);
        var right = Clone(a);
        Merge(right, bc);
        Assert.Equal(CountOf(left), CountOf(right));
        AssertSameSummary(left, right);
    }

    [Fact]
    public void Merge_OfParts_MatchesSketchOfTheWhole()
    {
        var whole = CreateEmpty();
        var parts = new object[7];
        var random = new SplitMix64(15);
        for (var p = 0; p < parts.Length; p++)
        {
            parts[p] = CreateEmpty();
            var size = (SampleCount / 3) + (p * 97);
            for (var i = 0; i < size; i++)
            {
                var sampleSeed = random.NextUInt64();
                AddSample(whole, new SplitMix64(sampleSeed));
                AddSample(parts[p], new SplitMix64(sampleSeed));
            }
        }

        var merged = CreateEmpty();
        foreach (var part in parts)
        {
            Merge(merged, part);
        }

        Assert.Equal(CountOf(whole), CountOf(merged));
        AssertSameSummary(whole, merged);
    }

    [Fact]
    public void Merge_WithEmpty_ChangesNothing()
    {
        var sketch = Filled(16, SampleCount);
        var before = Bytes(sketch);
        Merge(sketch, CreateEmpty());
        Assert.Equal(before, Bytes(sketch));

        var empty = CreateEmpty();
        Merge(empty, sketch);
        Assert.Equal(CountOf(sketch), CountOf(empty));
        AssertSameSummary(sketch, empty);
    }

    [Fact]
    public void Merge_WithItself_DoublesTheCounts()
    {
        var sketch = Filled(17, SampleCount);
        AddNonFinite(sketch);
        var count = CountOf(sketch);
        var nonFinite = NonFiniteCountOf(sketch);
        var expected = Clone(sketch);
        Merge(expected, Clone(sketch));
        Merge(sketch, sketch);
        Assert.Equal(2 * count, CountOf(sketch));
        Assert.Equal(2 * nonFinite, NonFiniteCountOf(sketch));
        AssertSameSummary(expected, sketch);
    }

    [Fact]
    public void Clone_ThenMutate_LeavesOriginalUnchanged()
    {
        var sketch = Filled(18, SampleCount);
        var before = Bytes(sketch);
        var copy = Clone(sketch);
        Assert.Equal(before, Bytes(copy));
        var random = new SplitMix64(19);
        for (var i = 0; i < SampleCount; i++)
        {
            AddSample(copy, random);
        }

        AddNonFinite(copy);
        Merge(copy, Filled(20, 100));
        Assert.Equal(before, Bytes(sketch));
    }

    [Fact]
    public void Reset_FilledSketch_EqualsNewEmptySketch()
    {
        var sketch = Filled(21, SampleCount);
        AddNonFinite(sketch);
        Reset(sketch);
        AssertEmpty(sketch);
        var empty = CreateEmpty();
        Assert.Equal(Bytes(empty), Bytes(sketch));

        // After Reset it behaves exactly like a new sketch.
        var random = new SplitMix64(22);
        var fresh = CreateEmpty();
        var freshRandom = new SplitMix64(22);
        for (var i = 0; i < SampleCount; i++)
        {
            AddSample(sketch, random);
            AddSample(fresh, freshRandom);
        }

        Assert.Equal(Bytes(fresh), Bytes(sketch));
    }

    [Fact]
    public void Add_NonFiniteInput_IsCountedApartAndNotFolded()
    {
        var finiteOnly = CreateEmpty();
        var withNonFinite = CreateEmpty();
        var randomA = new SplitMix64(23);
        var randomB = new SplitMix64(23);
        var calls = 0;
        for (var i = 0; i < SampleCount; i++)
        {
            AddSample(finiteOnly, randomA);
            AddSample(withNonFinite, randomB);
            if (i % 100 == 0)
            {
                AddNonFinite(withNonFinite);
                calls++;
            }
        }

        Assert.Equal(CountOf(finiteOnly), CountOf(withNonFinite));
        Assert.Equal(0, NonFiniteCountOf(finiteOnly));
        Assert.Equal((long)calls * NonFinitePerCall, NonFiniteCountOf(withNonFinite));
        AssertNonFiniteNotFolded(finiteOnly, withNonFinite);

        var onlyNonFinite = CreateEmpty();
        AddNonFinite(onlyNonFinite);
        Assert.Equal(0, CountOf(onlyNonFinite));
        Assert.Equal(NonFinitePerCall, NonFiniteCountOf(onlyNonFinite));
    }
}

/// <summary>Untyped view of a sketch type for <see cref="SketchContractTests"/>.</summary>
internal abstract class SketchAdapter
{
    public virtual int SampleCount => 3000;

    public abstract int NonFinitePerCall { get; }

    public abstract object CreateEmpty();

    public abstract void AddSample(object sketch, SplitMix64 random);

    public abstract void AddNonFinite(object sketch);

    public abstract void Merge(object target, object source);

    public abstract object Clone(object sketch);

    public abstract void Reset(object sketch);

    public abstract void WriteTo(object sketch, BinaryBufferWriter writer);

    public abstract object ReadFrom(ref BinaryBufferReader reader);

    public abstract long CountOf(object sketch);

    public abstract long NonFiniteCountOf(object sketch);

    public abstract void AssertSameSummary(object expected, object actual);

    public abstract void AssertNonFiniteNotFolded(object finiteOnly, object withNonFinite);

    public abstract void AssertEmpty(object sketch);
}

/// <summary>Typed adapter: one per sketch type (see <see cref="SketchContractTests"/>).</summary>
internal abstract class SketchAdapter<TSketch> : SketchAdapter
    where TSketch : class
{
    public sealed override object CreateEmpty() => New();

    public sealed override void AddSample(object sketch, SplitMix64 random) => Add((TSketch)sketch, random);

    public sealed override void AddNonFinite(object sketch) => AddInvalid((TSketch)sketch);

    public sealed override void Merge(object target, object source) => MergeInto((TSketch)target, (TSketch)source);

    public sealed override object Clone(object sketch) => Copy((TSketch)sketch);

    public sealed override void Reset(object sketch) => Clear((TSketch)sketch);

    public sealed override void WriteTo(object sketch, BinaryBufferWriter writer) => Write((TSketch)sketch, writer);

    public sealed override object ReadFrom(ref BinaryBufferReader reader) => Read(ref reader);

    public sealed override long CountOf(object sketch) => Count((TSketch)sketch);

    public sealed override long NonFiniteCountOf(object sketch) => NonFiniteCount((TSketch)sketch);

    public sealed override void AssertSameSummary(object expected, object actual) => SameSummary((TSketch)expected, (TSketch)actual);

    public sealed override void AssertNonFiniteNotFolded(object finiteOnly, object withNonFinite) => NotFolded((TSketch)finiteOnly, (TSketch)withNonFinite);

    public sealed override void AssertEmpty(object sketch) => Empty((TSketch)sketch);

    public abstract TSketch New();

    public abstract void Add(TSketch sketch, SplitMix64 random);

    public abstract void AddInvalid(TSketch sketch);

    public abstract void MergeInto(TSketch target, TSketch source);

    public abstract TSketch Copy(TSketch sketch);

    public abstract void Clear(TSketch sketch);

    public abstract void Write(TSketch sketch, BinaryBufferWriter writer);

    public abstract TSketch Read(ref BinaryBufferReader reader);

    public abstract long Count(TSketch sketch);

    public abstract long NonFiniteCount(TSketch sketch);

    /// <summary>Asserts two sketches summarize the same data, within the sketch's stated bound.</summary>
    public abstract void SameSummary(TSketch expected, TSketch actual);

    /// <summary>Asserts the finite statistics are unaffected by the invalid input; by default the same summary.</summary>
    public virtual void NotFolded(TSketch finiteOnly, TSketch withNonFinite) => SameSummary(finiteOnly, withNonFinite);

    public abstract void Empty(TSketch sketch);
}
